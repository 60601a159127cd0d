import type { RedisLike } from './types.ts'

/** What tools of this package see of a cache (`$cache[CACHE_INTERNALS]`); not public API. */
export interface CacheInternals {
  namespace: string
  /** This process's instance of the namespace. */
  instanceId: string
  redis: RedisLike | undefined
  regions: readonly string[]
  /** With Redis: whether the bus subscription is live. */
  busUp: boolean | undefined
  /** With Redis: whether the circuit breaker is open (Redis not asked for a while). */
  breakerOpen: boolean | undefined
  /** The memory tier's bounds, or undefined without one. */
  memory: { maxEntries: number; maxBytes: number } | undefined
}

/** The key under which `$cache` carries its {@link CacheInternals} (a registered symbol: not enumerable API). */
export const CACHE_INTERNALS: unique symbol = Symbol.for('prisma-query-cache.internals')
