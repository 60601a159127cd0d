/** What reads and `$cache` report: cache info, stats, explanations. Defaults named here live in `config/defaults.ts`. */
import type { MissReason } from './events.ts'
import type { TierName } from './options.ts'

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
  /** Why a miss missed. */
  reason?: MissReason
}

/** Counters of one region. */
export interface RegionStats {
  hits: number
  misses: number
  stale: number
  loads: number
  bypasses: number
  errors: number
}

/** Counters of one tier. */
export interface TierStats {
  hits: number
  errors: number
  /** Entries held (memory tier only). */
  entries?: number
  /** Encoded bytes held (memory tier only). */
  bytes?: number
}

/** What `$cache.stats()` returns: totals, and the same counters per region and per tier. */
export interface CacheStats extends RegionStats {
  invalidations: number
  /**
   * Dependencies whose invalidation or bus message an outage kept from Redis, being retried (0 when Redis has
   * them all and every message was published).
   */
  pendingInvalidations: number
  /**
   * Model writes: `rowPrecise` invalidated only the reads of the rows they changed; `modelWide` could not tell
   * some rows and invalidated every pinned read of a model, for the `reasons` counted here (a write may have
   * several).
   */
  writes: { rowPrecise: number; modelWide: number; reasons: Record<string, number> }
  regions: Record<string, RegionStats>
  tiers: Partial<Record<TierName, TierStats>>
}

/**
 * The state of a read's entry on one tier, as `$cache.explain()` finds it: `absent` (nothing stored), `fresh` (a
 * read would be a hit), `stale` (served while one background reload runs: within `swr`, or soft-invalidated),
 * `expired` (too old to serve, kept at most for `staleIfError`), `invalid` (a dependency it was loaded under moved
 * on: `reason` says which and what moved it), `unavailable` (Redis did not answer).
 */
export interface TierEntryState {
  tier: TierName
  state: 'absent' | 'fresh' | 'stale' | 'expired' | 'invalid' | 'unavailable'
  /** Clock time (ms) when the entry's load began. */
  storedAt?: number
  /** Clock time (ms) when it stops being fresh (`storedAt + ttl`). */
  expiresAt?: number
  /** Clock time (ms) when it stops being served stale (`storedAt + ttl + swr`). */
  staleUntil?: number
  /** What invalidated an `invalid` entry. */
  reason?: MissReason
  /**
   * Memory tier only: the bus may have missed an invalidation since the entry was validated (Redis was down or
   * the subscription came back), so the next read checks it against Redis before serving it.
   */
  unverified?: true
}

/** What `$cache.explain(read)` says of a read, without running it. */
export interface CacheExplanation {
  model: string
  operation: string
  /** Whether the read goes through the cache; when not, `bypass` says why and nothing else is filled in. */
  cached: boolean
  bypass?: 'strategy' | 'uncached-model' | 'transaction'
  region: string
  /** The cache key ('' for a bypass). */
  key: string
  /** Tiers the region uses, in the order a read asks them. */
  tiers: TierName[]
  /** Seconds fresh and stale-while-revalidate, after query > model > region precedence. */
  ttl: number
  swr: number
  /**
   * What invalidates the entry: the `models` it reads, the `rows` it is pinned to (`=Model.field=value`, including
   * the pins a stored result gave), its `tags`, and every dependency id in `ids` (with the region `@region` and the
   * namespace `*`).
   */
  dependencies: { models: string[]; rows: string[]; tags: string[]; ids: string[] }
  /** The entry on each tier the region uses. */
  entries: TierEntryState[]
}
