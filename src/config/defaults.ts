import type { TierName } from '../types.ts'

/**
 * The defaults of every option a user can set, in one place. The README's options table is checked against
 * this object by `test/unit/config/defaults.test.ts`.
 */
export const DEFAULTS = {
  namespace: 'pqc',
  region: {
    /** Seconds. */
    ttl: 60,
    /** Seconds. */
    swr: 0,
    /** Seconds. */
    staleIfError: 0,
    tiers: ['memory', 'redis'] as readonly TierName[],
    lock: true,
    /** Seconds. */
    lockLease: 2,
  },
  memory: { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 },
  /** Milliseconds. */
  redisTimeout: 250,
  requireScope: true,
} as const

/**
 * Internal tunables: not options, not part of the public API, and the only place they live. Each one says what
 * it trades.
 */
export const TUNABLES = {
  /** Most tags one read may carry (a strategy is refused beyond). */
  maxTags: 64,
  /** While the invalidation bus is down, memory entries are served at most this long (ms) after validation. */
  busDownTrustMs: 500,
  /** Pause (ms) between attempts to send invalidations that an outage kept from Redis or from the bus. */
  retryMs: 200,
  /** Most dependency versions an instance remembers; forgetting one only costs misses. */
  maxLocalVersions: 100_000,
  /** Most dependencies a failing PUBLISH keeps; beyond, they are replaced by one resync message (G8). */
  maxUnsentBusVersions: 10_000,
  /** Lifetime (ms) of a version key that a bump creates; readers extend it to their entries' lifetime. */
  newVersionTtlMs: 60_000,
  /** Extra lifetime (ms) given to version keys beyond the entry being stored (covers the load's duration). */
  versionTtlMarginMs: 60_000,
  /** Circuit breaker: consecutive Redis failures that open it, and how long (ms) it stays open. */
  breaker: { failures: 5, openMs: 1_000 },
  /** An instance waiting for another one's load polls Redis first after this many ms, then backs off to the max. */
  lockPoll: { firstMs: 5, maxMs: 200 },
  /** Distinct object keys whose JSON text the key builder remembers (argument keys come from the schema). */
  quotedKeyCacheLimit: 4096,
  /** Dependencies whose last invalidation an instance remembers, to say why a read missed. */
  journalSize: 10_000,
  /** Keys the memory tier evicted that it remembers, to say a miss was an eviction. */
  evictedKeys: 1_024,
  /**
   * The dashboard's bounds (`prisma-query-cache/dashboard`): what it keeps in memory and publishes to Redis never
   * grows with traffic. Its time series are `windowBuckets` buckets of `bucketMs`.
   */
  dashboard: {
    /** Milliseconds per time-series bucket; also the period of gauge samples and Redis publishes. */
    bucketMs: 1_000,
    /** Buckets kept: the window the charts show (60 s). */
    windowBuckets: 60,
    /** Distinct region/model pairs charted; the reads of further pairs are charted as `other`. */
    maxSeries: 24,
    /** Keys whose reads are counted (space-saving top-k: a key that enters may evict the least read). */
    trackedKeys: 128,
    /** Hottest keys shown and published. */
    hotKeys: 20,
    /** Recent misses kept with their reasons. */
    recentMisses: 30,
    /** Lifetime (ms) of an instance's snapshot in Redis: an instance that stops publishing leaves the view. */
    snapshotTtlMs: 5_000,
    /** Most instances listed in Redis (those that published last are kept). */
    maxInstances: 32,
    /** Milliseconds the dashboard waits for Redis (publish, list) before it shows this instance alone. */
    redisTimeoutMs: 500,
  },
} as const
