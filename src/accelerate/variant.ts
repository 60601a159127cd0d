import { randomUUID } from 'node:crypto'
import { checkTags } from '../config/strategy.ts'
import { isPlainObject, rejectUnknownKeys } from '../config/validate.ts'
import { StrategyError } from '../errors.ts'
import type { DecorateRead, RealPromise } from '../prisma/cached-reads.ts'
import type { ExtensionVariant } from '../prisma/extension.ts'
import { modelContext } from '../prisma/internals.ts'
import type { ReadOperation } from '../prisma/operations.ts'
import type { QueryCache } from '../query-cache.ts'
import type { CacheApi } from '../types.ts'
import { type ReadIdentity, withAccelerateInfo } from './info.ts'
import { accelerateReading } from './strategy.ts'
import type { AccelerateApi } from './types.ts'

const INVALIDATE_KEYS = ['tags'] as const

/** The region a read that is not cached reports: its strategy's, else its model's, else `default`. */
function regionOf(cache: QueryCache, model: string, args: unknown): string {
  const strategy = isPlainObject(args) ? args.cacheStrategy : undefined
  if (isPlainObject(strategy) && typeof strategy.region === 'string') return strategy.region
  return cache.options.models.get(model)?.region ?? 'default'
}

/** What `withAccelerateInfo()` needs of a read once it has run. */
function identify(cache: QueryCache, self: unknown, operation: ReadOperation, args: unknown): ReadIdentity {
  const { model } = modelContext(self)
  return { model, operation, args, region: regionOf(cache, model, args), clock: cache.options.clock }
}

/** Gives a read's promise `withAccelerateInfo()`. */
function withInfoMethod(cache: () => QueryCache): DecorateRead {
  return (promise, self, operation, args) => {
    ;(promise as RealPromise & { withAccelerateInfo?: unknown }).withAccelerateInfo = () =>
      withAccelerateInfo(promise, () => identify(cache(), self, operation, args))
  }
}

/** `$accelerate`: Accelerate's invalidation calls, on the cache's own (global: every instance, every tier). */
function accelerateApi(api: CacheApi): AccelerateApi {
  return {
    async invalidate(input) {
      const where = '$accelerate.invalidate'
      if (!isPlainObject(input)) throw new StrategyError(`${where}: input must be { tags: string[] }`)
      rejectUnknownKeys(where, input, INVALIDATE_KEYS, StrategyError)
      const tags = checkTags(`${where}: tags`, input.tags)
      if (tags.length === 0) throw new StrategyError(`${where}: tags must name at least one tag`)
      await api.invalidate({ tags })
      return { requestId: randomUUID() }
    },
    async invalidateAll() {
      await api.invalidateAll()
      return { requestId: randomUUID() }
    },
  }
}

/**
 * The Accelerate variant of the extension: strategies read as Accelerate read them (see `accelerateReading`),
 * `withAccelerateInfo()` on every read, `$accelerate` on the client; the rest is `queryCache()`'s.
 */
export function accelerateVariant(): ExtensionVariant {
  return {
    name: 'prisma-query-cache/accelerate',
    reading: accelerateReading,
    decorate: withInfoMethod,
    client: (api) => ({ $accelerate: accelerateApi(api) }),
  }
}
