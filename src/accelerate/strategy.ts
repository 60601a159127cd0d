import type { ResolvedRegion } from '../config/options.ts'
import { parseStrategy } from '../config/strategy.ts'
import { isPlainObject } from '../config/validate.ts'

/**
 * A `cacheStrategy` read as Accelerate read it, turned into the strategy `queryCache()` means the same by:
 * - one that gives `ttl` or `swr` gets 0 for the other, not the region's (Accelerate sent only what was given:
 *   `ttl` alone has no stale window, `swr` alone serves the stored result stale at once and refreshes it);
 * - one that gives neither (`{ tags }`, `{}`) is not cached, as Accelerate's `no-cache`: `false`, once checked;
 * - one that names a `region` (which Accelerate did not have) is left to the region, as in `queryCache()`;
 * - anything else (absent, `false`, not an object) is left as it is, for the cache to accept or refuse.
 * `where` names the read in errors (`User.findMany`). Throws `StrategyError` for an invalid strategy that is not
 * cached; the cache checks the others.
 */
export function accelerateStrategy(
  value: unknown,
  regions: ReadonlyMap<string, ResolvedRegion>,
  where: string,
): unknown {
  if (!isPlainObject(value) || value.region !== undefined) return value
  const { ttl, swr } = value
  if (ttl === undefined && swr === undefined) {
    parseStrategy(value, regions, where)
    return false
  }
  if (ttl === undefined) return { ...value, ttl: 0 }
  if (swr === undefined) return { ...value, swr: 0 }
  return value
}
