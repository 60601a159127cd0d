import { SerializationError } from '../errors.ts'
import type { Codec } from './codec.ts'
import type { StoredEntry } from './tier.ts'

/** The old layout of an entry, still read: a codec array [format, dependencies, versions, softVersion, storedAt, value]. */
const LEGACY_FORMAT = 1
type LegacyEntry = [number, string[], string[], string, number, unknown]

/**
 * The layout of an entry in Redis: a text header Redis can read, then the value's codec bytes:
 * `Q2,<storedAt>,<softVersion>,<n>,` then per dependency `<byte length>,<dependency><version>,`. Versions are
 * decimal digits, so the header needs no escaping; the lookup script (`redis-scripts.ts`) reads it to tell a
 * servable entry from one a load must replace, and takes the lease lock for the latter in the same round trip.
 */
const HEADER = Buffer.from('Q2,')
const COMMA = 0x2c

/** True when both lists hold the same strings in the same order. */
export function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function isLegacyEntry(value: unknown): value is LegacyEntry {
  return (
    Array.isArray(value) &&
    value.length === 6 &&
    value[0] === LEGACY_FORMAT &&
    Array.isArray(value[1]) &&
    Array.isArray(value[2]) &&
    typeof value[3] === 'string' &&
    typeof value[4] === 'number'
  )
}

/** Encodes an entry for a remote store. Throws {@link SerializationError} for a value the codec cannot encode. */
export function encodeEntry(codec: Codec, entry: StoredEntry): Uint8Array {
  const { dependencies, versions, softVersion, storedAt, value } = entry
  let header = `Q2,${storedAt},${softVersion},${dependencies.length},`
  for (let i = 0; i < dependencies.length; i++) {
    const dependency = dependencies[i] as string
    header += `${Buffer.byteLength(dependency)},${dependency}${versions[i]},`
  }
  const body = codec.encode(value)
  const head = Buffer.from(header)
  const out = Buffer.allocUnsafe(head.length + body.byteLength)
  head.copy(out, 0)
  out.set(body, head.length)
  return out
}

/**
 * Decodes an entry written by {@link encodeEntry} (or by the previous layout); its value is fresh, shared with
 * nobody. Throws {@link SerializationError} (or the codec's error) for bytes that are not an entry.
 */
export function decodeEntry(codec: Codec, key: string, bytes: Uint8Array): StoredEntry {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buffer.length < HEADER.length || buffer.compare(HEADER, 0, HEADER.length, 0, HEADER.length) !== 0) {
    return decodeLegacy(codec, key, buffer)
  }
  const bad = () => new SerializationError(`entry ${key} has a damaged header`)
  let position = HEADER.length
  const field = (): string => {
    const end = buffer.indexOf(COMMA, position)
    if (end < 0) throw bad()
    const text = buffer.toString('latin1', position, end)
    position = end + 1
    return text
  }
  const storedAt = Number(field())
  const softVersion = field()
  const count = Number(field())
  if (!Number.isFinite(storedAt) || !Number.isInteger(count) || count < 0) throw bad()
  const dependencies = new Array<string>(count)
  const versions = new Array<string>(count)
  for (let i = 0; i < count; i++) {
    const length = Number(field())
    if (!Number.isInteger(length) || length < 0 || position + length > buffer.length) throw bad()
    dependencies[i] = buffer.toString('utf8', position, position + length)
    position += length
    versions[i] = field()
  }
  const value = codec.decode(buffer.subarray(position))
  return { dependencies, versions, softVersion, storedAt, value }
}

function decodeLegacy(codec: Codec, key: string, bytes: Uint8Array): StoredEntry {
  const decoded = codec.decode(bytes)
  if (!isLegacyEntry(decoded)) throw new SerializationError(`entry ${key} has an unknown layout`)
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
