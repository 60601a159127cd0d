import { spawnSync } from 'node:child_process'
import { AnyNull, Decimal } from '@prisma/client/runtime/client'
import fc from 'fast-check'
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { Prisma } from '../../../generated/prisma/client.ts'
import { SerializationError } from '../../../src/errors.ts'
import { createCodec } from '../../../src/storage/codec.ts'
import { copyValue } from '../../../src/storage/copy.ts'

const codec = createCodec()

function roundTrip(value: unknown): unknown {
  return codec.decode(codec.encode(value))
}

/**
 * Throws unless `actual` is exactly `expected`: same types (bigint is not number, Decimal is not string,
 * Uint8Array is not Buffer), same values (-0 is not 0, NaN equals NaN), same prototypes, and the same own
 * keys in the same order, `__proto__` included.
 */
function assertExact(actual: unknown, expected: unknown, path = '$'): void {
  const fail = (what: string): never => {
    throw new Error(`${path}: ${what} (expected ${show(expected)}, got ${show(actual)})`)
  }
  if (typeof actual !== typeof expected) fail('different type')
  if (typeof expected !== 'object' || expected === null) {
    if (!Object.is(actual, expected)) fail('different value')
    return
  }
  if (actual === null) fail('null')
  const actualObject = actual as object
  if (Object.getPrototypeOf(actualObject) !== Object.getPrototypeOf(expected)) fail('different prototype')
  if (expected instanceof Date) {
    if (!Object.is((actualObject as Date).getTime(), expected.getTime())) fail('different time')
    return
  }
  if (expected instanceof Decimal) {
    const decimal = actualObject as Decimal
    if (decimal.toString() !== expected.toString() || decimal.toFixed() !== expected.toFixed())
      fail('different digits')
    if (decimal.isNegative() !== expected.isNegative()) fail('different sign')
    return
  }
  if (expected instanceof Uint8Array) {
    if (!Buffer.from(actualObject as Uint8Array).equals(Buffer.from(expected))) fail('different bytes')
    return
  }
  const actualKeys = Reflect.ownKeys(actualObject)
  const expectedKeys = Reflect.ownKeys(expected)
  if (actualKeys.join('\u0000') !== expectedKeys.join('\u0000')) fail('different keys or key order')
  for (const key of expectedKeys) {
    const actualProperty = Object.getOwnPropertyDescriptor(actualObject, key)
    const expectedProperty = Object.getOwnPropertyDescriptor(expected, key)
    if (actualProperty?.enumerable !== expectedProperty?.enumerable)
      fail(`property ${String(key)} enumerability`)
    if (key === 'length' && Array.isArray(expected)) continue
    assertExact(actualProperty?.value, expectedProperty?.value, `${path}.${String(key)}`)
  }
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Decimal) return `Decimal(${value.toString()})`
  if (value instanceof Uint8Array) return `${value.constructor.name}[${value.join(',')}]`
  if (Object.is(value, -0)) return '-0'
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return `${value.constructor?.name ?? 'null-prototype'}{${Reflect.ownKeys(value).map(String).join(',')}}`
  }
  return String(value)
}

/** Throws if `copy` shares any object (a mutable part) with `original`. */
function assertNoSharedObjects(copy: unknown, original: unknown, path = '$'): void {
  if (typeof original !== 'object' || original === null) return
  if (copy === original) throw new Error(`${path}: shares an object with the original`)
  if (original instanceof Date || original instanceof Uint8Array) return
  if (original instanceof Decimal) {
    if ((copy as { d: unknown }).d === (original as unknown as { d: unknown }).d && original.isFinite()) {
      throw new Error(`${path}: shares the digits of a Decimal`)
    }
    return
  }
  for (const key of Reflect.ownKeys(original)) {
    const descriptor = Object.getOwnPropertyDescriptor(original, key)
    assertNoSharedObjects(
      Object.getOwnPropertyDescriptor(copy, key)?.value,
      descriptor?.value,
      `${path}.${String(key)}`,
    )
  }
}

/** A JSON object as Prisma parses it from a Json column: `__proto__` is an own key, not the prototype. */
const TRICKY_JSON = JSON.parse(
  '{"z": 1, "__proto__": {"polluted": true}, "constructor": {"name": "x"}, "": "empty", "10": "ten",' +
    ' "2": "two", "toJSON": "not a function", "hasOwnProperty": 0, "valueOf": null, "a": [-0, {"__proto__": []}]}',
)

/** Every scalar and list type of the Sample model, as Prisma 7 returns them. */
const SAMPLE_ROW = {
  id: '6c1c4c1e-3b5b-4f0e-9d1e-0a4c2a1b7f00',
  str: 'héllo wörld 🌍 中文 \u0000 "quoted" \\',
  int: -2147483648,
  big: -9223372036854775808n,
  float: -1.7976931348623157e308,
  dec: new Decimal('12345678901234567890.0123456789'),
  bool: false,
  date: new Date('1969-12-31T23:59:59.999Z'),
  json: TRICKY_JSON,
  jsonOpt: null,
  bytes: Uint8Array.of(0, 1, 254, 255),
  role: 'ADMIN',
  optStr: null,
  optDate: null,
  optDec: null,
  optBig: null,
  optBytes: null,
  strs: ['a', '', 'ü'],
  ints: [0, -1, 2147483647],
  bigs: [0n, -1n, 18446744073709551615n],
  floats: [0.1, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  decs: [new Decimal('0'), new Decimal('-0.0000000001')],
  bools: [true, false],
  dates: [new Date(0), new Date(8.64e15), new Date(-8.64e15)],
  roles: ['USER', 'ADMIN'],
}

const TYPE_TABLE: [string, unknown][] = [
  ['Date with milliseconds', new Date('2024-02-29T12:34:56.789Z')],
  ['Date at the epoch', new Date(0)],
  ['Date before 1970', new Date('1900-01-01T00:00:00.001Z')],
  ['Date after 2106 (96-bit timestamp)', new Date('2200-06-01T00:00:00.123Z')],
  ['latest Date', new Date(8.64e15)],
  ['earliest Date', new Date(-8.64e15)],
  ['Invalid Date', new Date(Number.NaN)],
  ['bigint 0', 0n],
  ['bigint 1', 1n],
  ['bigint -1', -1n],
  ['bigint max int64', 2n ** 63n - 1n],
  ['bigint min int64', -(2n ** 63n)],
  ['bigint max uint64', 2n ** 64n - 1n],
  ['bigint 2^64', 2n ** 64n],
  ['bigint -(2^64) - 1', -(2n ** 64n) - 1n],
  ['bigint 2^1000 + 1', 2n ** 1000n + 1n],
  ['bigint -(2^70000)', -(2n ** 70000n)],
  ['Decimal', new Decimal('1.5')],
  ['Decimal with trailing zeros', new Decimal('-123.4500')],
  ['Decimal 30 digits', new Decimal('12345678901234567890.0123456789')],
  ['Decimal tiny', new Decimal('1e-30')],
  ['Decimal huge', new Decimal('9.99e+400')],
  ['Decimal -0', new Decimal('-0')],
  ['Decimal NaN', new Decimal(Number.NaN)],
  ['Decimal -Infinity', new Decimal('-Infinity')],
  ['empty bytes', new Uint8Array(0)],
  ['bytes', Uint8Array.of(1, 2, 3)],
  ['300 bytes (bin16)', new Uint8Array(300).fill(7)],
  ['70000 bytes (bin32)', new Uint8Array(70_000).map((_, i) => i % 251)],
  ['null', null],
  ['undefined', undefined],
  ['true', true],
  ['false', false],
  ['empty string', ''],
  ['unicode string', 'zß水🀄 é\u0301 \u2028'],
  ['long non-ASCII string', 'ünïcödé '.repeat(100)],
  ['long ASCII string', 'x'.repeat(70_000)],
  ['0', 0],
  ['-0', -0],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['2^53 - 1', Number.MAX_SAFE_INTEGER],
  ['-(2^53 - 1)', Number.MIN_SAFE_INTEGER],
  ['2^32', 2 ** 32],
  ['-(2^31) - 1', -(2 ** 31) - 1],
  ['float', 0.1],
  ['smallest float', Number.MIN_VALUE],
  ['largest float', Number.MAX_VALUE],
  ['small ints (record ids live at 0x40-0x7f)', [0, 31, 63, 64, 100, 127, 128, 255, -1, -32, -33]],
  ['String[]', ['a', 'b', '']],
  ['BigInt[]', [1n, -1n, 2n ** 64n]],
  ['Decimal[]', [new Decimal('1.1'), new Decimal('-2')]],
  ['DateTime[]', [new Date(1), new Date(2)]],
  ['Float[] with specials', [-0, Number.NaN, 1.5]],
  ['Json with tricky keys', TRICKY_JSON],
  ['object with an undefined value', { a: undefined, b: 1 }],
  ['object with a constructor and toJSON key', { constructor: 1, toJSON: 2 }],
  ['Sample row (every Prisma scalar and list type)', SAMPLE_ROW],
  [
    'relation rows',
    [
      { id: 1, author: { id: 2, createdAt: new Date(5) }, tags: [] },
      { id: 2, author: null, tags: [{ id: 3, name: 'x' }] },
    ],
  ],
  ['100 object shapes in one value', Array.from({ length: 100 }, (_, i) => ({ [`key${i}`]: i, shared: i }))],
  ['object with 1000 keys', Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]))],
  ['deeply nested Json', JSON.parse(`${'['.repeat(500)}1${']'.repeat(500)}`)],
]

describe('the exact comparison used as the oracle', () => {
  it.each<[string, unknown, unknown]>([
    ['bigint and number', 1n, 1],
    ['-0 and 0', -0, 0],
    ['Decimal and string', new Decimal('1'), '1'],
    ['Decimal -0 and 0', new Decimal('-0'), new Decimal('0')],
    ['Buffer and Uint8Array', Buffer.from([1]), Uint8Array.of(1)],
    ['different bytes', Uint8Array.of(1), Uint8Array.of(2)],
    ['Date and epoch number', new Date(1), 1],
    ['different dates', new Date(1), new Date(2)],
    ['key order', { a: 1, b: 2 }, { b: 2, a: 1 }],
    ['a missing key', { a: 1 }, { a: 1, b: undefined }],
    ['__proto__ key and prototype', JSON.parse('{"__proto__": {}}'), {}],
    ['null prototype', Object.create(null), {}],
    ['array and object', [1], { 0: 1 }],
    ['array lengths', [1], [1, undefined]],
  ])('tells apart %s', (_, actual, expected) => {
    expect(() => assertExact(actual, expected)).toThrow()
    expect(() => assertExact(expected, actual)).toThrow()
  })
})

describe('codec round trip', () => {
  it.each(TYPE_TABLE)('%s', (_, value) => {
    assertExact(roundTrip(value), value)
    assertExact(copyValue(value), value)
    assertNoSharedObjects(copyValue(value), value)
  })

  it('keeps bigint and number apart', () => {
    expect(roundTrip(1)).toBe(1)
    expect(roundTrip(1n)).toBe(1n)
    expect(roundTrip([1, 1n, 2 ** 40, 2n ** 40n])).toStrictEqual([1, 1n, 2 ** 40, 2n ** 40n])
  })

  it('decodes a Decimal as the class the generated client returns', () => {
    const decoded = roundTrip({ price: new Prisma.Decimal('19.99') }) as { price: unknown }
    expect(decoded.price).toBeInstanceOf(Prisma.Decimal)
    expect(Prisma.Decimal).toBe(Decimal)
    expect((decoded.price as Decimal).toFixed(2)).toBe('19.99')
  })

  it('decodes bytes as a plain Uint8Array that owns its memory', () => {
    const bytes = codec.encode({ a: Uint8Array.of(1, 2, 3), b: Buffer.from([4, 5]) })
    const first = codec.decode(bytes) as { a: Uint8Array; b: Uint8Array }
    expect(first.a.constructor).toBe(Uint8Array)
    expect(first.b.constructor).toBe(Uint8Array)
    expect(first.a.buffer.byteLength).toBe(3)
    const second = codec.decode(bytes) as { a: Uint8Array }
    first.a[0] = 99
    bytes.fill(0)
    expect([...second.a]).toStrictEqual([1, 2, 3])
    expect(first.b.buffer).not.toBe(first.a.buffer)
  })

  it('returns encoded bytes that own their memory and are not overwritten by later encodes', () => {
    const first = codec.encode({ n: 1 })
    const copy = Uint8Array.from(first)
    for (let i = 0; i < 1000; i++) codec.encode({ n: i, s: 'x'.repeat(i) })
    expect(first.buffer.byteLength).toBe(first.byteLength)
    expect(Uint8Array.from(first)).toStrictEqual(copy)
  })

  it('leaves a pre-existing Json key named __proto__ as data and never touches a prototype', () => {
    const decoded = roundTrip(TRICKY_JSON) as Record<string, unknown>
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.keys(decoded)).toStrictEqual(Object.keys(TRICKY_JSON))
  })

  it('is decoded by another codec instance and by another process', () => {
    const bytes = codec.encode(SAMPLE_ROW)
    assertExact(createCodec().decode(bytes), SAMPLE_ROW)

    const script =
      "import { createCodec } from './src/storage/codec.ts'\n" +
      'const codec = createCodec()\n' +
      "const bytes = Buffer.from(process.argv[1], 'base64')\n" +
      "process.stdout.write(Buffer.from(codec.encode(codec.decode(bytes))).toString('base64'))\n"
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, Buffer.from(bytes).toString('base64')],
      { encoding: 'utf8' },
    )
    expect(child.stderr).toBe('')
    assertExact(codec.decode(Buffer.from(child.stdout, 'base64')), SAMPLE_ROW)
  })

  it('leaves other msgpackr users in the process unchanged', () => {
    const theirs = new Packr({ useRecords: false })
    expect(theirs.unpack(theirs.pack({ price: new Decimal('1.5'), n: -0 }))).toStrictEqual({
      price: '1.5',
      n: 0,
    })
  })
})

const decimal = fc.oneof(
  fc
    .tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: -60, max: 60 }))
    .map(([digits, exponent]) => new Decimal(`${digits}e${exponent}`)),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0').map((text) => new Decimal(text)),
)

const scalar = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.string({ unit: 'grapheme' }),
  fc.date({ noInvalidDate: false }),
  decimal,
  fc.uint8Array({ maxLength: 40 }),
)

const objectKey = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toJSON',
    'hasOwnProperty',
    'valueOf',
    '',
    '0',
    '1',
    '10',
    '-1',
    '1.5',
  ),
)

const { value: prismaValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.dictionary(objectKey, tie('value'), { maxKeys: 6, noNullPrototype: true }),
}))

describe('codec properties', () => {
  it('round-trips any Json-like value with Prisma types exactly', () => {
    fc.assert(
      fc.property(prismaValue, (value) => {
        assertExact(roundTrip(value), value)
      }),
      { numRuns: 2000 },
    )
  })

  it('copies any such value exactly, sharing no object with the original', () => {
    fc.assert(
      fc.property(prismaValue, (value) => {
        const copy = copyValue(value)
        assertExact(copy, value)
        assertNoSharedObjects(copy, value)
      }),
      { numRuns: 2000 },
    )
  })

  it('never lets a mutation of one decoded or copied result reach another', () => {
    const rows = () => [
      {
        id: 1,
        createdAt: new Date(1000),
        views: 5n,
        price: new Decimal('2.5'),
        bytes: Uint8Array.of(1),
        tags: ['a'],
        meta: { nested: { list: [1, 2] } },
        author: { id: 2, name: 'Ann' },
      },
    ]
    const mutate = (value: unknown) => {
      const [row] = value as ReturnType<typeof rows>
      if (row === undefined) throw new Error('no row')
      row.id = 99
      row.createdAt.setTime(0)
      ;(row.price as unknown as { d: number[] }).d[0] = 7
      row.bytes[0] = 9
      row.tags.push('b')
      row.meta.nested.list.length = 0
      row.author.name = 'Mallory'
      ;(value as unknown[]).push('extra')
    }
    const bytes = codec.encode(rows())
    const source = rows()
    for (const next of [() => codec.decode(bytes), () => copyValue(source)]) {
      const first = next()
      mutate(first)
      assertExact(next(), rows())
    }
    const copy = copyValue(source)
    mutate(source)
    assertExact(copy, rows())
  })
})

describe('codec failures', () => {
  const valid = codec.encode(SAMPLE_ROW)

  it.each([
    ['no bytes', new Uint8Array(0)],
    ['header only', Uint8Array.of(0xc1, 0x01)],
    ['wrong magic', Uint8Array.of(0x93, 0x01, 0x02, 0x03)],
    ['another format version', Uint8Array.of(0xc1, 0x7f, 0xc0)],
    ['trailing bytes', Uint8Array.of(0xc1, 0x01, 0xc0, 0xc0)],
    ['an unknown extension', Uint8Array.of(0xc1, 0x01, 0xd4, 0x07, 0x00)],
    ['a Decimal extension holding a number', Uint8Array.of(0xc1, 0x01, 0xd4, 0x50, 0x00, 0x01)],
    ['a Decimal extension holding junk text', Uint8Array.of(0xc1, 0x01, 0xd4, 0x50, 0x00, 0xa1, 0x78)],
    [
      'a keyed-object extension holding an odd list',
      Uint8Array.of(0xc1, 0x01, 0xd4, 0x52, 0x00, 0x91, 0xa1, 0x61),
    ],
    ['a JSON text', Buffer.from('{"a":1}')],
  ])('rejects %s with a SerializationError', (_, bytes) => {
    expect(() => codec.decode(bytes)).toThrow(SerializationError)
  })

  it('rejects every truncation of a valid entry', () => {
    for (let length = 0; length < valid.length; length++) {
      expect(() => codec.decode(valid.subarray(0, length))).toThrow(SerializationError)
    }
  })

  it('either decodes random bodies or throws a SerializationError, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (body) => {
        const bytes = Uint8Array.of(0xc1, 0x01, ...body)
        try {
          codec.decode(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(SerializationError)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('rejects values it cannot encode, then keeps working', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    expect(() => codec.encode(cyclic)).toThrow(SerializationError)
    expect(() => codec.encode({ s: Symbol('x') })).toThrow(SerializationError)
    assertExact(roundTrip(SAMPLE_ROW), SAMPLE_ROW)
  })

  it('encodes a value that is not a Prisma type without crashing', () => {
    expect(roundTrip({ f: AnyNull })).toStrictEqual({ f: {} })
    expect(roundTrip({ a: 1, f: () => 1 })).toStrictEqual({ a: 1, f: undefined })
  })
})
