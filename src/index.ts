export { DEFAULTS } from './config/defaults.ts'
export {
  ConfigError,
  QueryCacheError,
  ScopeError,
  SerializationError,
  StrategyError,
  TierError,
  UnsupportedPrismaError,
} from './errors.ts'
export { queryCache } from './prisma/extension.ts'
export {
  READ_OPERATIONS,
  type ReadOperation,
  WRITE_OPERATIONS,
  type WriteOperation,
} from './prisma/operations.ts'
export type {
  CacheApi,
  CachedArgs,
  CachedPrismaPromise,
  CachedReadMethods,
  CacheEvent,
  CacheInfo,
  CacheStats,
  CacheStatus,
  CacheStrategy,
  InvalidateInput,
  MemoizedFunction,
  MemoizeOptions,
  MemoryOptions,
  MissReason,
  ModelOptions,
  QueryCacheOptions,
  RawCacheStrategy,
  RawSql,
  RedisLike,
  RegionOptions,
  RegionStats,
  TierName,
  TierStats,
} from './types.ts'
