import type { LocalVersions } from '../invalidation/versions.ts'
import { freshVersion } from '../invalidation/versions.ts'
import type { Reporter } from '../observability/events.ts'
import { isDatabaseFailure } from '../prisma/internals.ts'
import { copyValue, estimateSize } from '../storage/copy.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { BackgroundWork } from './background-work.ts'
import { entryLifetime } from './freshness.ts'
import type { Capture, LookupState, ReadResult, Validation } from './lookup.ts'
import type { MemoryReader } from './memory-reader.ts'
import type { ReadPlan } from './planner.ts'
import type { RedisReader } from './redis-reader.ts'
import { type LeaseLock, lockOrWait, releaseAfter } from './stampede-lock.ts'
import type { WriteBehind } from './write-behind.ts'

/** Injection points for tests that force interleavings. Never set in production. */
export interface LoaderHooks {
  /** Runs after the load captured its versions and before it queries the database. */
  afterCapture?: (key: string) => Promise<void> | void
  /** Runs after the database answered and before the result is stored. */
  beforeStore?: (key: string) => Promise<void> | void
  /** Runs after a wait for another instance's lock found no entry, before trying the lock again. */
  afterLockWait?: (key: string) => Promise<void> | void
}

/** One load in progress, shared by the identical reads that may join it. */
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

/** Construction parameters of {@link Loader}. */
export interface LoaderOptions {
  versions: LocalVersions
  reporter: Reporter
  clock: () => number
  background: BackgroundWork
  memory: MemoryReader | undefined
  /** With Redis: the tier (lock, capture), its reader (lock waits) and the writer behind the caller. */
  redis: { tier: RedisTier; reader: RedisReader; writeBehind: WriteBehind } | undefined
  hooks?: LoaderHooks | undefined
}

/**
 * Loads what no tier could serve: one load per key at a time on this instance (flights), one per cluster with
 * the Redis lease lock; versions captured before the database read (G1); the result stored in memory at once and
 * in Redis behind the caller. A failed load is never stored, and `staleIfError` may answer for it.
 */
export class Loader {
  readonly #versions: LocalVersions
  readonly #reporter: Reporter
  readonly #clock: () => number
  readonly #background: BackgroundWork
  readonly #memory: LoaderOptions['memory']
  readonly #redis: LoaderOptions['redis']
  readonly #hooks: LoaderHooks
  readonly #flights = new Map<string, Flight>()

  constructor(options: LoaderOptions) {
    this.#versions = options.versions
    this.#reporter = options.reporter
    this.#clock = options.clock
    this.#background = options.background
    this.#memory = options.memory
    this.#redis = options.redis
    this.#hooks = options.hooks ?? {}
  }

  /** Serves a read that missed every tier, joining a load in flight when that is safe. */
  async miss(plan: ReadPlan, load: () => Promise<unknown>, state: LookupState): Promise<ReadResult> {
    const region = plan.region.name
    this.#reporter.stats.count(region, 'misses')
    this.#reporter.emit({ type: 'miss', key: plan.key, region, model: plan.model })
    const existing = this.#flights.get(plan.key)
    let data: unknown
    try {
      data =
        existing !== undefined && !plan.refresh && this.#canJoin(plan, existing)
          ? await existing.promise
          : await this.#start(plan, load, state.capture, state.redisFailed === true).promise
    } catch (error) {
      const fallback = state.fallback
      if (fallback === undefined || !isDatabaseFailure(error)) throw error
      // staleIfError: the database failed; an entry no write has invalidated is better than an error.
      this.#reporter.fail(undefined, 'load', error, { region, key: plan.key })
      const age = Math.max(0, this.#clock() - fallback.storedAt)
      this.#reporter.stats.count(region, 'stale', fallback.tier)
      this.#reporter.emit({
        type: 'stale',
        key: plan.key,
        region,
        model: plan.model,
        tier: fallback.tier,
        age,
      })
      return {
        data: fallback.value(),
        info: { status: 'stale', tier: fallback.tier, region, key: plan.key, age },
      }
    }
    return { data: copyValue(data), info: { status: 'miss', region, key: plan.key, age: 0 } }
  }

  /** Reloads a stale entry behind the caller that was served it, unless a load of that key is in flight. */
  refreshInBackground(plan: ReadPlan, load: () => Promise<unknown>): void {
    if (this.#flights.has(plan.key)) return
    this.#background.track(this.#start(plan, load).promise, 'refresh', {
      region: plan.region.name,
      key: plan.key,
    })
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

  #start(plan: ReadPlan, load: () => Promise<unknown>, captured?: Capture, redisFailed = false): Flight {
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
      const site = { region: plan.region.name, key: plan.key }
      const afterLockWait = this.#hooks.afterLockWait
      const outcome = await lockOrWait({
        redis: redis.tier,
        key: plan.key,
        leaseMs: plan.region.lockLeaseMs,
        clock: this.#clock,
        findEntry: () => redis.reader.findFresh(plan),
        onError: (error) => this.#reporter.fail('redis', 'lock', error, site),
        track: (work) => this.#background.track(work),
        afterWait: afterLockWait && (() => afterLockWait(plan.key)),
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
      if (lock !== undefined && redis !== undefined)
        this.#background.track(releaseAfter(redis.tier, lock, stored))
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
        this.#reporter.fail('redis', 'capture', error, { region: plan.region.name, key: plan.key })
      }
    }
    // Without a capture, a write this instance makes or hears of from now on still stops others joining.
    if (versions === undefined) flight.changes = this.#versions.changes
    if (this.#hooks.afterCapture !== undefined) await this.#hooks.afterCapture(plan.key)
    const started = this.#clock()
    const data = await load()
    this.#reporter.stats.count(plan.region.name, 'loads')
    if (this.#hooks.beforeStore !== undefined) await this.#hooks.beforeStore(plan.key)
    const written =
      versions === undefined ? undefined : this.#store(plan, versions, started, data, validation)
    this.#reporter.emit({
      type: 'load',
      key: plan.key,
      region: plan.region.name,
      model: plan.model,
      duration: this.#clock() - started,
      stored: versions !== undefined,
    })
    return { data, written }
  }

  #validation(): Validation {
    return this.#redis?.reader.validation() ?? { epoch: 0, at: this.#clock() }
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
      const lifetime = entryLifetime(plan)
      const versions = await this.#redis.tier.currentVersions(
        dependencies,
        () => freshVersion(this.#clock()),
        lifetime,
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
    if (this.#memory !== undefined && plan.region.memory) {
      const versions = captured.slice(0, -1)
      const softVersion = captured[captured.length - 1] as string
      const entry = {
        dependencies: plan.dependencies,
        versions,
        softVersion,
        storedAt,
        value: copyValue(data),
      }
      this.#memory.keep(plan, entry, estimateSize(data), validation)
    }
    const redis = this.#redis
    if (redis === undefined || !plan.region.redis) return undefined
    const lifetime = entryLifetime(plan)
    return redis.writeBehind.store(plan, captured, storedAt, data, lifetime)
  }
}
