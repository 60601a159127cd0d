import { hash } from 'node:crypto'
import { AnyNull, DbNull, Decimal, JsonNull, NullTypes, skip } from '@prisma/client/runtime/client'
import { TUNABLES } from '../config/defaults.ts'
import { SerializationError } from '../errors.ts'

/**
 * The first character of every value in canonical text. Each production is self-delimiting (fixed
 * token, closing quote or bracket, or a `;` its body cannot contain), so the text of a sequence of values
 * parses back in exactly one way: different canonical values never share a text.
 */
const TAG = {
  null: 'n',
  undefined: 'u',
  true: 't',
  false: 'f',
  /** `d<number>;` with `String(number)`; `-0` is written as `0`, as Prisma sends it. */
  number: 'd',
  /** `i<decimal digits>;` */
  bigint: 'i',
  /** A string is its JSON text: a quote, escaped characters, a closing quote. */
  string: '"',
  /** `D<epoch ms>;` (`NaN` for an Invalid Date). */
  date: 'D',
  /** `M<Decimal.toString()>;` */
  decimal: 'M',
  /** `B<base64>;` for a `Uint8Array` or `Buffer`. */
  bytes: 'B',
  /** `~<name>;` for `Prisma.DbNull`, `Prisma.JsonNull`, `Prisma.AnyNull`. */
  nullType: '~',
  /** `[value,value]` */
  array: '[',
  /** `{"key":value,"key":value}` with keys sorted and `undefined` values dropped. */
  object: '{',
  /** `<"ConstructorName"{...}>` (own enumerable properties) or `<"ConstructorName"=value>` (its `toJSON()`). */
  instance: '<',
} as const

/** Prisma's null sentinels, told apart by class (each is a singleton of its own class). */
const NULL_TYPES = [
  { name: 'DbNull', Class: NullTypes.DbNull, instance: DbNull },
  { name: 'JsonNull', Class: NullTypes.JsonNull, instance: JsonNull },
  { name: 'AnyNull', Class: NullTypes.AnyNull, instance: AnyNull },
] as const

/**
 * Built-in classes whose content lives in internal slots, not properties: two different instances would
 * get the same text, so they are refused. Prisma accepts none of them as arguments.
 */
const OPAQUE_CLASSES = [
  Map,
  Set,
  WeakMap,
  WeakSet,
  ArrayBuffer,
  SharedArrayBuffer,
  DataView,
  RegExp,
  Promise,
] as const

/** Objects with more keys than this are sorted with `Array.prototype.sort`, smaller ones by insertion. */
const INSERTION_SORT_LIMIT = 16

/** Top-level property of query arguments that carries this package's per-query options, never part of the key. */
const CACHE_STRATEGY_KEY = 'cacheStrategy'

/**
 * Deterministic text for Prisma query arguments: equal arguments give equal text, and different text
 * means different arguments. Object keys are sorted and keys whose value is `undefined` or `Prisma.skip`
 * are dropped (Prisma ignores them); every value is type-tagged, so `1`, `1n`, `"1"`, `true`, `null`,
 * `new Date(1)`, `new Decimal(1)` and `Uint8Array.of(1)` all differ; arrays keep their order; Prisma's
 * `DbNull`, `JsonNull` and `AnyNull` differ from each other and from `null`; other class instances are
 * tagged with their constructor name and their `toJSON()` result if they have one, else their own
 * enumerable properties (a Prisma `FieldRef`, a `Sql` fragment).
 * @throws SerializationError for a cycle, a function, a symbol, or a `Map`, `Set`, `RegExp` or other
 *   built-in whose content is not in its properties.
 */
export function canonicalize(value: unknown): string {
  return guarded(() => write(value, []))
}

/**
 * 128-bit hash of `text` as 22 base64url characters: the first 132 bits of SHA-256. As fast as MD5 here
 * (SHA-NI), collision resistant even for crafted arguments, and available under FIPS.
 */
export function hashKey(text: string): string {
  return hash('sha256', text, 'base64url').slice(0, 22)
}

/** What identifies one cached read. */
export interface KeyParts {
  /** Key prefix shared by every key of one `queryCache()` (option `namespace`, default `'pqc'`). */
  namespace: string
  /** Region name; must not contain `:`. */
  region: string
  /** Prisma model name, e.g. `User`. */
  model: string
  /** Read operation, e.g. `findMany`. */
  operation: string
  /** Query arguments as passed to the operation; a top-level `cacheStrategy` is ignored, and `undefined` equals `{}`. */
  args: unknown
  /** Optional extra identity, e.g. a tenant; when given it changes the hash and cannot collide with any arguments. */
  scope?: string
}

/**
 * Cache key `<namespace>:<region>:<model>:<operation>:<hash>`, where the hash covers the canonical
 * arguments (without a top-level `cacheStrategy`) and the scope when given.
 * @throws SerializationError when the arguments cannot be canonicalized (see `canonicalize`).
 */
export function buildKey(parts: KeyParts): string {
  const args = guarded(() => writeArgs(parts.args))
  const text = parts.scope === undefined ? `a${args}` : `s${JSON.stringify(parts.scope)}${args}`
  return `${parts.namespace}:${parts.region}:${parts.model}:${parts.operation}:${hashKey(text)}`
}

function writeArgs(args: unknown): string {
  if (args === undefined) return `${TAG.object}}`
  if (typeof args === 'object' && args !== null && isPlainObject(args)) {
    return writeEntries(args, [args], CACHE_STRATEGY_KEY)
  }
  return write(args, [])
}

/** Turns a stack overflow from absurdly deep arguments into the same typed error as a cycle. */
function guarded(run: () => string): string {
  try {
    return run()
  } catch (error) {
    if (error instanceof SerializationError) throw error
    throw new SerializationError(`cannot build a cache key from the query arguments: ${String(error)}`, {
      cause: error,
    })
  }
}

function write(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return `${TAG.number}${value === 0 ? 0 : value};`
    case 'boolean':
      return value ? TAG.true : TAG.false
    case 'bigint':
      return `${TAG.bigint}${value};`
    case 'undefined':
      return TAG.undefined
    case 'object':
      return value === null ? TAG.null : writeObject(value, ancestors)
    default:
      throw new SerializationError(`cannot build a cache key from a ${typeof value} in the query arguments`)
  }
}

function writeObject(value: object, ancestors: object[]): string {
  if (Array.isArray(value)) return writeContainer(value, ancestors, writeArray)
  const prototype = Object.getPrototypeOf(value)
  if (prototype === Object.prototype || prototype === null)
    return writeContainer(value, ancestors, writeEntries)
  if (value instanceof Date) return `${TAG.date}${value.getTime()};`
  if (value instanceof Uint8Array) {
    return `${TAG.bytes}${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')};`
  }
  if (value instanceof Decimal || Decimal.isDecimal(value)) return `${TAG.decimal}${value.toString()};`
  for (const nullType of NULL_TYPES) {
    if (value === nullType.instance || value instanceof nullType.Class)
      return `${TAG.nullType}${nullType.name};`
  }
  return writeContainer(value, ancestors, writeInstance)
}

/** Writes an object that holds other values, refusing one that contains itself. */
function writeContainer<T extends object>(
  value: T,
  ancestors: object[],
  writeContent: (value: T, ancestors: object[]) => string,
): string {
  if (ancestors.includes(value)) {
    throw new SerializationError('cannot build a cache key from query arguments that contain a cycle')
  }
  ancestors.push(value)
  const text = writeContent(value, ancestors)
  ancestors.pop()
  return text
}

function writeArray(array: unknown[], ancestors: object[]): string {
  let text: string = TAG.array
  for (let i = 0; i < array.length; i++) {
    if (i > 0) text += ','
    text += write(array[i], ancestors)
  }
  return `${text}]`
}

function writeEntries(object: object, ancestors: object[], omitKey?: string): string {
  const keys = sortKeys(Object.keys(object))
  let text: string = TAG.object
  let first = true
  for (const key of keys) {
    const item = (object as Record<string, unknown>)[key]
    if (item === undefined || item === skip || key === omitKey) continue
    text += `${first ? '' : ','}${quoteKey(key)}:${write(item, ancestors)}`
    first = false
  }
  return `${text}}`
}

/** Sorts by UTF-16 code units, like `Array.prototype.sort`, three times faster for the few keys of query arguments. */
function sortKeys(keys: string[]): string[] {
  if (keys.length > INSERTION_SORT_LIMIT) return keys.sort()
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!
    let j = i - 1
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!
      j--
    }
    keys[j + 1] = key
  }
  return keys
}

const quotedKeys = new Map<string, string>()

/** `JSON.stringify(key)`, remembered for the first few thousand distinct keys (a lookup is 5x faster). */
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key)
  if (quoted === undefined) {
    quoted = JSON.stringify(key)
    if (quotedKeys.size < TUNABLES.quotedKeyCacheLimit) quotedKeys.set(key, quoted)
  }
  return quoted
}

function writeInstance(value: object, ancestors: object[]): string {
  for (const Class of OPAQUE_CLASSES) {
    if (value instanceof Class) {
      throw new SerializationError(`cannot build a cache key from a ${Class.name} in the query arguments`)
    }
  }
  const maker = (value as { constructor?: unknown }).constructor
  const name = JSON.stringify(typeof maker === 'function' ? maker.name : '')
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return `${TAG.instance}${name}=${write(toJSON.call(value), ancestors)}>`
  return `${TAG.instance}${name}${writeEntries(value, ancestors)}>`
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
