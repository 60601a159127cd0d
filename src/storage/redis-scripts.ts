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

/** Deletes the lock KEYS[1] only if it still holds this owner's token ARGV[1]. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

/** The scripts the Redis tier runs. */
export const SCRIPTS = {
  release: script(RELEASE_LOCK),
  current: script(CURRENT_VERSIONS),
  bump: script(BUMP_VERSIONS),
} as const

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
