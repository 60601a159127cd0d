import { Decimal } from '@prisma/client/runtime/client'
import { addExtension, Packr } from 'msgpackr'
import { SerializationError } from '../errors.ts'
import { defineEntry } from './copy.ts'

/** Turns cached query results into bytes and back. Implementations are synchronous and stateless between calls. */
export interface Codec {
  /**
   * Encodes a query result. The returned bytes are a Node `Buffer` that owns its memory (no shared pool),
   * so they can be kept as long as needed and handed to ioredis as they are.
   * @throws SerializationError when the value cannot be encoded (a cycle, a symbol, too deep).
   */
  encode(value: unknown): Uint8Array
  /**
   * Decodes bytes written by `encode` in this or any other process running the same format version.
   * Every call returns fresh objects: mutating one result never affects another.
   * @throws SerializationError when the bytes are not a complete value of this format.
   */
  decode(bytes: Uint8Array): unknown
}

/**
 * Header written before the MessagePack body. 0xc1 never starts a MessagePack value, so foreign or
 * garbage bytes are rejected up front; bump `version` whenever the encoding of any value changes.
 */
const FORMAT = { magic: 0xc1, version: 1, headerLength: 2 } as const

/**
 * MessagePack extension type codes this codec registers with msgpackr (1-100 are for applications;
 * msgpackr's built-ins use 0x42, 0x62 and 101-127).
 */
const EXTENSION_TYPE = { decimal: 0x50, negativeZero: 0x51, keyedObject: 0x52 } as const

/**
 * msgpackr settings. Records (`useRecords`) are defined inline in each message and never shared
 * (no `structures`, `saveStructures` or `getStructures`), so any process decodes any entry on its own;
 * they halve the size of row lists and decode faster than maps.
 */
const PACKR_OPTIONS = {
  useRecords: true,
  mapsAsObjects: true,
  useBigIntExtension: true,
  int64AsType: 'bigint',
  copyBuffers: true,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  useTimestamp32: false,
  encodeUndefinedAsNil: false,
} as const

/** Stands for a Prisma `Decimal` while encoding (msgpackr would otherwise write its `toJSON()` string). */
class DecimalText {
  constructor(readonly text: string) {}
}

/** Stands for `-0`, which msgpackr writes as the integer 0. */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero()

/**
 * Stands for a plain object msgpackr cannot write faithfully: one with an own `__proto__` key (msgpackr
 * renames it), a `constructor` key (msgpackr then treats it as a class instance), or a null prototype.
 * `entries` alternates keys and values.
 */
class KeyedObject {
  constructor(readonly entries: unknown[]) {}
}

/** Builds a fixext1 extension header (0xd4, type, filler) followed by a MessagePack body. */
function probeBytes(type: number, ...body: number[]): Uint8Array {
  return Uint8Array.of(0xd4, type, 0, ...body)
}

const PROTO_KEY_BYTES = [...'__proto__'].map((char) => char.charCodeAt(0))

/**
 * One hand-written message per extension and what it must decode to. They tell a free type code, an
 * equivalent registration (this module loaded twice, e.g. once per test file) and a foreign one apart.
 */
const EXTENSION_PROBES = [
  {
    type: EXTENSION_TYPE.decimal,
    bytes: probeBytes(EXTENSION_TYPE.decimal, 0xa3, 0x31, 0x2e, 0x35),
    accepts: (value: unknown) => value instanceof Decimal && value.toString() === '1.5',
  },
  {
    type: EXTENSION_TYPE.negativeZero,
    bytes: probeBytes(EXTENSION_TYPE.negativeZero, 0x00),
    accepts: (value: unknown) => Object.is(value, -0),
  },
  {
    type: EXTENSION_TYPE.keyedObject,
    bytes: probeBytes(EXTENSION_TYPE.keyedObject, 0x92, 0xa9, ...PROTO_KEY_BYTES, 0x01),
    accepts: (value: unknown) =>
      typeof value === 'object' &&
      value !== null &&
      Object.getPrototypeOf(value) === Object.prototype &&
      Object.getOwnPropertyDescriptor(value, '__proto__')?.value === 1,
  },
] as const

let extensionsRegistered = false

/**
 * Registers the three extensions with msgpackr, once per module instance. msgpackr keeps extensions in
 * global tables; encoding only ever matches the private marker classes above, so other msgpackr users in
 * the process encode exactly as before. A type code that another library decodes differently is refused.
 */
function registerExtensions(): void {
  if (extensionsRegistered) return
  const probe = new Packr(PACKR_OPTIONS)
  for (const { type, bytes, accepts } of EXTENSION_PROBES) {
    let decoded: unknown
    try {
      decoded = probe.unpack(bytes)
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('Unknown extension')) continue
    }
    if (!accepts(decoded)) {
      throw new SerializationError(
        `msgpackr extension type ${type} is already registered by other code in this process; ` +
          'the query cache codec needs it',
      )
    }
  }
  addExtension({
    Class: DecimalText,
    type: EXTENSION_TYPE.decimal,
    write: (marker: DecimalText) => marker.text,
    read: (text: unknown) => {
      if (typeof text !== 'string') throw new Error('Decimal extension holds a non-string')
      return new Decimal(text)
    },
  })
  addExtension({
    Class: NegativeZero,
    type: EXTENSION_TYPE.negativeZero,
    write: () => 0,
    read: () => -0,
  })
  addExtension({
    Class: KeyedObject,
    type: EXTENSION_TYPE.keyedObject,
    write: (marker: KeyedObject) => marker.entries,
    read: readKeyedObject,
  })
  for (const { type, bytes, accepts } of EXTENSION_PROBES) {
    if (!accepts(probe.unpack(bytes))) {
      throw new SerializationError(`msgpackr extension type ${type} does not decode as registered`)
    }
  }
  extensionsRegistered = true
}

function readKeyedObject(entries: unknown): Record<string, unknown> {
  if (!Array.isArray(entries) || entries.length % 2 !== 0)
    throw new Error('keyed object extension is malformed')
  const object: Record<string, unknown> = {}
  for (let i = 0; i < entries.length; i += 2) {
    const key = entries[i]
    if (typeof key !== 'string') throw new Error('keyed object extension has a non-string key')
    defineEntry(object, key, entries[i + 1])
  }
  return object
}

/**
 * Returns `value` itself when msgpackr can write it faithfully (the common case: nothing is allocated),
 * or a copy in which Decimals, `-0` and awkward plain objects are replaced by marker instances. Only the
 * containers on the path to a replaced value are copied.
 */
function prepare(value: unknown): unknown {
  if (typeof value === 'number') return value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return prepareArray(value)
  if (value.constructor === Object) return preparePlainObject(value as Record<string, unknown>)
  if (value instanceof Date || value instanceof Uint8Array) return value
  if (value instanceof Decimal) return new DecimalText(decimalText(value))
  const prototype = Object.getPrototypeOf(value)
  if (prototype === Object.prototype || prototype === null) {
    return keyedObject(value as Record<string, unknown>)
  }
  return value
}

function prepareArray(array: unknown[]): unknown[] {
  let copy: unknown[] | undefined
  for (let i = 0; i < array.length; i++) {
    const item = array[i]
    const prepared = typeof item === 'object' || typeof item === 'number' ? prepare(item) : item
    if (copy !== undefined) copy.push(prepared)
    else if (prepared !== item && !Number.isNaN(item)) {
      copy = array.slice(0, i)
      copy.push(prepared)
    }
  }
  return copy ?? array
}

function preparePlainObject(object: Record<string, unknown>): unknown {
  let copy: Record<string, unknown> | undefined
  for (const key in object) {
    if (key === '__proto__') return keyedObject(object)
    const item = object[key]
    const prepared = typeof item === 'object' || typeof item === 'number' ? prepare(item) : item
    if (copy !== undefined) copy[key] = prepared
    else if (prepared !== item && !Number.isNaN(item)) {
      copy = {}
      for (const earlier in object) {
        if (earlier === key) break
        copy[earlier] = object[earlier]
      }
      copy[key] = prepared
    }
  }
  return copy ?? object
}

function keyedObject(object: Record<string, unknown>): KeyedObject {
  const entries: unknown[] = []
  for (const key of Object.keys(object)) entries.push(key, prepare(object[key]))
  return new KeyedObject(entries)
}

/** `toString()` drops the sign of a negative zero, which `new Decimal('-0')` keeps. */
function decimalText(decimal: Decimal): string {
  return decimal.isZero() && decimal.isNegative() ? '-0' : decimal.toString()
}

/**
 * Creates a codec for Prisma query results, backed by msgpackr. Every value a Prisma 7 query returns
 * round-trips exactly: `Date` (milliseconds; an Invalid Date stays invalid), `bigint` of any size,
 * Prisma `Decimal` (same class, same digits), `Uint8Array` (decoded as a plain `Uint8Array` that owns its
 * bytes), `null`, booleans, strings, every number including `-0`, `NaN` and `±Infinity`, lists, and
 * nested objects with any keys (`__proto__` and `constructor` included) in their original order.
 * A `Buffer` decodes as a plain `Uint8Array`; instances of other classes decode as plain objects.
 * @throws SerializationError when msgpackr's extension type codes 0x50-0x52 are taken by other code.
 */
export function createCodec(): Codec {
  registerExtensions()
  const packr = new Packr(PACKR_OPTIONS)
  return {
    encode(value) {
      let body: Uint8Array
      try {
        body = packr.pack(prepare(value))
      } catch (error) {
        throw new SerializationError(`cannot encode query result: ${describe(error)}`, { cause: error })
      }
      const bytes = Buffer.allocUnsafeSlow(FORMAT.headerLength + body.length)
      bytes[0] = FORMAT.magic
      bytes[1] = FORMAT.version
      bytes.set(body, FORMAT.headerLength)
      return bytes
    },
    decode(bytes) {
      if (
        !(bytes instanceof Uint8Array) ||
        bytes.length <= FORMAT.headerLength ||
        bytes[0] !== FORMAT.magic
      ) {
        throw new SerializationError('cannot decode cache entry: not written by this codec')
      }
      if (bytes[1] !== FORMAT.version) {
        throw new SerializationError(
          `cannot decode cache entry: format version ${bytes[1]}, this codec reads ${FORMAT.version}`,
        )
      }
      // A plain Uint8Array source makes msgpackr's copied binaries plain Uint8Arrays, as Prisma returns them, not Buffers.
      const body = new Uint8Array(
        bytes.buffer,
        bytes.byteOffset + FORMAT.headerLength,
        bytes.byteLength - FORMAT.headerLength,
      )
      try {
        return packr.unpack(body)
      } catch (error) {
        throw new SerializationError(`cannot decode cache entry: ${describe(error)}`, { cause: error })
      }
    },
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
