import { TUNABLES } from '../config/defaults.ts'
import { TierError } from '../errors.ts'
import type { RedisLike } from '../types.ts'
import type { Codec } from './codec.ts'
import { decodeEntry, encodeEntry } from './entry.ts'
import type { GuardedCall } from './guarded-call.ts'
import { runBufferScript, runScript, SCRIPTS, type Script } from './redis-scripts.ts'
import type { StoredEntry, TierDriver } from './tier.ts'

/** ioredis' binary-safe MGET. */
type MgetBuffer = (...keys: string[]) => Promise<(Buffer | null)[]>

/** Construction parameters of {@link RedisTier}. */
export interface RedisTierOptions {
  client: RedisLike
  namespace: string
  codec: Codec
  /** Timeout and circuit breaker every command runs behind. */
  guard: GuardedCall
}

/** The encoded entry under a key and the current versions of some dependencies, read in one round trip. */
export interface RedisLookup {
  bytes: Buffer | null
  /** In the order asked, null where a version key is missing. */
  versions: (string | null)[]
}

/** What a read asks of Redis in its one round trip (see the LOOKUP script). */
export interface ReadRequest {
  key: string
  /** The read's capture dependencies, the soft dependency last. */
  dependencies: readonly string[]
  /** Clock time (ms) the entry's age is judged at. */
  now: number
  /** Age (ms) up to which an entry is served, fresh or stale (ttl + swr). */
  servableMs: number
  /** How long an entry stored by the load that may follow lives (ms): its version keys live at least as long. */
  lifetimeMs: number
  /** A version for dependencies that have none. */
  freshVersion: string
  /** The lease lock to take if a load follows, or undefined. */
  lock: { key: string; token: string; leaseMs: number } | undefined
}

/** What a read learnt in its round trip. */
export interface ReadReply extends RedisLookup {
  /**
   * `servable`: Redis judged the entry servable and wrote nothing. `load`: a load follows; `versions` are its
   * capture (none missing) and `locked` says whether it holds the lease lock. `unjudged`: a Redis that cannot run
   * the script (a Cluster), or an entry in an earlier layout: plain lookup, versions may be missing, no lock
   * taken.
   */
  outcome: 'servable' | 'load' | 'unjudged'
  locked: boolean
}

/** Largest age or lifetime passed to a script: Lua reads no `Infinity`. */
const MAX_SCRIPT_MS = Number.MAX_SAFE_INTEGER

/**
 * The Redis tier: a key/value driver for encoded entries plus the version counters and lease locks. Version keys
 * of a namespace share one hash tag (`{namespace}`) so multi-key scripts work on a Redis Cluster; entry keys
 * have no hash tag and spread across slots. Every method may reject; callers turn failures into misses.
 */
export class RedisTier implements TierDriver<true> {
  readonly name = 'redis' as const
  readonly async = true as const
  readonly client: RedisLike
  readonly #codec: Codec
  readonly #guard: GuardedCall
  readonly #versionPrefix: string
  /** The version prefix as Redis sees it (with the client's `keyPrefix`), for names a script builds. */
  readonly #scriptVersionPrefix: string
  /** One MGET for the hit path; not on a Cluster, where the entry and the version keys live in different slots. */
  readonly #mgetBuffer: MgetBuffer | undefined
  /** True when {@link read} runs the LOOKUP script (a single Redis): it then judges entries and takes locks. */
  readonly judges: boolean

  constructor(options: RedisTierOptions) {
    const { client } = options
    this.client = client
    this.#codec = options.codec
    this.#guard = options.guard
    this.#versionPrefix = `{${options.namespace}}:v:`
    // The client prefixes the keys a script is given, not the names it builds itself.
    const keyPrefix = (client as { options?: { keyPrefix?: unknown } }).options?.keyPrefix
    this.#scriptVersionPrefix = `${typeof keyPrefix === 'string' ? keyPrefix : ''}${this.#versionPrefix}`
    const mgetBuffer = (client as { mgetBuffer?: MgetBuffer }).mgetBuffer
    const cluster = (client as { isCluster?: boolean }).isCluster === true
    this.#mgetBuffer = !cluster && typeof mgetBuffer === 'function' ? mgetBuffer.bind(client) : undefined
    this.judges =
      this.#mgetBuffer !== undefined &&
      typeof client.evalshaBuffer === 'function' &&
      typeof client.evalBuffer === 'function'
    this.#guard.watch(client)
  }

  /** The decoded entry, or undefined. Rejects with a `SerializationError` for bytes that are not an entry. */
  async get(key: string): Promise<StoredEntry | undefined> {
    const bytes = await this.getBytes(key)
    return bytes === null ? undefined : decodeEntry(this.#codec, key, bytes)
  }

  /** Encodes and stores an entry that expires after `ttlMs`. */
  async set(key: string, entry: StoredEntry, ttlMs: number): Promise<void> {
    await this.setBytes(key, encodeEntry(this.#codec, entry), ttlMs)
  }

  async delete(key: string): Promise<void> {
    await this.#guard.run('DEL', () => this.client.del(key))
  }

  /**
   * A read's one round trip before its load (the LOOKUP script on a single Redis): the entry's bytes, the versions
   * of its dependencies and, when Redis finds nothing servable, the load's capture and its lease lock. On a
   * Cluster, where the entry and the version keys live in different slots, a plain {@link lookup}.
   */
  async read(request: ReadRequest): Promise<ReadReply> {
    const client = this.client
    if (!this.judges) {
      const { bytes, versions } = await this.lookup(request.key, request.dependencies)
      return { bytes, versions, outcome: 'unjudged', locked: false }
    }
    const { key, dependencies, lock } = request
    const keys = [key, lock?.key ?? `${key}:lock`]
    for (const dependency of dependencies) keys.push(this.versionKey(dependency))
    const args = [
      this.#scriptVersionPrefix,
      request.now,
      Math.min(request.servableMs, MAX_SCRIPT_MS),
      lock === undefined ? 0 : Math.max(1, Math.ceil(lock.leaseMs)),
      lock?.token ?? '',
      Math.ceil(Math.min(request.lifetimeMs + TUNABLES.versionTtlMarginMs, MAX_SCRIPT_MS)),
      request.freshVersion,
    ]
    const scripted = client as Required<Pick<RedisLike, 'evalshaBuffer' | 'evalBuffer'>>
    const reply = (await this.#guard.run('EVALSHA', () =>
      runBufferScript(scripted, SCRIPTS.lookup, keys, args),
    )) as [Buffer | null, (Buffer | null)[], number]
    const found = reply[1]
    const versions = new Array<string | null>(dependencies.length)
    for (let i = 0; i < dependencies.length; i++) {
      const version = found[i]
      versions[i] = version === null || version === undefined ? null : version.toString()
    }
    const outcome = reply[2]
    return {
      bytes: reply[0] ?? null,
      versions,
      outcome: outcome === 0 ? 'servable' : outcome === 3 ? 'unjudged' : 'load',
      locked: outcome === 2,
    }
  }

  /**
   * The entry's bytes and the current versions of `dependencies`, in one round trip, writing nothing: a single
   * MGET (as cheap as a GET) on a single Redis, GET and MGET sent together on a Cluster.
   */
  async lookup(key: string, dependencies: readonly string[]): Promise<RedisLookup> {
    const mgetBuffer = this.#mgetBuffer
    if (mgetBuffer === undefined) {
      const [bytes, versions] = await Promise.all([this.getBytes(key), this.readVersions(dependencies)])
      return { bytes, versions }
    }
    const keys = [key]
    for (const dependency of dependencies) keys.push(this.versionKey(dependency))
    const reply = await this.#guard.run('MGET', () => mgetBuffer(...keys))
    const versions = new Array<string | null>(dependencies.length)
    for (let i = 0; i < dependencies.length; i++) {
      const version = reply[i + 1]
      versions[i] = version === null || version === undefined ? null : version.toString()
    }
    return { bytes: reply[0] ?? null, versions }
  }

  /** Decodes bytes read by {@link lookup}. Throws a `SerializationError` for bytes that are not an entry. */
  decode(key: string, bytes: Uint8Array): StoredEntry {
    return decodeEntry(this.#codec, key, bytes)
  }

  /** The Redis key holding a dependency's version. */
  versionKey(dependency: string): string {
    return this.#versionPrefix + dependency
  }

  /** The encoded entry, or null. */
  async getBytes(key: string): Promise<Buffer | null> {
    return this.#guard.run('GET', () => this.client.getBuffer(key))
  }

  /** Stores encoded bytes that expire after `ttlMs` (finite: Redis entries always expire, G8). */
  async setBytes(key: string, bytes: Uint8Array, ttlMs: number): Promise<void> {
    if (!Number.isFinite(ttlMs)) throw new TierError(`redis SET: an entry needs a finite ttl, got ${ttlMs}`)
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    await this.#guard.run('SET', () => this.client.set(key, buffer, 'PX', Math.max(1, Math.ceil(ttlMs))))
  }

  /** Takes the lease lock `key` for `leaseMs` if nobody holds it. True when taken. */
  async acquireLock(key: string, token: string, leaseMs: number): Promise<boolean> {
    const reply = await this.#guard.run('SET NX', () =>
      this.client.set(key, token, 'PX', Math.max(1, Math.ceil(leaseMs)), 'NX'),
    )
    return reply === 'OK'
  }

  /** Releases the lease lock `key` if this owner still holds it (a lease that expired is someone else's now). */
  async releaseLock(key: string, token: string): Promise<void> {
    await this.#script(SCRIPTS.release, [key], [token])
  }

  /** Versions as stored, null where missing. One MGET: read-only, for the hit path. */
  async readVersions(dependencies: readonly string[]): Promise<(string | null)[]> {
    return this.#guard.run('MGET', () => this.client.mget(...dependencies.map((d) => this.versionKey(d))))
  }

  /** Current versions, creating missing ones with fresh values; keeps them for at least `entryTtlMs`. */
  async currentVersions(
    dependencies: readonly string[],
    fresh: () => string,
    entryTtlMs: number,
  ): Promise<string[]> {
    const ttl = Math.ceil(entryTtlMs + TUNABLES.versionTtlMarginMs)
    return (await this.#versionScript(SCRIPTS.current, dependencies, fresh, ttl)) as string[]
  }

  /** Bumps versions (missing ones start fresh). Returns the new versions. */
  async bumpVersions(dependencies: readonly string[], fresh: () => string): Promise<string[]> {
    return (await this.#versionScript(
      SCRIPTS.bump,
      dependencies,
      fresh,
      TUNABLES.newVersionTtlMs,
    )) as string[]
  }

  #versionScript(s: Script, dependencies: readonly string[], fresh: () => string, ttlMs: number) {
    const keys = dependencies.map((d) => this.versionKey(d))
    return this.#script(s, keys, [ttlMs, ...dependencies.map(() => fresh())])
  }

  #script(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.#guard.run('EVALSHA', () => runScript(this.client, s, keys, args))
  }
}
