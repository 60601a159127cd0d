import { createHash } from 'node:crypto'
import type { RedisLike } from '../options.ts'

/**
 * Returns the current version of each key (KEYS), creating missing ones with the fresh value ARGV[i]:
 * a version key that was evicted or lost can never come back at a value an old entry recorded.
 */
const CURRENT_VERSIONS = `
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    redis.call('SET', key, ARGV[i])
    v = ARGV[i]
  end
  out[i] = v
end
return out`

/**
 * Increments each version key (KEYS); a missing one starts at the fresh value ARGV[i]. Returns the new versions,
 * read back with GET because Lua turns INCR's integer reply into a double and versions exceed 2^53.
 */
const BUMP_VERSIONS = `
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('INCR', key)
    out[i] = redis.call('GET', key)
  else
    redis.call('SET', key, ARGV[i])
    out[i] = ARGV[i]
  end
end
return out`

interface Script {
  source: string
  sha: string
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

const SCRIPTS = { current: script(CURRENT_VERSIONS), bump: script(BUMP_VERSIONS) } as const

/**
 * The Redis tier: a dumb key/value driver for encoded entries plus the version counters. Version keys of a
 * namespace share one hash tag (`{namespace}`) so multi-key scripts work on a Redis Cluster; entry keys have
 * no hash tag and spread across slots. Every method may reject; the caller turns failures into misses.
 */
export class RedisTier {
  readonly client: RedisLike
  readonly #versionPrefix: string

  constructor(client: RedisLike, namespace: string) {
    this.client = client
    this.#versionPrefix = `{${namespace}}:v:`
  }

  /** The Redis key holding a dependency's version. */
  versionKey(dependency: string): string {
    return this.#versionPrefix + dependency
  }

  /** The encoded entry, or null. */
  async getEntry(key: string): Promise<Buffer | null> {
    return this.client.getBuffer(key)
  }

  /** Stores an encoded entry that expires after `ttlMs`. */
  async setEntry(key: string, bytes: Uint8Array, ttlMs: number): Promise<void> {
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    await this.client.set(key, buffer, 'PX', Math.max(1, Math.ceil(ttlMs)))
  }

  /** Versions as stored, null where missing. One MGET: read-only, for the hit path. */
  async readVersions(dependencies: readonly string[]): Promise<(string | null)[]> {
    return this.client.mget(...dependencies.map((d) => this.versionKey(d)))
  }

  /** Current versions, creating missing ones with fresh values. */
  async currentVersions(dependencies: readonly string[], fresh: () => string): Promise<string[]> {
    return (await this.#run(SCRIPTS.current, dependencies, fresh)) as string[]
  }

  /** Bumps versions (missing ones start fresh). Returns the new versions. */
  async bumpVersions(dependencies: readonly string[], fresh: () => string): Promise<string[]> {
    return (await this.#run(SCRIPTS.bump, dependencies, fresh)) as string[]
  }

  async #run(s: Script, dependencies: readonly string[], fresh: () => string): Promise<unknown> {
    const keys = dependencies.map((d) => this.versionKey(d))
    const args = dependencies.map(() => fresh())
    try {
      return await this.client.evalsha(s.sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error
      return this.client.eval(s.source, keys.length, ...keys, ...args)
    }
  }
}
