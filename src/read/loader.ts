import type { LocalVersions } from '../invalidation/versions.ts'
import { outsideMemo } from '../memo/context.ts'
import type { Reporter } from '../observability/events.ts'
import type { Load } from '../observability/telemetry/read-span.ts'
import { isDatabaseFailure } from '../prisma/internals.ts'
import type { TransactionWindow } from '../prisma/transactions.ts'
import { copyValue, estimateSize } from '../storage/copy.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { StoredEntry } from '../storage/tier.ts'
import type { MissReason } from '../types.ts'
import type { BackgroundWork } from './background-work.ts'
import { entryOf, VersionCapture } from './capture.ts'
import { entryLifetime } from './freshness.ts'
import {
  type Basis,
  basisOf,
  type Capture,
  type Lease,
  type LookupState,
  type ReadResult,
  type Validation,
} from './lookup.ts'
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
  /** `LocalVersions.moves` when it started: a memoized call's flight is joined only while nothing moved. */
  started: number
  promise: Promise<unknown>
  /** What its result was stored under, once stored (see `ReadResult.basis`). */
  basis?: Basis
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
  /** On a client with one connection: loads that overlapped one of its transactions are not stored. */
  transactions?: TransactionWindow | undefined
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
  readonly #transactions: TransactionWindow | undefined
  readonly #flights = new Map<string, Flight>()
  readonly #capture: VersionCapture

  constructor(options: LoaderOptions) {
    this.#versions = options.versions
    this.#reporter = options.reporter
    this.#clock = options.clock
    this.#background = options.background
    this.#memory = options.memory
    this.#redis = options.redis
    this.#hooks = options.hooks ?? {}
    this.#transactions = options.transactions
    this.#capture = new VersionCapture(options)
  }

  /** See {@link VersionCapture.captureNow}. */
  captureNow(dependencies: readonly string[], lifetimeMs: number): Promise<string[] | undefined> {
    return this.#capture.captureNow(dependencies, lifetimeMs)
  }

  /** Serves a read that missed every tier, joining a load in flight when that is safe. */
  async miss(plan: ReadPlan, load: () => Promise<unknown>, state: LookupState): Promise<ReadResult> {
    const region = plan.region.name
    this.#reporter.stats.count(region, 'misses')
    const reason: MissReason = plan.refresh ? { kind: 'refresh' } : (state.reason ?? { kind: 'absent' })
    this.#reporter.emit({ type: 'miss', key: plan.key, region, model: plan.model, reason })
    const existing = this.#flights.get(plan.key)
    const join = existing !== undefined && !plan.refresh && this.#canJoin(plan, existing)
    if (join) state.lease?.release()
    let data: unknown
    const flight = join
      ? (existing as Flight)
      : this.#start(plan, load, state.capture, state.redisFailed === true, state.lease)
    try {
      data = await flight.promise
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
    return {
      data: copyValue(data),
      info: { status: 'miss', region, key: plan.key, age: 0, reason },
      basis: flight.basis,
    }
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
    // A memoized call's capture covers its own dependencies only, not those of the reads it is making.
    if (plan.collect !== undefined) return this.#versions.moves === flight.started
    if (flight.versions === undefined) return this.#versions.changes === flight.changes
    return this.#versions.matches(plan.captureDependencies.slice(0, -1), flight.versions.slice(0, -1))
  }

  /** From now on, callers may join `flight` while `versions` (its capture) stay current. */
  #joinFrom(flight: Flight, versions: readonly string[]): void {
    flight.versions = versions
    flight.changes = undefined
  }

  #start(
    plan: ReadPlan,
    load: () => Promise<unknown>,
    captured?: Capture,
    redisFailed = false,
    lease?: Lease,
  ): Flight {
    // A capture made by the lookup counts from the start; otherwise, until the load captures, any change stops
    // others joining.
    const started = this.#versions.moves
    const flight: Flight =
      captured === undefined
        ? { versions: undefined, changes: this.#versions.changes, started, promise: Promise.resolve() }
        : { versions: captured.versions, changes: undefined, started, promise: Promise.resolve() }
    flight.promise = this.#load(plan, load, flight, captured, redisFailed, lease).finally(() => {
      if (this.#flights.get(plan.key) === flight) this.#flights.delete(plan.key)
    })
    this.#flights.set(plan.key, flight)
    return flight
  }

  async #load(
    plan: ReadPlan,
    load: Load,
    flight: Flight,
    captured: Capture | undefined,
    redisFailed: boolean,
    lease: Lease | undefined,
  ): Promise<unknown> {
    const redis = this.#redis
    let lock: LeaseLock | undefined
    let skipRedis = redisFailed
    let run: () => Promise<unknown> = load
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
      const waitStarted = performance.now()
      const outcome = await lockOrWait({
        redis: redis.tier,
        key: plan.key,
        leaseMs: plan.region.lockLeaseMs,
        clock: this.#clock,
        findEntry: () => redis.reader.findFresh(plan),
        onError: (error) => this.#reporter.fail('redis', 'lock', error, site),
        track: (work) => this.#background.track(work),
        afterWait: afterLockWait && (() => afterLockWait(plan.key)),
        lease,
      })
      if (outcome.kind === 'loaded') return outcome.data
      const lockWaitMs = performance.now() - waitStarted
      run = () => load({ lockWaitMs })
      lock = outcome.lock
      skipRedis = outcome.redisFailed
    } else lease?.release()
    let stored: Promise<void> | undefined
    try {
      const result = await this.#loadAndStore(plan, run, flight, captured, skipRedis)
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
    let versions: string[] | undefined = captured?.versions
    const validation = captured?.validation ?? this.#capture.validation()
    const confirmations: Promise<boolean>[] = []
    // After a failed Redis command in this read, the result is not stored: no capture, no second timeout.
    if (versions === undefined && !skipRedis) {
      try {
        // Without Redis the capture is synchronous: others may join from this very turn.
        const capture = this.#capture.capture(plan, plan.captureDependencies, confirmations)
        versions = capture instanceof Promise ? await capture : capture
        if (versions !== undefined) this.#joinFrom(flight, versions)
      } catch (error) {
        this.#reporter.fail('redis', 'capture', error, { region: plan.region.name, key: plan.key })
      }
    }
    // Without a capture, a write this instance makes or hears of from now on still stops others joining.
    if (versions === undefined) flight.changes = this.#versions.changes
    if (this.#hooks.afterCapture !== undefined) await this.#hooks.afterCapture(plan.key)
    const started = this.#clock()
    const window = this.#transactions?.begin()
    // What the query reads is reported by this read's answer (its basis), not by the load, to a memoized caller.
    const data = await outsideMemo(load)
    // It may have read what a transaction of this client had not committed (one connection): not stored.
    if (this.#transactions !== undefined && !this.#transactions.untouched(window)) versions = undefined
    this.#reporter.stats.count(plan.region.name, 'loads')
    if (this.#hooks.beforeStore !== undefined) await this.#hooks.beforeStore(plan.key)
    const collected = plan.collect?.()
    if (plan.collect !== undefined && collected === undefined) versions = undefined
    // A memoized call's reads were captured for their own entries: their version keys must outlive this one too.
    if (versions !== undefined && collected !== undefined && collected.dependencies.length > 0)
      confirmations.push(this.#capture.confirm(plan, collected.dependencies, collected.versions))
    const derived = versions === undefined ? undefined : plan.derive?.(data)
    let written: Promise<void> | undefined
    let stored = versions !== undefined
    if (versions !== undefined) {
      // Pins the result gave are captured now, before the result is kept (see VersionCapture.derived).
      const extra =
        derived === undefined || derived.pins.length === 0
          ? undefined
          : await this.#capture.derived(plan, versions, derived, confirmations)
      stored = derived === undefined || derived.pins.length === 0 || extra !== undefined
      // Versions known without a round trip count once Redis keeps them alive as long as the entry, unchanged.
      if (stored && confirmations.length > 0) stored = (await Promise.all(confirmations)).every(Boolean)
      if (stored) {
        const entry = entryOf(plan, versions, started, data, derived?.fallbacks ?? [], extra, collected)
        flight.basis = basisOf(entry)
        written = this.#store(plan, entry, versions, validation)
      }
    }
    this.#reporter.emit({
      type: 'load',
      key: plan.key,
      region: plan.region.name,
      model: plan.model,
      duration: this.#clock() - started,
      stored,
    })
    return { data, written }
  }

  #store(
    plan: ReadPlan,
    entry: StoredEntry,
    captured: readonly string[],
    validation: Validation,
  ): Promise<void> | undefined {
    if (this.#memory !== undefined && plan.region.memory) {
      this.#memory.keep(
        plan,
        { ...entry, value: copyValue(entry.value) },
        estimateSize(entry.value),
        validation,
      )
    }
    const redis = this.#redis
    if (redis === undefined || !plan.region.redis) return undefined
    return redis.writeBehind.store(plan, entry, captured, entryLifetime(plan))
  }
}
