import type { ParsedStrategy } from '../config/strategy.ts'

/**
 * A model read's validated `cacheStrategy`, read as Accelerate read it rather than as `queryCache()` does:
 * - one that gives `ttl` or `swr` gets 0 for the other, not the region's (Accelerate sent only what was given:
 *   `ttl` alone has no stale window, `swr` alone serves the stored result stale at once and refreshes it);
 * - one that gives neither (`{ tags }`, `{}`) is not cached, as Accelerate's `no-cache`: `false`;
 * - one that names a `region` (which Accelerate did not have), `false` and none are left as they are.
 * `parsed` is the read's own (`parseStrategy` makes one per read): filled in place, nothing is allocated.
 */
export function accelerateReading(
  parsed: ParsedStrategy | false | undefined,
): ParsedStrategy | false | undefined {
  if (parsed === undefined || parsed === false || parsed.region !== undefined) return parsed
  if (parsed.ttlMs === undefined && parsed.swrMs === undefined) return false
  parsed.ttlMs ??= 0
  parsed.swrMs ??= 0
  return parsed
}
