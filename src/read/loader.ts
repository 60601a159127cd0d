import type { DerivedDependencies } from '../invalidation/read-dependencies.ts'
import type { LocalVersions } from '../invalidation/versions.ts'
import { freshVersion } from '../invalidation/versions.ts'
import { mergeBasis, outsideMemo } from '../memo/context.ts'
import type { Reporter } from '../observability/events.ts'
import type { Load } from '../observability/telemetry/read-span.ts'
import { isDatabaseFailure } from '../prisma/internals.ts'
import type { TransactionWindow } from '../prisma/transactions.ts'
import { copyValue, estimateSize } from '../storage/copy.ts'
import { sameList } from '../storage/entry.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { StoredEntry } from '../storage/tier.ts'
import type { MissReason } from '../types.ts'
import type { BackgroundWork } from './background-work.ts'
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

  constructor(options: LoaderOptions) {
    this.#versions = options.versions
    this.#reporter = options.reporter
    this.#clock = options.clock
    this.#background = options.background
    this.#memory = options.memory
    this.#redis = options.redis
    this.#hooks = options.hooks ?? {}
    this.#transactions = options.transactions
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
    const validation = captured?.validation ?? this.#validation()
    const confirmations: Promise<boolean>[] = []
    // After a failed Redis command in this read, the result is not stored: no capture, no second timeout.
    if (versions === undefined && !skipRedis) {
      try {
        // Without Redis the capture is synchronous: others may join from this very turn.
        const capture = this.#capture(plan, plan.captureDependencies, confirmations)
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
    const derived = versions === undefined ? undefined : plan.derive?.(data)
    let written: Promise<void> | undefined
    let stored = versions !== undefined
    if (versions !== undefined) {
      // Pins the result gave are captured now, before the result is kept (see #captureDerived).
      const extra =
        derived === undefined || derived.pins.length === 0
          ? undefined
          : await this.#captureDerived(plan, versions, derived, confirmations)
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

  #validation(): Validation {
    return this.#redis?.reader.validation() ?? { epoch: 0, at: this.#clock() }
  }

  /**
   * The current versions of `dependencies`, or undefined when a result loaded now must not be stored under them.
   * With Redis they are never minted here: a version minted here could be ahead of Redis' counter, and then the
   * bumps that follow, which only move versions forward, would never invalidate the entry. They come from Redis,
   * or for a memory-only region from what this instance learnt from Redis under the live bus subscription.
   */
  #capture(
    plan: ReadPlan,
    dependencies: readonly string[],
    confirmations: Promise<boolean>[],
  ): string[] | Promise<string[] | undefined> {
    const redis = this.#redis
    if (redis === undefined) return this.#versions.current(dependencies)
    // An entry only this instance keeps (memory-only region) needs no round trip before its load when the
    // versions are known under the live bus subscription: a later bump reaches this instance as it reaches its
    // other memory entries. The version keys must still outlive the entry (a key that expired would start again
    // at a fresh version, maybe below this one): Redis extends them while the load runs, and the entry is kept
    // only if none had to be created again or moved (`confirmations`).
    if (!plan.region.redis) {
      const known = this.#versions.confirmed(dependencies, redis.reader.validation().epoch)
      if (known !== undefined) {
        confirmations.push(this.#keepAlive(redis.tier, plan, dependencies, known))
        return known
      }
    }
    return this.#captureInRedis(redis.tier, dependencies, entryLifetime(plan))
  }

  /**
   * The versions of `dependencies` now, read before a query a memoized call makes without the cache (G1), for an
   * entry that lives `lifetimeMs`; undefined when they cannot be known. Never throws.
   */
  async captureNow(dependencies: readonly string[], lifetimeMs: number): Promise<string[] | undefined> {
    const redis = this.#redis
    if (redis === undefined) return this.#versions.current(dependencies)
    try {
      return await this.#captureInRedis(redis.tier, dependencies, lifetimeMs)
    } catch (error) {
      this.#reporter.fail('redis', 'capture', error)
      return undefined
    }
  }

  /** Whether Redis, asked to keep `dependencies` alive for `plan`'s entries, still has them at `known`. */
  async #keepAlive(
    redis: RedisTier,
    plan: ReadPlan,
    dependencies: readonly string[],
    known: readonly string[],
  ): Promise<boolean> {
    try {
      const versions = await this.#captureInRedis(redis, dependencies, entryLifetime(plan))
      return versions !== undefined && sameList(versions, known)
    } catch (error) {
      this.#reporter.fail('redis', 'capture', error, { region: plan.region.name, key: plan.key })
      return false
    }
  }

  async #captureInRedis(
    redis: RedisTier,
    dependencies: readonly string[],
    lifetimeMs: number,
  ): Promise<string[] | undefined> {
    const { epoch } = this.#validation()
    const versions = await redis.currentVersions(dependencies, () => freshVersion(this.#clock()), lifetimeMs)
    this.#versions.learn(dependencies, versions, epoch)
    // Redis does not show an invalidation this instance still holds: its versions would outlive the write.
    return this.#versions.anyHeld(dependencies) ? undefined : versions
  }

  /**
   * Versions of the pins a result gave, captured after the load. They are good only if no write reached their
   * models since the capture before the load (the guards kept their versions): any write that changed those rows
   * after the load read them either moved a guard before this capture, or moves the pin after it. Undefined
   * when the entry must not be stored.
   */
  async #captureDerived(
    plan: ReadPlan,
    captured: readonly string[],
    derived: DerivedDependencies,
    confirmations: Promise<boolean>[],
  ): Promise<{ dependencies: string[]; versions: string[] } | undefined> {
    const guards = plan.guards
    const after = await Promise.resolve(
      this.#capture(plan, [...derived.pins, ...guards], confirmations),
    ).catch((error: unknown) => {
      this.#reporter.fail('redis', 'capture', error, { region: plan.region.name, key: plan.key })
      return undefined
    })
    if (after === undefined) return undefined
    const before = plan.dependencies.length
    for (let i = 0; i < guards.length; i++) {
      if (after[derived.pins.length + i] !== captured[before + i]) return undefined
    }
    return { dependencies: derived.pins, versions: after.slice(0, derived.pins.length) }
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

/**
 * The entry of a result loaded under `captured` (the versions of the plan's capture dependencies): the plan's
 * dependencies, the guards whose pins the result could not give (at their captured versions), and the pins it
 * gave (`extra`, at the versions captured after the load).
 */
function entryOf(
  plan: ReadPlan,
  captured: readonly string[],
  storedAt: number,
  value: unknown,
  fallbacks: readonly string[],
  extra?: { dependencies: readonly string[]; versions: readonly string[] },
  collected?: Basis,
): StoredEntry {
  const known = plan.dependencies.length
  const dependencies = [...plan.dependencies]
  const versions = captured.slice(0, known)
  for (const model of fallbacks) {
    dependencies.push(model)
    versions.push(captured[known + plan.guards.indexOf(model)] as string)
  }
  if (extra !== undefined) {
    dependencies.push(...extra.dependencies)
    versions.push(...extra.versions)
  }
  // A memoized call's reads, each at the earliest version seen: any write after one of them invalidates it (G1).
  const all =
    collected === undefined ? { dependencies, versions } : mergeBasis({ dependencies, versions }, collected)
  return {
    dependencies: [...all.dependencies],
    versions: [...all.versions],
    softVersion: captured[captured.length - 1] as string,
    storedAt,
    value,
  }
}
