/** How a stored entry that is still valid (no hard invalidation reached it) may be used, by its age. */
export type Freshness =
  /** Serve it: a hit. */
  | 'fresh'
  /** Serve it and reload it in the background (within `swr`, or soft-invalidated within `ttl`). */
  | 'stale'
  /** Do not serve it, but keep it to answer if the load fails (`staleIfError`). */
  | 'fallback'
  /** Useless. */
  | 'expired'

/** The windows of a read, in milliseconds. */
export interface FreshnessWindows {
  ttlMs: number
  swrMs: number
  staleIfErrorMs: number
}

/**
 * Judges an entry by its age (ms since its load began) and whether its region was soft-invalidated since: fresh
 * up to `ttl` unless soft; stale up to `ttl + swr` (a soft-invalidated entry is never fresh: soft turns fresh into
 * stale, nothing else); kept for a failing load up to `ttl + swr + staleIfError`. Pure.
 */
export function judgeFreshness(age: number, soft: boolean, windows: FreshnessWindows): Freshness {
  const { ttlMs, swrMs } = windows
  if (age <= ttlMs && !soft) return 'fresh'
  if (age <= ttlMs + swrMs) return 'stale'
  if (age <= ttlMs + swrMs + windows.staleIfErrorMs) return 'fallback'
  return 'expired'
}

/** How long an entry of these windows is worth keeping at all (ms): past it, it is {@link judgeFreshness} `expired`. */
export function entryLifetime(windows: FreshnessWindows): number {
  return windows.ttlMs + windows.swrMs + windows.staleIfErrorMs
}
