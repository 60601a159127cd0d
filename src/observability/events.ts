import { QueryCacheError, TierError } from '../errors.ts'
import type { CacheEvent, TierName } from '../types.ts'
import type { StatsRecorder } from './stats.ts'

/** Where a failure happened, when it happened while serving a read. */
export interface FailureSite {
  region: string
  key: string
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * The error an `error` event carries: this package's own errors as they are, a tier's failure as a
 * {@link TierError} with the original as its `cause`, Prisma's errors (a background refresh whose query failed)
 * untouched, and anything else thrown wrapped in a {@link QueryCacheError}.
 */
export function reportedError(tier: TierName | undefined, operation: string, error: unknown): Error {
  if (error instanceof QueryCacheError) return error
  if (tier !== undefined)
    return new TierError(`${tier} ${operation} failed: ${messageOf(error)}`, { cause: error })
  if (error instanceof Error) return error
  return new QueryCacheError('E_UNEXPECTED', `${operation} failed: ${messageOf(error)}`, { cause: error })
}

/**
 * Reports what the cache does: events to `onEvent` (a listener that throws never breaks a query) and failures
 * to both the listener and the counters. Never throws.
 */
export class Reporter {
  readonly stats: StatsRecorder
  readonly #listeners = new Set<(event: CacheEvent) => void>()
  /** Hears every failure, listened to or not (the telemetry's error counter). */
  #onFailure: ((kind: string, tier: TierName | undefined) => void) | undefined

  /** `listener`: the `onEvent` option, if any; more can `subscribe()`. */
  constructor(stats: StatsRecorder, listener: ((event: CacheEvent) => void) | undefined) {
    this.stats = stats
    if (listener !== undefined) this.#listeners.add(listener)
  }

  /** True when someone listens: callers skip building events nobody reads. */
  get listening(): boolean {
    return this.#listeners.size > 0
  }

  /** Sets the function that hears every failure's operation and tier (one; for the telemetry). */
  countFailures(onFailure: (kind: string, tier: TierName | undefined) => void): void {
    this.#onFailure = onFailure
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: CacheEvent) => void): () => void {
    const own = (event: CacheEvent) => listener(event)
    this.#listeners.add(own)
    return () => {
      this.#listeners.delete(own)
    }
  }

  emit(event: CacheEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch {
        // A listener's failure is its own business.
      }
    }
  }

  /** Reports cache trouble: counted for the tier and, during a read, for its region; emitted as an `error` event. */
  fail(tier: TierName | undefined, operation: string, error: unknown, site?: FailureSite): void {
    if (site !== undefined) this.stats.count(site.region, 'errors')
    if (tier !== undefined) this.stats.tierError(tier)
    this.#onFailure?.(operation, tier)
    if (this.#listeners.size === 0) return
    const reported = reportedError(tier, operation, error)
    this.emit({ type: 'error', error: reported, operation, ...(site !== undefined ? { key: site.key } : {}) })
  }
}
