export {
  ConfigError,
  QueryCacheError,
  ScopeError,
  SerializationError,
  StrategyError,
  TierError,
} from './errors.ts'
export {
  type CacheApi,
  type CachedArgs,
  type CachedPrismaPromise,
  type CachedReadMethods,
  queryCache,
} from './extension.ts'
export { READ_OPERATIONS, type ReadOperation, WRITE_OPERATIONS, type WriteOperation } from './operations.ts'
export {
  type CacheEvent,
  type CacheStrategy,
  DEFAULTS,
  type MemoryOptions,
  type ModelOptions,
  type QueryCacheOptions,
  type RedisLike,
  type RegionOptions,
  type TierName,
} from './options.ts'
export type { InvalidateInput } from './runtime.ts'
export type { CacheInfo, CacheStatus } from './stack.ts'
export type { CacheStats, RegionStats, TierStats } from './stats.ts'
