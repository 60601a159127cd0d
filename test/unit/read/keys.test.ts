import { createHash } from 'node:crypto'
import { PrismaPg } from '@prisma/adapter-pg'
import { AnyNull, DbNull, Decimal, JsonNull, skip, sqltag } from '@prisma/client/runtime/client'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Prisma, PrismaClient } from '../../../generated/prisma/client.ts'
import { SerializationError } from '../../../src/errors.ts'
import { buildKey, canonicalize, hashKey, type KeyParts } from '../../../src/read/keys.ts'

/**
 * The meaning of a canonical text, as a tree. `normalize` computes it from a value by the documented
 * rules, `parse` from the text alone: `parse(canonicalize(v))` equal to `normalize(v)` for every `v` means
 * the text determines the normalized value, so different normalized values never share a text.
 */
type Meaning =
  | { t: 'n' | 'u' | 't' | 'f' }
  | { t: 'd' | 'i' | 'D' | 'M' | 'B' | '~' | 's'; v: string }
  | { t: '['; v: Meaning[] }
  | { t: '{'; v: [string, Meaning][] }
  | { t: '<{'; name: string; v: [string, Meaning][] }
  | { t: '<='; name: string; v: Meaning }

function normalize(value: unknown): Meaning {
  if (value === null) return { t: 'n' }
  if (value === undefined) return { t: 'u' }
  if (value === true) return { t: 't' }
  if (value === false) return { t: 'f' }
  if (typeof value === 'number') return { t: 'd', v: String(Object.is(value, -0) ? 0 : value) }
  if (typeof value === 'bigint') return { t: 'i', v: String(value) }
  if (typeof value === 'string') return { t: 's', v: value }
  if (value instanceof Date) return { t: 'D', v: String(value.getTime()) }
  if (value instanceof Decimal) return { t: 'M', v: value.toString() }
  if (value instanceof Uint8Array) return { t: 'B', v: Buffer.from(value).toString('base64') }
  if (value === DbNull) return { t: '~', v: 'DbNull' }
  if (value === JsonNull) return { t: '~', v: 'JsonNull' }
  if (value === AnyNull) return { t: '~', v: 'AnyNull' }
  if (Array.isArray(value)) return { t: '[', v: value.map(normalize) }
  const entries = (object: object): [string, Meaning][] =>
    Object.keys(object)
      .sort()
      .flatMap((key) => {
        const item = (object as Record<string, unknown>)[key]
        return item === undefined || item === skip ? [] : [[key, normalize(item)] as [string, Meaning]]
      })
  const prototype = Object.getPrototypeOf(value)
  if (prototype === Object.prototype || prototype === null) return { t: '{', v: entries(value as object) }
  const name = (value as object).constructor.name
  const toJSON = (value as { toJSON?: () => unknown }).toJSON
  if (typeof toJSON === 'function') return { t: '<=', name, v: normalize(toJSON.call(value)) }
  return { t: '<{', name, v: entries(value as object) }
}

function parse(text: string): Meaning {
  let at = 0
  const fail = (what: string): never => {
    throw new Error(`${what} at ${at} in ${text}`)
  }
  const expectChar = (char: string) => {
    if (text[at] !== char) fail(`expected ${char}`)
    at++
  }
  const readJsonString = (): string => {
    const start = at
    expectChar('"')
    while (text[at] !== '"') {
      if (at >= text.length) fail('unterminated string')
      at += text[at] === '\\' ? 2 : 1
    }
    at++
    return JSON.parse(text.slice(start, at))
  }
  const readEntries = (): [string, Meaning][] => {
    expectChar('{')
    const entries: [string, Meaning][] = []
    while (text[at] !== '}') {
      if (entries.length > 0) expectChar(',')
      const key = readJsonString()
      expectChar(':')
      entries.push([key, readValue()])
    }
    at++
    return entries
  }
  const readValue = (): Meaning => {
    const tag = text[at]
    switch (tag) {
      case 'n':
      case 'u':
      case 't':
      case 'f':
        at++
        return { t: tag }
      case 'd':
      case 'i':
      case 'D':
      case 'M':
      case 'B':
      case '~': {
        const end = text.indexOf(';', at)
        if (end < 0) fail('unterminated token')
        const v = text.slice(at + 1, end)
        at = end + 1
        return { t: tag, v }
      }
      case '"':
        return { t: 's', v: readJsonString() }
      case '[': {
        at++
        const items: Meaning[] = []
        while (text[at] !== ']') {
          if (items.length > 0) expectChar(',')
          items.push(readValue())
        }
        at++
        return { t: '[', v: items }
      }
      case '{':
        return { t: '{', v: readEntries() }
      case '<': {
        at++
        const name = readJsonString()
        let meaning: Meaning
        if (text[at] === '=') {
          at++
          meaning = { t: '<=', name, v: readValue() }
        } else {
          meaning = { t: '<{', name, v: readEntries() }
        }
        expectChar('>')
        return meaning
      }
      default:
        return fail('unknown tag')
    }
  }
  const meaning = readValue()
  if (at !== text.length) fail('trailing text')
  return meaning
}

class Point {
  constructor(
    readonly x: unknown,
    readonly y: unknown,
  ) {}
}

class Money {
  readonly #cents: bigint
  constructor(cents: bigint) {
    this.#cents = cents
  }
  toJSON(): string {
    return `${this.#cents}c`
  }
}

const decimal = fc.oneof(
  fc
    .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -40, max: 40 }))
    .map(([digits, exponent]) => new Decimal(`${digits}e${exponent}`)),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0', '1', '1.0').map((text) => new Decimal(text)),
)

const scalar = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.double(),
  fc.integer({ min: -3, max: 3 }),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.bigInt({ min: -3n, max: 3n }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.string({
    unit: fc.constantFrom('"', '\\', ',', ':', ';', '{', '}', '[', ']', '<', '>', '=', 'd', '1', '~'),
  }),
  fc.constantFrom('1', 'd1;', 'n', 'true', ''),
  fc.date({ noInvalidDate: false }),
  decimal,
  fc.uint8Array({ maxLength: 6 }),
  fc.constantFrom(DbNull, JsonNull, AnyNull),
  fc.bigInt({ min: -1000n, max: 1000n }).map((cents) => new Money(cents)),
)

const objectKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('__proto__', 'constructor', '', '0', '1', '10', 'where', 'cacheStrategy', '"', ':'),
)

const { value: argsValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('array'),
    tie('object'),
    tie('point'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(objectKey, fc.oneof(tie('value'), fc.constant(skip)), { maxKeys: 5 }),
  point: fc.tuple(tie('value'), tie('value')).map(([x, y]) => new Point(x, y)),
}))

/** The same value with every object's keys inserted in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys)
  if (typeof value !== 'object' || value === null) return value
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  const reversed = Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, item]) => [key, reverseKeys(item)]),
  )
  return prototype === null ? Object.assign(Object.create(null), reversed) : reversed
}

const PARTS: KeyParts = {
  namespace: 'pqc',
  region: 'default',
  model: 'User',
  operation: 'findMany',
  args: {},
}

describe('canonicalize', () => {
  it('has a left inverse: the text alone determines the normalized arguments', () => {
    fc.assert(
      fc.property(argsValue, (value) => {
        expect(parse(canonicalize(value))).toStrictEqual(normalize(value))
      }),
      { numRuns: 3000 },
    )
  })

  it('gives two values the same text exactly when they mean the same arguments', () => {
    fc.assert(
      fc.property(argsValue, argsValue, (a, b) => {
        const sameText = canonicalize(a) === canonicalize(b)
        expect(sameText).toBe(JSON.stringify(normalize(a)) === JSON.stringify(normalize(b)))
      }),
      { numRuns: 3000 },
    )
  })

  it('does not depend on key order', () => {
    fc.assert(
      fc.property(argsValue, (value) => {
        expect(canonicalize(reverseKeys(value))).toBe(canonicalize(value))
      }),
      { numRuns: 2000 },
    )
  })

  it('tells apart every type of value', () => {
    const values = [
      1,
      1n,
      '1',
      true,
      null,
      undefined,
      new Date(1),
      new Decimal('1'),
      Uint8Array.of(1),
      DbNull,
      JsonNull,
      AnyNull,
      [1],
      { 1: 1 },
      new Point(1, 1),
      new Money(1n),
      'd1;',
      'n',
      'DbNull',
    ]
    const texts = values.map(canonicalize)
    expect(new Set(texts).size).toBe(values.length)
  })

  it('ignores keys whose value is undefined or Prisma.skip, at every depth', () => {
    expect(canonicalize({ where: { id: 1, name: undefined }, take: undefined })).toBe(
      canonicalize({ where: { id: 1 } }),
    )
    expect(canonicalize({ where: { id: 1, name: skip } })).toBe(canonicalize({ where: { id: 1 } }))
    expect(canonicalize([undefined])).not.toBe(canonicalize([]))
  })

  it('treats equal dates, decimals and bytes as equal, whatever their instance or class', () => {
    expect(canonicalize({ at: new Date(5) })).toBe(canonicalize({ at: new Date(5) }))
    expect(canonicalize(new Decimal('1.50'))).toBe(canonicalize(new Decimal('1.5')))
    expect(canonicalize(Buffer.from([1, 2]))).toBe(canonicalize(Uint8Array.of(1, 2)))
    expect(canonicalize(-0)).toBe(canonicalize(0))
    expect(canonicalize(new Decimal('1.5'))).not.toBe(canonicalize(new Decimal('1.6')))
  })

  it('tags a Prisma FieldRef and a Sql fragment by class and content', () => {
    const prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: 'postgresql://unused@127.0.0.1:1/unused' }),
    })
    const byName = canonicalize({ where: { email: prisma.user.fields.name } })
    expect(byName).toBe(canonicalize({ where: { email: prisma.user.fields.name } }))
    expect(byName).not.toBe(canonicalize({ where: { email: prisma.user.fields.email } }))
    expect(byName).not.toBe(canonicalize({ where: { email: 'name' } }))
    expect(byName).toContain('"name"')

    expect(canonicalize(sqltag`select ${1}`)).toBe(canonicalize(Prisma.sql`select ${1}`))
    expect(canonicalize(sqltag`select ${1}`)).not.toBe(canonicalize(sqltag`select ${2}`))
    expect(canonicalize(sqltag`select ${1}`)).not.toBe(canonicalize(sqltag`select ${'1'}`))
  })

  it('keys an instance with toJSON by what toJSON returns, as Prisma sends it', () => {
    expect(canonicalize(new Money(5n))).toBe(canonicalize(new Money(5n)))
    expect(canonicalize(new Money(5n))).not.toBe(canonicalize(new Money(6n)))
  })

  it('accepts shared references but refuses cycles with a SerializationError', () => {
    const shared = { id: 1 }
    expect(canonicalize({ a: shared, b: [shared, shared] })).toBe(
      canonicalize({ a: { id: 1 }, b: [{ id: 1 }, { id: 1 }] }),
    )

    const object: Record<string, unknown> = {}
    object.self = { nested: object }
    const array: unknown[] = []
    array.push([array])
    const point = new Point(1, null)
    ;(point as { y: unknown }).y = point
    for (const cyclic of [object, array, point]) {
      expect(() => canonicalize(cyclic)).toThrow(SerializationError)
      expect(() => buildKey({ ...PARTS, args: cyclic })).toThrow(SerializationError)
    }
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)
    expect(() => canonicalize(deep)).toThrow(SerializationError)
  })

  it('refuses values it cannot key faithfully with a SerializationError', () => {
    for (const value of [() => 1, Symbol('s'), new Map([[1, 2]]), new Set([1]), /x/, new ArrayBuffer(1)]) {
      expect(() => canonicalize({ where: { x: value } })).toThrow(SerializationError)
    }
  })
})

describe('hashKey', () => {
  it('is 22 base64url characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(hashKey(text)).toMatch(/^[A-Za-z0-9_-]{22}$/)
      }),
    )
  })

  it('differs for different texts', () => {
    const hashes = new Set(Array.from({ length: 10_000 }, (_, i) => hashKey(String(i))))
    expect(hashes.size).toBe(10_000)
  })
})

describe('buildKey', () => {
  it('is <namespace>:<region>:<model>:<operation>:<hash>', () => {
    const key = buildKey({
      namespace: 'shop',
      region: 'hot',
      model: 'Post',
      operation: 'findFirst',
      args: {},
    })
    expect(key).toMatch(/^shop:hot:Post:findFirst:[A-Za-z0-9_-]{22}$/)
  })

  it('is stable across runs and processes', () => {
    const args = { where: { id: 1, createdAt: { gte: new Date(0) } }, orderBy: [{ id: 'asc' }], take: 20n }
    const canonical = '{"orderBy":[{"id":"asc"}],"take":i20;,"where":{"createdAt":{"gte":D0;},"id":d1;}}'
    expect(canonicalize(args)).toBe(canonical)
    const sha256 = createHash('sha256').update(`a${canonical}`).digest('base64url').slice(0, 22)
    expect(buildKey({ ...PARTS, args })).toBe(`pqc:default:User:findMany:${sha256}`)
    expect(buildKey({ ...PARTS, args })).toBe('pqc:default:User:findMany:6El0CGeVZqndMW48pwo5Hz')
  })

  it('ignores a top-level cacheStrategy, and only that one', () => {
    const args = { where: { id: 1 } }
    const key = buildKey({ ...PARTS, args })
    expect(buildKey({ ...PARTS, args: { ...args, cacheStrategy: { ttl: 60, tags: ['a'] } } })).toBe(key)
    expect(buildKey({ ...PARTS, args: { ...args, cacheStrategy: false } })).toBe(key)
    expect(buildKey({ ...PARTS, args: { where: { id: 1, cacheStrategy: 1 } } })).not.toBe(key)
  })

  it('treats missing arguments as empty arguments', () => {
    expect(buildKey({ ...PARTS, args: undefined })).toBe(buildKey({ ...PARTS, args: {} }))
    expect(buildKey({ ...PARTS, args: { cacheStrategy: { ttl: 1 } } })).toBe(buildKey({ ...PARTS, args: {} }))
  })

  it('distinguishes every part', () => {
    const keys = [
      buildKey(PARTS),
      buildKey({ ...PARTS, namespace: 'other' }),
      buildKey({ ...PARTS, region: 'hot' }),
      buildKey({ ...PARTS, model: 'Post' }),
      buildKey({ ...PARTS, operation: 'findFirst' }),
      buildKey({ ...PARTS, args: { take: 1 } }),
      buildKey({ ...PARTS, scope: '' }),
      buildKey({ ...PARTS, scope: 'tenant-1' }),
      buildKey({ ...PARTS, scope: 'tenant-2' }),
    ]
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('never confuses a scope with arguments', () => {
    fc.assert(
      fc.property(argsValue, fc.string({ unit: 'binary' }), argsValue, (args, scope, otherArgs) => {
        const scoped = buildKey({ ...PARTS, args, scope })
        expect(scoped).not.toBe(buildKey({ ...PARTS, args: otherArgs }))
        expect(scoped).not.toBe(buildKey({ ...PARTS, args }))
      }),
      { numRuns: 500 },
    )
    const args = { where: { id: 1 } }
    const canonical = canonicalize(args)
    expect(buildKey({ ...PARTS, args, scope: 'x' })).not.toBe(
      buildKey({ ...PARTS, args: `s"x"${canonical}` }),
    )
  })
})
