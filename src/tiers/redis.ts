import { createHash } from 'node:crypto'
import { TierError } from '../errors.ts'
import type { RedisLike } from '../options.ts'

/** Lifetime of a version key that a bump creates; readers extend it to their entries' lifetime. */
const NEW_VERSION_TTL_MS = 60_000

/** Extra lifetime given to version keys beyond the entry being stored (covers the load's duration). */
const VERSION_TTL_MARGIN_MS = 60_000

/** Circuit breaker: consecutive failures that open it, and for how long it stays open. */
const BREAKER = { failures: 5, openMs: 1_000 } as const

/** What every command gets while the breaker is open: one shared error, as no stack would tell anything. */
const CIRCUIT_OPEN = new TierError('redis command skipped: circuit open after repeated failures')

/** Rejects with a {@link TierError} when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TierError(`redis ${what} timed out after ${ms} ms`)), ms)
    timer.unref()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
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

interface Script {
  source: string
  sha: string
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/** Deletes the lock KEYS[1] only if it still holds this owner's token ARGV[1]. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

const SCRIPTS = {
  release: script(RELEASE_LOCK),
  current: script(CURRENT_VERSIONS),
  bump: script(BUMP_VERSIONS),
} as const

/** ioredis' binary-safe MGET. */
type MgetBuffer = (...keys: string[]) => Promise<(Buffer | null)[]>

/**
 * The Redis tier: a dumb key/value driver for encoded entries plus the version counters. Version keys of a
 * namespace share one hash tag (`{namespace}`) so multi-key scripts work on a Redis Cluster; entry keys have
 * no hash tag and spread across slots. Every method may reject; the caller turns failures into misses.
 */
export class RedisTier {
  readonly client: RedisLike
  readonly #versionPrefix: string
  readonly #timeoutMs: number
  /** One MGET for the hit path; not on a Cluster, where the entry and the version keys live in different slots. */
  readonly #mgetBuffer: MgetBuffer | undefined

  readonly #breaker = { failures: 0, openUntil: 0 }

  /** `timeoutMs` bounds every command: a slow or unreachable Redis costs at most that, then counts as a miss. */
  constructor(client: RedisLike, namespace: string, timeoutMs: number) {
    this.client = client
    this.#versionPrefix = `{${namespace}}:v:`
    this.#timeoutMs = timeoutMs
    const mgetBuffer = (client as { mgetBuffer?: MgetBuffer }).mgetBuffer
    const cluster = (client as { isCluster?: boolean }).isCluster === true
    this.#mgetBuffer = !cluster && typeof mgetBuffer === 'function' ? mgetBuffer.bind(client) : undefined
  }

  /**
   * The entry and the current versions of `dependencies`, in one round trip: a single MGET (as cheap as a GET)
   * on a single Redis, GET and MGET sent together on a Cluster.
   */
  async lookup(
    key: string,
    dependencies: readonly string[],
  ): Promise<{ bytes: Buffer | null; versions: (string | null)[] }> {
    const mgetBuffer = this.#mgetBuffer
    if (mgetBuffer === undefined) {
      const [bytes, versions] = await Promise.all([this.getEntry(key), this.readVersions(dependencies)])
      return { bytes, versions }
    }
    const keys = [key]
    for (const dependency of dependencies) keys.push(this.versionKey(dependency))
    const reply = await this.#call('MGET', () => mgetBuffer(...keys))
    const versions = new Array<string | null>(dependencies.length)
    for (let i = 0; i < dependencies.length; i++) {
      const version = reply[i + 1]
      versions[i] = version === null || version === undefined ? null : version.toString()
    }
    return { bytes: reply[0] ?? null, versions }
  }

  /**
   * Runs a command behind the timeout and a circuit breaker: after {@link BREAKER.failures} consecutive
   * failures Redis is not asked at all for {@link BREAKER.openMs} (every call fails at once, so a down Redis
   * adds no latency); then one call probes it again.
   */
  async #call<T>(what: string, start: () => Promise<T>): Promise<T> {
    const breaker = this.#breaker
    const now = performance.now()
    if (breaker.openUntil > now) throw CIRCUIT_OPEN
    if (breaker.openUntil !== 0) breaker.openUntil = now + BREAKER.openMs // half-open: this call is the probe
    try {
      const result = await withTimeout(start(), this.#timeoutMs, what)
      breaker.failures = 0
      breaker.openUntil = 0
      return result
    } catch (error) {
      breaker.failures++
      if (breaker.failures >= BREAKER.failures) breaker.openUntil = performance.now() + BREAKER.openMs
      throw error
    }
  }

  /** True while the circuit breaker keeps commands from Redis. */
  get circuitOpen(): boolean {
    return this.#breaker.openUntil > performance.now()
  }

  /** The Redis key holding a dependency's version. */
  versionKey(dependency: string): string {
    return this.#versionPrefix + dependency
  }

  /** The encoded entry, or null. */
  async getEntry(key: string): Promise<Buffer | null> {
    return this.#call('GET', () => this.client.getBuffer(key))
  }

  /** Stores an encoded entry that expires after `ttlMs`. */
  async setEntry(key: string, bytes: Uint8Array, ttlMs: number): Promise<void> {
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    await this.#call('SET', () => this.client.set(key, buffer, 'PX', Math.max(1, Math.ceil(ttlMs))))
  }

  /** Takes the lease lock `key` for `leaseMs` if nobody holds it. True when taken. */
  async acquireLock(key: string, token: string, leaseMs: number): Promise<boolean> {
    const reply = await this.#call('SET NX', () =>
      this.client.set(key, token, 'PX', Math.max(1, Math.ceil(leaseMs)), 'NX'),
    )
    return reply === 'OK'
  }

  /** Releases the lease lock `key` if this owner still holds it (a lease that expired is someone else's now). */
  async releaseLock(key: string, token: string): Promise<void> {
    await this.#runScript(SCRIPTS.release, [key], [token])
  }

  /** Versions as stored, null where missing. One MGET: read-only, for the hit path. */
  async readVersions(dependencies: readonly string[]): Promise<(string | null)[]> {
    return this.#call('MGET', () => this.client.mget(...dependencies.map((d) => this.versionKey(d))))
  }

  /** Current versions, creating missing ones with fresh values; keeps them for at least `entryTtlMs`. */
  async currentVersions(
    dependencies: readonly string[],
    fresh: () => string,
    entryTtlMs: number,
  ): Promise<string[]> {
    const ttl = Math.ceil(entryTtlMs + VERSION_TTL_MARGIN_MS)
    return (await this.#run(SCRIPTS.current, dependencies, fresh, ttl)) as string[]
  }

  /** Bumps versions (missing ones start fresh). Returns the new versions. */
  async bumpVersions(dependencies: readonly string[], fresh: () => string): Promise<string[]> {
    return (await this.#run(SCRIPTS.bump, dependencies, fresh, NEW_VERSION_TTL_MS)) as string[]
  }

  async #run(
    s: Script,
    dependencies: readonly string[],
    fresh: () => string,
    ttlMs: number,
  ): Promise<unknown> {
    const keys = dependencies.map((d) => this.versionKey(d))
    return this.#runScript(s, keys, [ttlMs, ...dependencies.map(() => fresh())])
  }

  async #runScript(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const run = async () => {
      try {
        return await this.client.evalsha(s.sha, keys.length, ...keys, ...args)
      } catch (error) {
        if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error
        return this.client.eval(s.source, keys.length, ...keys, ...args)
      }
    }
    return this.#call('EVALSHA', () => run())
  }
}
