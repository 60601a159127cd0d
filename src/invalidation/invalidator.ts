import { TUNABLES } from '../config/defaults.ts'
import type { Reporter } from '../observability/events.ts'
import type { InvalidationJournal } from '../observability/journal.ts'
import type { BackgroundWork } from '../read/background-work.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { CacheEvent } from '../types.ts'
import type { InvalidationBus } from './bus.ts'
import { RetryTimer } from './retry-timer.ts'
import { freshVersion, type LocalVersions } from './versions.ts'

/** Why something was invalidated, as the `invalidate` event reports it. */
export type InvalidationCause = Extract<CacheEvent, { type: 'invalidate' }>['cause']

/** What an invalidation event says beyond its dependencies. */
export type InvalidationContext = Omit<
  Extract<CacheEvent, { type: 'invalidate' }>,
  'type' | 'dependencies' | 'mode' | 'cause'
>

/** Construction parameters of {@link Invalidator}. */
export interface InvalidatorOptions {
  versions: LocalVersions
  reporter: Reporter
  clock: () => number
  background: BackgroundWork
  /** With Redis: where versions live, and the bus that tells the other instances. */
  redis: RedisTier | undefined
  bus: InvalidationBus | undefined
  /** Where each invalidation is recorded, to say why a read missed. */
  journal: InvalidationJournal
}

/**
 * Makes entries unreadable by moving the versions of their dependencies forward: in this instance's versions
 * alone without Redis; with Redis, in Redis (one script for all dependencies of a write), then here, then on
 * every other instance through the bus. When Redis cannot take a bump, the dependencies are held on this instance
 * (nothing depending on them is served or stored) and the bump is retried until Redis takes it: an invalidation
 * is never lost to an outage, and this instance reads its own writes meanwhile.
 */
export class Invalidator {
  readonly #versions: LocalVersions
  readonly #reporter: Reporter
  readonly #clock: () => number
  readonly #background: BackgroundWork
  readonly #redis: RedisTier | undefined
  readonly #bus: InvalidationBus | undefined
  readonly #journal: InvalidationJournal
  /** Dependencies whose bump failed, with the number of the failure that left each pending. */
  readonly #pendingBumps = new Map<string, number>()
  #failedBumps = 0
  readonly #retry: RetryTimer

  constructor(options: InvalidatorOptions) {
    this.#versions = options.versions
    this.#reporter = options.reporter
    this.#clock = options.clock
    this.#background = options.background
    this.#redis = options.redis
    this.#bus = options.bus
    this.#journal = options.journal
    this.#retry = new RetryTimer(TUNABLES.retryMs, () => {
      if (this.#pendingBumps.size > 0) return this.#bumpInRedis([])
      this.#retry.stop()
      return Promise.resolve()
    })
  }

  /**
   * Makes every entry that depends on `dependencies` unreadable (hard) or stale (soft). Never throws: when Redis
   * fails, this instance still stops serving them and the failure is reported.
   */
  async invalidate(
    dependencies: readonly string[],
    mode: 'hard' | 'soft',
    cause: InvalidationCause,
    context?: InvalidationContext,
  ): Promise<void> {
    if (dependencies.length === 0) return
    if (this.#redis !== undefined) await this.#bumpInRedis(dependencies)
    else this.#versions.bump(dependencies)
    if (cause !== 'bus') {
      const { model, operation } = context ?? {}
      this.#journal.record(dependencies, cause, {
        ...(model !== undefined ? { model } : {}),
        ...(operation !== undefined ? { operation } : {}),
      })
    }
    this.#reporter.stats.invalidation()
    this.#reporter.emit({ type: 'invalidate', dependencies, mode, cause, ...context })
  }

  /** Bumps versions in Redis, with any bumps an outage left pending; holds and retries what fails. */
  async #bumpInRedis(dependencies: readonly string[]): Promise<void> {
    const redis = this.#redis as RedisTier
    const all = [...new Set([...this.#pendingBumps.keys(), ...dependencies])]
    const failuresBefore = this.#failedBumps
    const epoch = this.#bus?.stamp() ?? -1
    try {
      const versions = await redis.bumpVersions(all, () => freshVersion(this.#clock()))
      this.#versions.learn(all, versions, epoch)
      // A bump that failed while this one ran may be for a write this one does not cover: it stays pending.
      const settled = all.filter((dependency) => (this.#pendingBumps.get(dependency) ?? 0) <= failuresBefore)
      for (const dependency of settled) this.#pendingBumps.delete(dependency)
      this.#versions.release(settled)
      this.#background.track(this.#bus?.publish(all, versions, redis.client))
      if (this.#pendingBumps.size === 0) this.#retry.stop()
    } catch (error) {
      this.#versions.hold(dependencies)
      const failure = ++this.#failedBumps
      for (const dependency of dependencies) this.#pendingBumps.set(dependency, failure)
      this.#reporter.fail('redis', 'invalidate', error)
      this.#retry.start()
    }
  }

  /**
   * Dependencies whose invalidation Redis has not taken yet, or whose bus message has not been sent (an outage);
   * both are retried until Redis takes them.
   */
  get pending(): number {
    return this.#pendingBumps.size + (this.#bus?.unsent ?? 0)
  }

  /** Tries the pending bumps once more, then stops retrying for good. */
  async close(): Promise<void> {
    if (this.#pendingBumps.size > 0) await this.#bumpInRedis([])
    this.#retry.close()
  }
}
