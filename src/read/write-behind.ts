import { SerializationError } from '../errors.ts'
import type { Reporter } from '../observability/events.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { StoredEntry } from '../storage/tier.ts'
import type { BackgroundWork } from './background-work.ts'
import type { ReadPlan } from './planner.ts'

/** A loaded result whose Redis write has not landed yet. */
export interface Unlanded {
  /** The versions its load captured (of the plan's capture dependencies, the soft version last). */
  versions: readonly string[]
  data: unknown
  storedAt: number
  /** The entry's own dependencies and versions (beyond the capture: pins, a memoized call's reads). */
  basis: StoredEntry
}

/**
 * Writes loaded results to Redis after the caller has its answer. The versions were captured before the load
 * read the database, so a late write can never make an invalidated result readable. Until a write lands, its
 * result is kept here ("unlanded"), so that a read on this instance does not miss for it.
 */
export class WriteBehind {
  readonly #redis: RedisTier
  readonly #background: BackgroundWork
  readonly #reporter: Reporter
  readonly #unlanded = new Map<string, Unlanded>()

  constructor(redis: RedisTier, background: BackgroundWork, reporter: Reporter) {
    this.#redis = redis
    this.#background = background
    this.#reporter = reporter
  }

  /** The result loaded for `key` whose write has not landed, if any. */
  unlanded(key: string): Unlanded | undefined {
    return this.#unlanded.size === 0 ? undefined : this.#unlanded.get(key)
  }

  /**
   * Encodes and writes `entry`, whose load captured `captured` (the versions of the plan's capture dependencies),
   * on a later turn of the event loop; the write is tracked (so `close()` waits for it) and never throws. Returns it, so that a lock holder releases its lease once the entry is there.
   */
  store(plan: ReadPlan, entry: StoredEntry, captured: readonly string[], ttlMs: number): Promise<void> {
    const write = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#redis.set(plan.key, entry, ttlMs))
      .catch((error: unknown) =>
        this.#reporter.fail(error instanceof SerializationError ? undefined : 'redis', 'write', error, {
          region: plan.region.name,
          key: plan.key,
        }),
      )
    const unlanded: Unlanded = {
      versions: captured,
      data: entry.value,
      storedAt: entry.storedAt,
      basis: entry,
    }
    this.#unlanded.set(plan.key, unlanded)
    void write.finally(() => {
      if (this.#unlanded.get(plan.key) === unlanded) this.#unlanded.delete(plan.key)
    })
    this.#background.track(write, 'write')
    return write
  }
}
