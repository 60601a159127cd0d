import type { MemoryTrust } from '../invalidation/bus.ts'
import { freshVersion, type LocalVersions } from '../invalidation/versions.ts'
import type { Reporter } from '../observability/events.ts'
import type { InvalidationJournal } from '../observability/journal.ts'
import { copyValue } from '../storage/copy.ts'
import { sameList } from '../storage/entry.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { StoredEntry } from '../storage/tier.ts'
import type { MissReason } from '../types.ts'
import type { BackgroundWork } from './background-work.ts'
import { entryLifetime } from './freshness.ts'
import {
  basisOf,
  type Candidate,
  type Capture,
  type Lease,
  type LookupState,
  type TierReader,
  type Validation,
} from './lookup.ts'
import type { MemoryReader } from './memory-reader.ts'
import type { ReadPlan } from './planner.ts'
import { type LeaseLock, leaseLockFor } from './stampede-lock.ts'
import type { WriteBehind } from './write-behind.ts'

/** Construction parameters of {@link RedisReader}. */
export interface RedisReaderOptions {
  redis: RedisTier
  versions: LocalVersions
  trust: MemoryTrust
  reporter: Reporter
  clock: () => number
  writeBehind: WriteBehind
  /** Where served Redis entries are kept for the next read, when the memory tier is on. */
  memory: MemoryReader | undefined
  /** Runs the release of a lease nobody used. */
  background: BackgroundWork
  /** What moved each dependency last, to say why a read missed. */
  journal: InvalidationJournal
}

/**
 * The Redis tier as the read path sees it: one round trip fetches the entry and the current versions of its
 * dependencies; an entry is valid when it recorded exactly those versions. The versions double as the capture
 * of the load that follows a miss, and move this instance's own versions forward.
 */
export class RedisReader implements TierReader {
  readonly tier = 'redis' as const
  readonly #redis: RedisTier
  readonly #versions: LocalVersions
  readonly #trust: MemoryTrust
  readonly #reporter: Reporter
  readonly #clock: () => number
  readonly #writeBehind: WriteBehind
  readonly #memory: MemoryReader | undefined
  readonly #journal: InvalidationJournal
  readonly #background: BackgroundWork

  constructor(options: RedisReaderOptions) {
    this.#background = options.background
    this.#journal = options.journal
    this.#redis = options.redis
    this.#versions = options.versions
    this.#trust = options.trust
    this.#reporter = options.reporter
    this.#clock = options.clock
    this.#writeBehind = options.writeBehind
    this.#memory = options.memory
  }

  uses(plan: ReadPlan): boolean {
    return plan.region.redis
  }

  /** When and under which epoch versions read now were read. */
  validation(): Validation {
    return { epoch: this.#trust.stamp(), at: this.#clock() }
  }

  /**
   * One round trip: the entry with the versions of the plan's dependencies, judged by Redis; when nothing there
   * is servable, the same trip is the capture of the load that follows and tries its lease lock (`state.lease`).
   */
  async lookup(plan: ReadPlan, state: LookupState): Promise<Candidate | undefined> {
    if (state.redisFailed === true) return undefined
    const dependencies = plan.captureDependencies
    const validation = this.validation()
    const lock = this.#redis.judges && this.#wantsLock(plan) ? leaseLockFor(plan.key) : undefined
    try {
      const reply = await this.#redis.read({
        key: plan.key,
        dependencies,
        now: validation.at,
        servableMs: plan.ttlMs + plan.swrMs,
        lifetimeMs: entryLifetime(plan),
        freshVersion: freshVersion(validation.at),
        lock: lock && { ...lock, leaseMs: plan.region.lockLeaseMs },
      })
      const { bytes, versions } = reply
      if (lock !== undefined && reply.outcome === 'load') state.lease = this.#lease(plan, lock, reply.locked)
      this.#versions.learn(dependencies, versions, validation.epoch)
      // Versions read before the load queries the database are a valid capture for it, unless this instance
      // knows of an invalidation that has not reached Redis yet.
      if (versions.some((v) => v === null) || this.#versions.anyHeld(dependencies)) return undefined
      const capture: Capture = { versions: versions as string[], validation }
      state.capture = capture
      // The result of a load whose Redis write has not landed yet is newer than any entry there, and as good as
      // one by the same version check.
      const unlanded = this.#writeBehind.unlanded(plan.key)
      if (
        unlanded !== undefined &&
        sameList(unlanded.versions, capture.versions) &&
        this.#landedValid(plan, unlanded.basis)
      ) {
        const { data, storedAt, basis } = unlanded
        return { tier: 'redis', storedAt, soft: false, value: () => copyValue(data), basis: basisOf(basis) }
      }
      if (bytes === null) return undefined
      const entry = await this.#current(
        plan,
        bytes,
        capture.versions,
        state,
        reply.outcome === 'servable' ? validation : undefined,
      )
      if (entry === undefined) return undefined
      return {
        tier: 'redis',
        storedAt: entry.storedAt,
        soft: capture.versions[capture.versions.length - 1] !== entry.softVersion,
        value: () => entry.value,
        keep: () => this.#keep(plan, entry, bytes.byteLength, validation),
        basis: basisOf(entry),
      }
    } catch (error) {
      this.#reporter.fail('redis', 'read', error, { region: plan.region.name, key: plan.key })
      state.redisFailed = true
      // The script may have taken the lock with its reply lost: no orphan lease may hold the others.
      if (lock !== undefined) this.#lease(plan, lock, true).release()
      return undefined
    }
  }

  /**
   * An unlanded entry recorded more than the plan's dependencies (a memoized call's reads): those must still be
   * at their recorded versions as this instance knows them, since Redis has not judged the entry.
   */
  #landedValid(plan: ReadPlan, entry: StoredEntry): boolean {
    if (entry.dependencies.length === plan.dependencies.length || plan.collect === undefined) return true
    return this.#versions.matches(entry.dependencies, entry.versions)
  }

  /** Whether a load after this read's lookup would take the lease lock (see `Loader`). */
  #wantsLock(plan: ReadPlan): boolean {
    return (
      plan.region.lock &&
      !this.#versions.anyHeld(plan.dependencies) &&
      !this.#versions.isHeld(plan.softDependency)
    )
  }

  #lease(plan: ReadPlan, lock: LeaseLock, taken: boolean): Lease {
    const site = { region: plan.region.name, key: plan.key }
    let released = !taken
    return {
      lock,
      taken,
      release: () => {
        if (released) return
        released = true
        this.#background.track(this.#redis.releaseLock(lock.key, lock.token), 'lock', site)
      },
    }
  }

  /**
   * For a caller waiting for another instance's load: the data of a current, fresh entry in Redis, or undefined.
   * Never throws.
   */
  async findFresh(plan: ReadPlan): Promise<unknown> {
    const dependencies = plan.captureDependencies
    try {
      // Read-only: a waiter writes nothing (the MGET of a plain lookup).
      const validation = this.validation()
      const { bytes, versions } = await this.#redis.lookup(plan.key, dependencies)
      if (bytes === null || versions.some((v) => v === null)) return undefined
      this.#versions.learn(dependencies, versions, validation.epoch)
      // A reply older than what this instance knows (a slow node) would validate an entry a write replaced.
      const hard = dependencies.slice(0, -1)
      if (!this.#versions.matches(hard, (versions as string[]).slice(0, -1))) return undefined
      if (this.#versions.anyHeld(dependencies)) return undefined
      const entry = await this.#current(plan, bytes, versions as string[])
      // Only a fresh entry: a stale one is what a background refresh is replacing.
      const soft = versions[versions.length - 1] !== entry?.softVersion
      if (entry === undefined || soft || this.#clock() - entry.storedAt > plan.ttlMs) return undefined
      this.#keep(plan, entry, bytes.byteLength, validation)
      return entry.value
    } catch (error) {
      this.#reporter.fail('redis', 'lock-wait', error, { region: plan.region.name, key: plan.key })
      return undefined
    }
  }

  /**
   * The decoded entry if it is valid at `captured` (the versions of the plan's capture dependencies); an
   * undecodable one is reported. An entry whose result gave it more pins than the plan knows costs one more
   * round trip for their versions.
   */
  async #current(
    plan: ReadPlan,
    bytes: Uint8Array,
    captured: readonly string[],
    state?: LookupState,
    judgedServable?: Validation,
  ): Promise<StoredEntry | undefined> {
    let entry: StoredEntry
    try {
      entry = this.#redis.decode(plan.key, bytes)
    } catch (error) {
      this.#reporter.fail('redis', 'decode', error, { region: plan.region.name, key: plan.key })
      return undefined
    }
    // An invalidation this instance made has not reached Redis yet: no entry that records it is served (a
    // memoized result records the dependencies of the reads it made, beyond the plan's).
    if (this.#versions.anyHeld(entry.dependencies)) return undefined
    const check = matchCaptured(entry, plan, captured)
    if (check === true) return entry
    if (check === false) {
      if (state !== undefined) state.reason ??= this.#why(entry, plan, captured)
      return undefined
    }
    // Redis read the pins the entry's result gave from its header, and found them current: learnt as read, so
    // that the memory tier can keep the entry.
    if (judgedServable !== undefined) {
      const pinned = check.positions.map((position) => entry.versions[position] as string)
      this.#versions.learn(check.dependencies, pinned, judgedServable.epoch)
      return entry
    }
    const versions = await this.#redis.readVersions(check.dependencies)
    this.#versions.learn(check.dependencies, versions)
    const moved = check.positions.findIndex((position, i) => entry.versions[position] !== versions[i])
    if (moved < 0) return entry
    if (state !== undefined) state.reason ??= this.#journal.reason(check.dependencies[moved] as string)
    return undefined
  }

  /** Which dependency of a Redis entry moved on (by the versions read with it), and what moved it. */
  #why(entry: StoredEntry, plan: ReadPlan, captured: readonly string[]): MissReason {
    const dependencies = plan.captureDependencies
    for (let i = 0; i < plan.dependencies.length; i++) {
      const position = entry.dependencies.indexOf(dependencies[i] as string)
      if (position < 0 || entry.versions[position] !== captured[i])
        return this.#journal.reason(dependencies[i] as string)
    }
    return { kind: 'absent' }
  }

  /** Decoded fresh from bytes, the value is not shared; the memory tier keeps a private copy. */
  #keep(plan: ReadPlan, entry: StoredEntry, size: number, validation: Validation): void {
    this.#memory?.keep(plan, { ...entry, value: copyValue(entry.value) }, size, validation)
  }
}

/**
 * Whether an entry recorded the versions `captured` holds for the plan's dependencies and guards: `true`, `false`,
 * or the dependencies it recorded beyond them (pins its result gave), whose versions must be read to tell.
 */
export function matchCaptured(
  entry: StoredEntry,
  plan: ReadPlan,
  captured: readonly string[],
): boolean | { dependencies: string[]; positions: number[] } {
  const known = plan.dependencies
  const recorded = entry.dependencies
  if (recorded.length < known.length || entry.versions.length !== recorded.length) return false
  for (let i = 0; i < known.length; i++) {
    if (recorded[i] !== known[i] || entry.versions[i] !== captured[i]) return false
  }
  if (recorded.length === known.length) return true
  const guards = plan.guards
  const dependencies: string[] = []
  const positions: number[] = []
  for (let i = known.length; i < recorded.length; i++) {
    const guard = guards.indexOf(recorded[i] as string)
    if (guard < 0) {
      dependencies.push(recorded[i] as string)
      positions.push(i)
    } else if (entry.versions[i] !== captured[known.length + guard]) return false
  }
  return dependencies.length === 0 ? true : { dependencies, positions }
}
