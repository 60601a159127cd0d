import { createHash } from 'node:crypto'
import type { RedisLike } from '../types.ts'

/** A Lua script and its SHA1, for EVALSHA. */
export interface Script {
  readonly source: string
  readonly sha: string
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * Returns the current version of each key (KEYS), creating missing ones with the fresh value ARGV[i + 1]:
 * a version key that was evicted or lost can never come back at a value an old entry recorded. Every key then
 * lives at least ARGV[1] ms, the lifetime of the entry about to be stored, so that version keys expire (G8:
 * bounded metadata) but never before an entry that depends on them.
 */
const CURRENT_VERSIONS = `
local out = {}
local ttl = ARGV[1]
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    v = ARGV[i + 1]
    redis.call('SET', key, v, 'PX', ttl)
  else
    redis.call('PEXPIRE', key, ttl, 'GT')
  end
  out[i] = v
end
return out`

/**
 * Increments each version key (KEYS), keeping its expiry; a missing one starts at the fresh value ARGV[i + 1] and
 * lives ARGV[1] ms (no entry depends on it yet). Returns the new versions, read back with GET because Lua turns
 * INCR's integer reply into a double and versions exceed 2^53.
 */
const BUMP_VERSIONS = `
local out = {}
local ttl = ARGV[1]
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('INCR', key)
    out[i] = redis.call('GET', key)
  else
    redis.call('SET', key, ARGV[i + 1], 'PX', ttl)
    out[i] = ARGV[i + 1]
  end
end
return out`

/**
 * A read's one round trip. KEYS: the entry, its lease lock, the version keys of the read's capture dependencies.
 * ARGV: the version key prefix, now (ms), the age up to which an entry is served (ttl + swr, ms), the lock lease
 * (ms, 0: no lock), the lock token, the lifetime of an entry stored now (ms), a fresh version.
 *
 * Returns {entry bytes or nil, versions, outcome}. Outcome 0: the entry is servable (every dependency it recorded,
 * read from its header, is at its recorded version, and it is young enough); nothing is written, and a missing
 * version is returned as nil. Otherwise a load follows, and this is its capture and its lock: missing versions
 * are created with the fresh value, every version key lives at least the new entry's lifetime (as
 * CURRENT_VERSIONS), and the lease lock is tried: outcome 1 without the lock (none asked, or another holds it),
 * 2 with it. An entry in another layout (written by an earlier version) is outcome 3: nothing written, no lock; the
 * caller decodes it and judges for itself, as on a Cluster.
 */
const LOOKUP = `
local bytes = redis.call('GET', KEYS[1])
local versions = {}
local known = {}
local complete = true
for i = 3, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if not v then
    complete = false
    v = false
  end
  versions[i - 2] = v
  known[KEYS[i]] = v
end
if bytes and string.sub(bytes, 1, 3) ~= 'Q2,' then return {bytes, versions, 3} end
if bytes and complete then
  local position = 4
  local function field()
    local stop = string.find(bytes, ',', position, true)
    if not stop then return nil end
    local text = string.sub(bytes, position, stop - 1)
    position = stop + 1
    return text
  end
  local storedAt = tonumber(field())
  field()
  local count = tonumber(field())
  local servable = storedAt ~= nil and count ~= nil and tonumber(ARGV[2]) - storedAt <= tonumber(ARGV[3])
  if servable then
    for _ = 1, count do
      local length = tonumber(field())
      if not length then
        servable = false
        break
      end
      local dependency = string.sub(bytes, position, position + length - 1)
      position = position + length
      local name = ARGV[1] .. dependency
      local version = known[name]
      if version == nil then version = redis.call('GET', name) end
      if version ~= field() then
        servable = false
        break
      end
    end
  end
  if servable then return {bytes, versions, 0} end
end
local ttl = ARGV[6]
for i = 3, #KEYS do
  if versions[i - 2] then
    redis.call('PEXPIRE', KEYS[i], ttl, 'GT')
  else
    versions[i - 2] = ARGV[7]
    redis.call('SET', KEYS[i], ARGV[7], 'PX', ttl)
  end
end
local outcome = 1
if ARGV[4] ~= '0' and redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4], 'NX') then outcome = 2 end
return {bytes, versions, outcome}`

/** Deletes the lock KEYS[1] only if it still holds this owner's token ARGV[1]. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

/** The scripts the Redis tier runs. */
export const SCRIPTS = {
  lookup: script(LOOKUP),
  release: script(RELEASE_LOCK),
  current: script(CURRENT_VERSIONS),
  bump: script(BUMP_VERSIONS),
} as const

/** Runs a script by its SHA with binary-safe replies, loading it with EVAL when Redis does not know it (NOSCRIPT). */
export async function runBufferScript(
  client: Required<Pick<RedisLike, 'evalshaBuffer' | 'evalBuffer'>>,
  s: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalshaBuffer(s.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error
    return client.evalBuffer(s.source, keys.length, ...keys, ...args)
  }
}

/** Runs a script by its SHA, loading it with EVAL when Redis does not know it (NOSCRIPT). */
export async function runScript(
  client: RedisLike,
  s: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error
    return client.eval(s.source, keys.length, ...keys, ...args)
  }
}
