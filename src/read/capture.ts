import type { DerivedDependencies } from '../invalidation/read-dependencies.ts'
import { freshVersion, type LocalVersions } from '../invalidation/versions.ts'
import { mergeBasis } from '../memo/context.ts'
import type { Reporter } from '../observability/events.ts'
import { sameList } from '../storage/entry.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { StoredEntry } from '../storage/tier.ts'
import { entryLifetime } from './freshness.ts'
import type { Basis, Validation } from './lookup.ts'
import type { ReadPlan } from './planner.ts'
import type { RedisReader } from './redis-reader.ts'

/** Construction parameters of {@link VersionCapture}. */
export interface VersionCaptureOptions {
  versions: LocalVersions
  reporter: Reporter
  clock: () => number
  /** With Redis: the tier that holds the versions and the reader that knows the bus subscription's epoch. */
  redis: { tier: RedisTier; reader: RedisReader } | undefined
}

/**
 * The versions a load is stored under (its capture), taken before the database read so that a write that lands
 * meanwhile leaves the result invalid (G1). With Redis they are never minted here: a version minted here could be
 * ahead of Redis' counter, and then the bumps that follow, which only move versions forward, would never
 * invalidate the entry.
 */
export class VersionCapture {
  readonly #versions: LocalVersions
  readonly #reporter: Reporter
  readonly #clock: () => number
  readonly #redis: VersionCaptureOptions['redis']

  constructor(options: VersionCaptureOptions) {
    this.#versions = options.versions
    this.#reporter = options.reporter
    this.#clock = options.clock
    this.#redis = options.redis
  }

  /** The trust epoch and time a capture made now is valid from. */
  validation(): Validation {
    return this.#redis?.reader.validation() ?? { epoch: 0, at: this.#clock() }
  }

  /**
   * The current versions of `dependencies`, or undefined when a result loaded now must not be stored under them.
   * They come from Redis, or for a memory-only region from what this instance learnt from Redis under the live bus
   * subscription: an entry only this instance keeps needs no round trip before its load then, since a later bump
   * reaches this instance as it reaches its other memory entries. The version keys must still outlive the entry
   * (a key that expired would start again at a fresh version, maybe below this one): Redis extends them while the
   * load runs, and the entry is kept only if none had to be created again or moved (`confirmations`).
   */
  capture(
    plan: ReadPlan,
    dependencies: readonly string[],
    confirmations: Promise<boolean>[],
  ): string[] | Promise<string[] | undefined> {
    const redis = this.#redis
    if (redis === undefined) return this.#versions.current(dependencies)
    if (!plan.region.redis) {
      const known = this.#versions.confirmed(dependencies, redis.reader.validation().epoch)
      if (known !== undefined) {
        confirmations.push(this.confirm(plan, dependencies, known))
        return known
      }
    }
    return this.#inRedis(redis.tier, dependencies, entryLifetime(plan))
  }

  /**
   * The versions of `dependencies` now, read before a query a memoized call makes without the cache (G1), for an
   * entry that lives `lifetimeMs`; undefined when they cannot be known. Never throws.
   */
  async captureNow(dependencies: readonly string[], lifetimeMs: number): Promise<string[] | undefined> {
    const redis = this.#redis
    if (redis === undefined) return this.#versions.current(dependencies)
    try {
      return await this.#inRedis(redis.tier, dependencies, lifetimeMs)
    } catch (error) {
      this.#reporter.fail('redis', 'capture', error)
      return undefined
    }
  }

  /**
   * Whether `dependencies` are still at `known` once Redis keeps them alive as long as `plan`'s entry: true at
   * once without Redis (the versions live in this process). Never throws.
   */
  async confirm(plan: ReadPlan, dependencies: readonly string[], known: readonly string[]): Promise<boolean> {
    const redis = this.#redis
    if (redis === undefined) return true
    try {
      const versions = await this.#inRedis(redis.tier, dependencies, entryLifetime(plan))
      return versions !== undefined && sameList(versions, known)
    } catch (error) {
      this.#reporter.fail('redis', 'capture', error, { region: plan.region.name, key: plan.key })
      return false
    }
  }

  /**
   * Versions of the pins a result gave, captured after the load. They are good only if no write reached their
   * models since the capture before the load (the guards kept their versions): any write that changed those rows
   * after the load read them either moved a guard before this capture, or moves the pin after it. Undefined
   * when the entry must not be stored.
   */
  async derived(
    plan: ReadPlan,
    captured: readonly string[],
    derived: DerivedDependencies,
    confirmations: Promise<boolean>[],
  ): Promise<{ dependencies: string[]; versions: string[] } | undefined> {
    const guards = plan.guards
    const after = await Promise.resolve(
      this.capture(plan, [...derived.pins, ...guards], confirmations),
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

  async #inRedis(
    redis: RedisTier,
    dependencies: readonly string[],
    lifetimeMs: number,
  ): Promise<string[] | undefined> {
    const { epoch } = this.validation()
    const versions = await redis.currentVersions(dependencies, () => freshVersion(this.#clock()), lifetimeMs)
    this.#versions.learn(dependencies, versions, epoch)
    // Redis does not show an invalidation this instance still holds: its versions would outlive the write.
    return this.#versions.anyHeld(dependencies) ? undefined : versions
  }
}

/**
 * The entry of a result loaded under `captured` (the versions of the plan's capture dependencies): the plan's
 * dependencies, the guards whose pins the result could not give (at their captured versions), the pins it gave
 * (`extra`, at the versions captured after the load) and, for a memoized call, what its reads depended on.
 */
export function entryOf(
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
