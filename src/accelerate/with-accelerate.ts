import { isPlainObject } from '../config/validate.ts'
import { ConfigError } from '../errors.ts'
import { EXTENSION_VARIANT, queryCache } from '../prisma/extension.ts'
import type { QueryCacheOptions } from '../types.ts'
import type { AccelerateExtension, WithAccelerateOptions } from './types.ts'
import { accelerateVariant } from './variant.ts'

/**
 * The drop-in replacement for `withAccelerate()` of `@prisma/extension-accelerate`: the same caching API
 * (`cacheStrategy: { ttl, swr, tags }`, `withAccelerateInfo()`, `$accelerate.invalidate()` and `invalidateAll()`)
 * on this package's cache, with everything `queryCache()` adds (automatic invalidation on writes, `$cache`,
 * `withCacheInfo()`, regions). No options: the memory tier only; any `queryCache()` option is accepted. Throws
 * `ConfigError` for invalid options, as `queryCache()` does.
 *
 * @example
 * import { withAccelerate } from 'prisma-query-cache/accelerate'
 * const prisma = new PrismaClient({ adapter }).$extends(withAccelerate({ redis: process.env.REDIS_URL }))
 */
export function withAccelerate(options: WithAccelerateOptions = {}): AccelerateExtension {
  if (!isPlainObject(options)) throw new ConfigError('withAccelerate(options): options must be an object')
  if ('fetch' in options) {
    throw new ConfigError(
      "withAccelerate: fetch is Accelerate's HTTP client option; this cache calls no HTTP API: remove it",
    )
  }
  const internal = { ...options, [EXTENSION_VARIANT]: accelerateVariant() } as QueryCacheOptions
  return queryCache(internal) as unknown as AccelerateExtension
}
