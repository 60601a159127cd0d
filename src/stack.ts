import { type Codec, copyValue, estimateSize } from './codec.ts'
import { type CurrentEntry, decodeEntry, encodeEntry, sameList } from './entries.ts'
import { SerializationError } from './errors.ts'
import type { CacheEvent, ResolvedRegion, TierName } from './options.ts'
import { type LeaseLock, lockOrWait, releaseAfter } from './stampede-lock.ts'
import type { StatsRecorder } from './stats.ts'
import type { MemoryEntry, MemoryTier } from './tiers/memory.ts'
import type { RedisTier } from './tiers/redis.ts'
import { freshVersion, type LocalVersions } from './versions.ts'

/** How a result was obtained. */
export type CacheStatus = 'hit' | 'stale' | 'miss' | 'bypass'

/** What `withCacheInfo()` reports next to the data. */
export interface CacheInfo {
  status: CacheStatus
  /** The tier that answered a hit or stale read. */
  tier?: TierName
  region: string
  /** The cache key ('' for a bypass). */
  key: string
  /** Milliseconds since the returned result was loaded from the database (0 for a miss or bypass). */
  age: number
}

/** Everything the stack needs to serve one read. */
export interface ReadPlan {
  key: string
  model: string
  operation: string
  region: ResolvedRegion
  ttlMs: number
  swrMs: number
  /** Hard dependencies: models and join tables read, tags, the region, the namespace. */
  dependencies: readonly string[]
  /** The region's soft-invalidation dependency. */
  softDependency: string
  refresh: boolean
}

/** A result and how it was obtained. */
export interface ReadResult {
  data: unknown
  info: CacheInfo
}

/** An entry too old to serve normally, kept to answer if the load fails (`staleIfError`). */
interface Fallback {
  tier: TierName
  storedAt: number
  value: () => unknown
}

/** Lookup outcome of one tier: a result to return, or at most a fallback for a failing load. */
interface Lookup {
  result?: ReadResult
  fallback?: Fallback
}

/**
 * Whether a failed load is the database's or the connection's trouble (then `staleIfError` may answer), rather
 * than an answer about the data or the query (not found, constraint, validation), which must reach the caller.
 */
function isDatabaseFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true
  const { name, code } = error as { name?: string; code?: unknown }
  if (name === 'PrismaClientValidationError') return false
  return !(name === 'PrismaClientKnownRequestError' && typeof code === 'string' && code.startsWith('P2'))
}

interface Flight {
  /** Versions captured before the database read (the soft version last); undefined until captured. */
  versions: readonly string[] | undefined
  /**
   * Until versions are captured (a load may meanwhile take another instance's entry while it waits for the
   * lock), or when none could be: `LocalVersions.changes` at that point. A later caller shares the load only
   * while nothing this instance knows has changed since (see `#canJoin`).
   */
  changes: number | undefined
  promise: Promise<unknown>
}

/** A loaded result whose Redis write has not landed yet. */
interface Unlanded {
  /** Captured versions, the soft version last. */
  versions: readonly string[]
  data: unknown
  storedAt: number
}

/** When this instance's memory tier may be trusted (see the invalidation bus). */
export interface MemoryTrust {
  /** The epoch to record on an entry validated against the source of truth now. */
  stamp(): number
  /** May an entry recorded with `epoch` and validated at `validatedAt` (clock ms) be served at `now`? */
  trusts(epoch: number, validatedAt: number, now: number): boolean
}

/** Without Redis this instance's versions are the truth: its memory tier is always trusted. */
const ALWAYS_TRUSTED: MemoryTrust = { stamp: () => 0, trusts: () => true }

/** When and under which epoch versions were read from the source of truth. */
interface Validation {
  epoch: number
  at: number
}

/** Versions captured before a load, and when. */
interface Capture {
  versions: string[]
  validation: Validation
}

/** Injection points for tests that force interleavings. Never set in production. */
export interface StackHooks {
  /** Runs after the load captured its versions and before it queries the database. */
  afterCapture?: (key: string) => Promise<void> | void
  /** Runs after the database answered and before the result is stored. */
  beforeStore?: (key: string) => Promise<void> | void
  /** Runs after a wait for another instance's lock found no entry, before trying the lock again. */
  afterLockWait?: (key: string) => Promise<void> | void
}

/** Construction parameters of {@link CacheStack}. */
export interface CacheStackOptions {
  codec: Codec
  versions: LocalVersions
  memory: MemoryTier | undefined
  redis: RedisTier | undefined
  stats: StatsRecorder
  emit: (event: CacheEvent) => void
  clock: () => number
  hooks?: StackHooks
  trust?: MemoryTrust
}

/**
 * Tiered read-through: memory, then Redis, then one shared load per key. An entry is served only while every
 * dependency is at the version it recorded before its load read the database, so a load that raced a write
 * can never leave its result readable after the write's invalidation (G1).
 */
export class CacheStack {
  readonly #codec: Codec
  readonly #versions: LocalVersions
  readonly #memory: MemoryTier | undefined
  readonly #redis: RedisTier | undefined
  readonly #stats: StatsRecorder
  readonly #emit: (event: CacheEvent) => void
  readonly #clock: () => number
  readonly #hooks: StackHooks
  readonly #trust: MemoryTrust
  readonly #flights = new Map<string, Flight>()
  readonly #unlanded = new Map<string, Unlanded>()
  readonly #background = new Set<Promise<unknown>>()

  constructor(options: CacheStackOptions) {
    this.#codec = options.codec
    this.#versions = options.versions
    this.#memory = options.memory
    this.#redis = options.redis
    this.#stats = options.stats
    this.#emit = options.emit
    this.#clock = options.clock
    this.#hooks = options.hooks ?? {}
    this.#trust = options.trust ?? ALWAYS_TRUSTED
  }

  /** Serves a read from a tier or by running `load` (shared with concurrent identical reads). */
  read(plan: ReadPlan, load: () => Promise<unknown>): Promise<ReadResult> | ReadResult {
    let fallback: Fallback | undefined
    if (!plan.refresh) {
      const memory = this.#readMemory(plan, load)
      if (memory.result !== undefined) return memory.result
      fallback = memory.fallback
      if (this.#redis !== undefined && plan.region.redis) return this.#readRedis(plan, load, fallback)
    }
    return this.#miss(plan, load, undefined, fallback)
  }

  #readMemory(plan: ReadPlan, load: () => Promise<unknown>): Lookup {
    if (this.#memory === undefined || !plan.region.memory) return {}
    const entry = this.#memory.get(plan.key)
    if (entry === undefined) return {}
    // The key determines the dependencies within this process, so the entry's own list is the plan's.
    if (!this.#versions.matches(entry.dependencies, entry.versions)) {
      this.#memory.delete(plan.key)
      return {}
    }
    // Another instance's invalidation may have been missed: Redis validates the entry again.
    if (!this.#trust.trusts(entry.epoch, entry.validatedAt, this.#clock())) return {}
    const soft =
      this.#versions.peek(plan.softDependency) !== entry.softVersion ||
      this.#versions.isHeld(plan.softDependency)
    return this.#serve(plan, load, 'memory', entry.storedAt, soft, () => copyValue(entry.value))
  }

  /**
   * Hit or stale when the entry's age (and soft state) allows; else, within `staleIfError`, a fallback for a
   * failing load.
   */
  #serve(
    plan: ReadPlan,
    load: () => Promise<unknown>,
    tier: TierName,
    storedAt: number,
    soft: boolean,
    value: () => unknown,
  ): Lookup {
    const age = Math.max(0, this.#clock() - storedAt)
    const region = plan.region.name
    if (age <= plan.ttlMs && !soft) {
      this.#stats.count(region, 'hits', tier)
      this.#emit({ type: 'hit', key: plan.key, region, model: plan.model, tier, age })
      return { result: { data: value(), info: { status: 'hit', tier, region, key: plan.key, age } } }
    }
    if (age <= plan.ttlMs + plan.swrMs || (soft && age <= plan.ttlMs)) {
      this.#stats.count(region, 'stale', tier)
      this.#emit({ type: 'stale', key: plan.key, region, model: plan.model, tier, age })
      this.#refreshInBackground(plan, load)
      return { result: { data: value(), info: { status: 'stale', tier, region, key: plan.key, age } } }
    }
    if (age <= plan.ttlMs + plan.swrMs + plan.region.staleIfErrorMs)
      return { fallback: { tier, storedAt, value } }
    return {}
  }

  async #readRedis(plan: ReadPlan, load: () => Promise<unknown>, fallback?: Fallback): Promise<ReadResult> {
    const redis = this.#redis as RedisTier
    const dependencies = [...plan.dependencies, plan.softDependency]
    let captured: Capture | undefined
    let failed = false
    const validation = this.#validation()
    try {
      const { bytes, versions } = await redis.lookup(plan.key, dependencies)
      this.#versions.learn(dependencies, versions)
      // Versions read before the load queries the database are a valid capture for it, unless this instance
      // knows of an invalidation that has not reached Redis yet.
      if (versions.every((v) => v !== null) && !this.#versions.anyHeld(dependencies))
        captured = { versions: versions as string[], validation }
      // The result of a load whose Redis write has not landed yet is newer than any entry there, and as good as
      // one by the same version check.
      const unlanded = this.#unlanded.get(plan.key)
      if (
        captured !== undefined &&
        unlanded !== undefined &&
        sameList(unlanded.versions, captured.versions)
      ) {
        const { data, storedAt } = unlanded
        const served = this.#serve(plan, load, 'redis', storedAt, false, () => copyValue(data))
        if (served.result !== undefined) return served.result
      }
      if (bytes !== null && captured !== undefined) {
        const served = this.#serveRedisEntry(plan, load, bytes, captured)
        if (served.result !== undefined) return served.result
        fallback ??= served.fallback
      }
    } catch (error) {
      this.#fail('redis', 'read', error, plan)
      failed = true
    }
    // A concurrent load may have finished while Redis answered.
    const memory = this.#readMemory(plan, load)
    if (memory.result !== undefined) return memory.result
    return this.#miss(plan, load, captured, fallback, failed)
  }

  #serveRedisEntry(
    plan: ReadPlan,
    load: () => Promise<unknown>,
    bytes: Uint8Array,
    capture: Capture,
  ): Lookup {
    const entry = this.#currentEntry(plan, bytes, capture.versions)
    if (entry === undefined) return {}
    const served = this.#serve(plan, load, 'redis', entry.storedAt, entry.soft, () => entry.data)
    if (served.result !== undefined) this.#keepRedisEntry(plan, entry, bytes.byteLength, capture.validation)
    return served
  }

  /** The Redis entry if it is valid for this plan at `current` versions; an undecodable one is reported. */
  #currentEntry(plan: ReadPlan, bytes: Uint8Array, current: readonly string[]): CurrentEntry | undefined {
    try {
      return decodeEntry(this.#codec, plan.key, bytes, plan.dependencies, current)
    } catch (error) {
      this.#fail('redis', 'decode', error, plan)
      return undefined
    }
  }

  /** Decoded fresh from bytes, the data is not shared; the memory tier keeps a private copy. */
  #keepRedisEntry(plan: ReadPlan, entry: CurrentEntry, size: number, validation: Validation): void {
    if (this.#memory === undefined || !plan.region.memory) return
    const { versions, softVersion, storedAt, data } = entry
    this.#keepInMemory(plan, versions, softVersion, storedAt, copyValue(data), size, validation)
  }

  #keepInMemory(
    plan: ReadPlan,
    versions: readonly string[],
    softVersion: string,
    storedAt: number,
    value: unknown,
    size: number,
    validation: Validation,
  ): void {
    const memory = this.#memory
    if (memory === undefined || !plan.region.memory) return
    // Only while nothing this instance knows has moved on since the capture.
    if (!this.#versions.matches(plan.dependencies, versions)) return
    if (this.#versions.peek(plan.softDependency) !== softVersion) return
    const entry: MemoryEntry = {
      dependencies: plan.dependencies,
      versions,
      softVersion,
      storedAt,
      value,
      size,
      epoch: validation.epoch,
      validatedAt: validation.at,
    }
    memory.set(plan.key, entry)
  }

  /** `redisFailed`: a Redis command of this read failed; the load skips Redis (at most one timeout per read). */
  async #miss(
    plan: ReadPlan,
    load: () => Promise<unknown>,
    captured?: Capture,
    fallback?: Fallback,
    redisFailed = false,
  ): Promise<ReadResult> {
    const region = plan.region.name
    this.#stats.count(region, 'misses')
    this.#emit({ type: 'miss', key: plan.key, region, model: plan.model })
    const existing = this.#flights.get(plan.key)
    let data: unknown
    try {
      data =
        existing !== undefined && !plan.refresh && this.#canJoin(plan, existing)
          ? await existing.promise
          : await this.#startLoad(plan, load, captured, redisFailed).promise
    } catch (error) {
      if (fallback === undefined || !isDatabaseFailure(error)) throw error
      // staleIfError: the database failed; an entry no write has invalidated is better than an error.
      this.#fail(undefined, 'load', error, plan)
      const age = Math.max(0, this.#clock() - fallback.storedAt)
      this.#stats.count(region, 'stale', fallback.tier)
      this.#emit({ type: 'stale', key: plan.key, region, model: plan.model, tier: fallback.tier, age })
      return {
        data: fallback.value(),
        info: { status: 'stale', tier: fallback.tier, region, key: plan.key, age },
      }
    }
    return { data: copyValue(data), info: { status: 'miss', region, key: plan.key, age: 0 } }
  }

  /**
   * A caller may share a load only if nothing it depends on changed since that load captured its versions, or,
   * before or without a capture (while it waits for the lock it may take another instance's entry), nothing
   * this instance knows changed at all.
   */
  #canJoin(plan: ReadPlan, flight: Flight): boolean {
    if (flight.versions === undefined) return this.#versions.changes === flight.changes
    return this.#versions.matches(plan.dependencies, flight.versions.slice(0, -1))
  }

  /** From now on, callers may join `flight` while `versions` (its capture) stay current. */
  #joinFrom(flight: Flight, versions: readonly string[]): void {
    flight.versions = versions
    flight.changes = undefined
  }

  #refreshInBackground(plan: ReadPlan, load: () => Promise<unknown>): void {
    if (this.#flights.has(plan.key)) return
    const flight = this.#startLoad(plan, load)
    const tracked = flight.promise.catch((error: unknown) => this.#fail(undefined, 'refresh', error, plan))
    this.#background.add(tracked)
    void tracked.finally(() => this.#background.delete(tracked))
  }

  #startLoad(plan: ReadPlan, load: () => Promise<unknown>, captured?: Capture, redisFailed = false): Flight {
    // A capture made by the lookup counts from the start; otherwise, until the load captures, any change stops
    // others joining.
    const flight: Flight =
      captured === undefined
        ? { versions: undefined, changes: this.#versions.changes, promise: Promise.resolve() }
        : { versions: captured.versions, changes: undefined, promise: Promise.resolve() }
    flight.promise = this.#load(plan, load, flight, captured, redisFailed).finally(() => {
      if (this.#flights.get(plan.key) === flight) this.#flights.delete(plan.key)
    })
    this.#flights.set(plan.key, flight)
    return flight
  }

  async #load(
    plan: ReadPlan,
    load: () => Promise<unknown>,
    flight: Flight,
    captured: Capture | undefined,
    redisFailed: boolean,
  ): Promise<unknown> {
    const redis = this.#redis
    let lock: LeaseLock | undefined
    let skipRedis = redisFailed
    // A refresh loads now by definition; everyone else shares one load across instances, unless this instance
    // holds an invalidation Redis has not taken: then it cannot store what it loads, nor use what others stored.
    if (
      redis !== undefined &&
      plan.region.redis &&
      plan.region.lock &&
      !plan.refresh &&
      !skipRedis &&
      !this.#versions.anyHeld(plan.dependencies) &&
      !this.#versions.isHeld(plan.softDependency)
    ) {
      const outcome = await lockOrWait({
        redis,
        key: plan.key,
        leaseMs: plan.region.lockLeaseMs,
        findEntry: () => this.#validEntry(plan, redis),
        onError: (error) => this.#fail('redis', 'lock', error, plan),
        track: (work) => this.track(work),
        afterWait: this.#hooks.afterLockWait && (() => this.#hooks.afterLockWait?.(plan.key)),
      })
      if (outcome.kind === 'loaded') return outcome.data
      lock = outcome.lock
      skipRedis = outcome.redisFailed
    }
    let stored: Promise<void> | undefined
    try {
      const result = await this.#loadAndStore(plan, load, flight, captured, skipRedis)
      stored = result.written
      return result.data
    } finally {
      if (lock !== undefined && redis !== undefined) this.track(releaseAfter(redis, lock, stored))
    }
  }

  /** The data of a current, fresh entry in Redis, or undefined. */
  async #validEntry(plan: ReadPlan, redis: RedisTier): Promise<unknown> {
    const dependencies = [...plan.dependencies, plan.softDependency]
    try {
      const validation = this.#validation()
      const { bytes, versions } = await redis.lookup(plan.key, dependencies)
      if (bytes === null || versions.some((v) => v === null)) return undefined
      this.#versions.learn(dependencies, versions)
      // A reply older than what this instance knows (a slow node) would validate an entry a write replaced.
      if (!this.#versions.matches(plan.dependencies, (versions as string[]).slice(0, -1))) return undefined
      if (this.#versions.anyHeld(dependencies)) return undefined
      const entry = this.#currentEntry(plan, bytes, versions as string[])
      // Only a fresh entry: a stale one is what a background refresh is replacing.
      if (entry === undefined || entry.soft || this.#clock() - entry.storedAt > plan.ttlMs) return undefined
      this.#keepRedisEntry(plan, entry, bytes.byteLength, validation)
      return entry.data
    } catch (error) {
      this.#fail('redis', 'lock-wait', error, plan)
      return undefined
    }
  }

  async #loadAndStore(
    plan: ReadPlan,
    load: () => Promise<unknown>,
    flight: Flight,
    captured: Capture | undefined,
    skipRedis: boolean,
  ): Promise<{ data: unknown; written: Promise<void> | undefined }> {
    const dependencies = [...plan.dependencies, plan.softDependency]
    let versions: string[] | undefined = captured?.versions
    const validation = captured?.validation ?? this.#validation()
    // After a failed Redis command in this read, the result is not stored: no capture, no second timeout.
    if (versions === undefined && !skipRedis) {
      try {
        versions = await this.#capture(plan, dependencies, flight)
      } catch (error) {
        this.#fail('redis', 'capture', error, plan)
      }
    }
    // Without a capture, a write this instance makes or hears of from now on still stops others joining.
    if (versions === undefined) flight.changes = this.#versions.changes
    if (this.#hooks.afterCapture !== undefined) await this.#hooks.afterCapture(plan.key)
    const started = this.#clock()
    const data = await load()
    this.#stats.count(plan.region.name, 'loads')
    if (this.#hooks.beforeStore !== undefined) await this.#hooks.beforeStore(plan.key)
    const written =
      versions === undefined ? undefined : this.#store(plan, versions, started, data, validation)
    this.#emit({
      type: 'load',
      key: plan.key,
      region: plan.region.name,
      model: plan.model,
      duration: this.#clock() - started,
      stored: versions !== undefined,
    })
    return { data, written }
  }

  /**
   * Versions to store a load under, or undefined when its result must not be stored. With Redis they come from
   * Redis even for a memory-only region: a version minted here could be ahead of Redis' counter, and then the
   * bumps that follow, which only move versions forward, would never invalidate the entry.
   */
  async #capture(
    plan: ReadPlan,
    dependencies: readonly string[],
    flight: Flight,
  ): Promise<string[] | undefined> {
    if (this.#redis !== undefined) {
      const entryTtl = plan.ttlMs + plan.swrMs + plan.region.staleIfErrorMs
      const versions = await this.#redis.currentVersions(
        dependencies,
        () => freshVersion(this.#clock()),
        entryTtl,
      )
      this.#versions.learn(dependencies, versions)
      // Redis does not show an invalidation this instance still holds: its versions would outlive the write.
      if (this.#versions.anyHeld(dependencies)) return undefined
      this.#joinFrom(flight, versions)
      return versions
    }
    const versions = this.#versions.current(dependencies)
    this.#joinFrom(flight, versions)
    return versions
  }

  #store(
    plan: ReadPlan,
    captured: readonly string[],
    storedAt: number,
    data: unknown,
    validation: Validation,
  ): Promise<void> | undefined {
    const versions = captured.slice(0, -1)
    const softVersion = captured[captured.length - 1] as string
    if (this.#memory !== undefined && plan.region.memory) {
      this.#keepInMemory(
        plan,
        versions,
        softVersion,
        storedAt,
        copyValue(data),
        estimateSize(data),
        validation,
      )
    }
    const redis = this.#redis
    if (redis === undefined || !plan.region.redis) return undefined
    const dependencies = plan.dependencies
    const ttl = plan.ttlMs + plan.swrMs + plan.region.staleIfErrorMs
    // Encoded and written after the caller has its answer: the versions were captured before the load, so a
    // late write can never make an invalidated result readable. Tracked so that close() waits for it.
    const write = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        const bytes = encodeEntry(this.#codec, dependencies, versions, softVersion, storedAt, data)
        return redis.setEntry(plan.key, bytes, ttl)
      })
      .catch((error: unknown) =>
        this.#fail(error instanceof SerializationError ? undefined : 'redis', 'write', error, plan),
      )
    const unlanded: Unlanded = { versions: captured, data, storedAt }
    this.#unlanded.set(plan.key, unlanded)
    void write.finally(() => {
      if (this.#unlanded.get(plan.key) === unlanded) this.#unlanded.delete(plan.key)
    })
    this.#background.add(write)
    void write.finally(() => this.#background.delete(write))
    return write
  }

  #validation(): Validation {
    return { epoch: this.#trust.stamp(), at: this.#clock() }
  }

  /** Reports cache trouble; never throws. */
  #fail(tier: TierName | undefined, operation: string, error: unknown, plan?: ReadPlan): void {
    if (plan !== undefined) this.#stats.count(plan.region.name, 'errors')
    if (tier !== undefined) this.#stats.tierError(tier)
    const err = error instanceof Error ? error : new Error(String(error))
    this.#emit({ type: 'error', error: err, operation, ...(plan !== undefined ? { key: plan.key } : {}) })
  }

  /** Reports a failure that happened outside a read (invalidation, bus). */
  reportError(tier: TierName | undefined, operation: string, error: unknown): void {
    this.#fail(tier, operation, error)
  }

  /** Background work still running (refreshes, Redis writes). */
  get pending(): number {
    return this.#background.size
  }

  /** Tracks background work so that `drain()` waits for it. */
  track(work: Promise<unknown> | undefined): void {
    if (work === undefined) return
    const tracked = work.catch((error: unknown) => this.#fail(undefined, 'background', error))
    this.#background.add(tracked)
    void tracked.finally(() => this.#background.delete(tracked))
  }

  /** Waits for background refreshes and writes. */
  async drain(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background])
  }
}
