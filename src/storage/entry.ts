import { SerializationError } from '../errors.ts'
import type { Codec } from './codec.ts'
import type { StoredEntry } from './tier.ts'

/** Layout of an entry in a remote store: [format, dependencies, versions, softVersion, storedAt, value]. */
const ENTRY_FORMAT = 1
type EncodedEntry = [number, string[], string[], string, number, unknown]

/** True when both lists hold the same strings in the same order. */
export function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function isEncodedEntry(value: unknown): value is EncodedEntry {
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

/** Encodes an entry for a remote store. Throws {@link SerializationError} for a value the codec cannot encode. */
export function encodeEntry(codec: Codec, entry: StoredEntry): Uint8Array {
  const { dependencies, versions, softVersion, storedAt, value } = entry
  return codec.encode([ENTRY_FORMAT, dependencies, versions, softVersion, storedAt, value])
}

/**
 * Decodes an entry written by {@link encodeEntry}; its value is fresh, shared with nobody. Throws
 * {@link SerializationError} (or the codec's error) for bytes that are not an entry.
 */
export function decodeEntry(codec: Codec, key: string, bytes: Uint8Array): StoredEntry {
  const decoded = codec.decode(bytes)
  if (!isEncodedEntry(decoded)) throw new SerializationError(`entry ${key} has an unknown layout`)
  const [, dependencies, versions, softVersion, storedAt, value] = decoded
  return { dependencies, versions, softVersion, storedAt, value }
}

/** True when `entry` was loaded under exactly `dependencies` and they are still at the versions it recorded. */
export function isCurrent(
  entry: StoredEntry,
  dependencies: readonly string[],
  current: readonly (string | null)[],
): boolean {
  return sameList(entry.dependencies, dependencies) && sameList(entry.versions, current as readonly string[])
}
