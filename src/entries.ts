import type { Codec } from './codec.ts'
import { SerializationError } from './errors.ts'

/** Layout of an entry in Redis: [format, dependencies, versions, softVersion, storedAt, data]. */
const ENTRY_FORMAT = 1
type RedisEntry = [number, string[], string[], string, number, unknown]

/** A Redis entry that is valid for a read. */
export interface CurrentEntry {
  versions: string[]
  softVersion: string
  storedAt: number
  data: unknown
  /** The region was soft-invalidated since the entry was loaded. */
  soft: boolean
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function isRedisEntry(value: unknown): value is RedisEntry {
  return (
    Array.isArray(value) &&
    value.length === 6 &&
    value[0] === ENTRY_FORMAT &&
    Array.isArray(value[1]) &&
    Array.isArray(value[2]) &&
    typeof value[3] === 'string' &&
    typeof value[4] === 'number'
  )
}

/** Encodes an entry for Redis. Throws {@link SerializationError} for a value the codec cannot encode. */
export function encodeEntry(
  codec: Codec,
  dependencies: readonly string[],
  versions: readonly string[],
  softVersion: string,
  storedAt: number,
  data: unknown,
): Uint8Array {
  return codec.encode([ENTRY_FORMAT, dependencies, versions, softVersion, storedAt, data])
}

/**
 * Decodes a Redis entry and checks it against `dependencies` and their current versions (`current`, the soft
 * version last): the entry if it is valid, else undefined. Throws {@link SerializationError} (or the codec's
 * error) for bytes that are not an entry.
 */
export function decodeEntry(
  codec: Codec,
  key: string,
  bytes: Uint8Array,
  dependencies: readonly string[],
  current: readonly string[],
): CurrentEntry | undefined {
  const entry = codec.decode(bytes)
  if (!isRedisEntry(entry)) throw new SerializationError(`entry ${key} has an unknown layout`)
  const [, recorded, versions, softVersion, storedAt, data] = entry
  if (!sameList(recorded, dependencies) || !sameList(versions, current.slice(0, -1))) return undefined
  return { versions, softVersion, storedAt, data, soft: current[current.length - 1] !== softVersion }
}
