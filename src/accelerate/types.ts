/**
 * The public types of `prisma-query-cache/accelerate`, named and shaped as `@prisma/extension-accelerate` names
 * them, so that code typed against Accelerate compiles after the import line changes.
 */
import type { Prisma, PrismaClientExtends } from '@prisma/client/extension'
import type { DefaultArgs, InternalArgs } from '@prisma/client/runtime/client'
import type { ReadOperation } from '../prisma/operations.ts'
import type { queryRawCached } from '../prisma/raw-hooks.ts'
import type { CacheApi, CachedArgs, CachedReadResult, CacheStrategy, QueryCacheOptions } from '../types.ts'

/**
 * Options of `withAccelerate()`: every option of `queryCache()` (all optional; none gives the memory tier only).
 * Accelerate's own `fetch` option has nothing to call here and is refused.
 */
export type WithAccelerateOptions = QueryCacheOptions

/**
 * The `cacheStrategy` argument of the 8 reads, as Accelerate declares it (`PrismaCacheStrategy`), with what
 * `queryCache()` adds: `region`, `refresh`, and `false` to bypass. Read as Accelerate read it: see
 * {@link accelerateStrategy}.
 */
export interface PrismaCacheStrategy {
  readonly cacheStrategy?: CacheStrategy | false
}

/** How the cache answered a read, as Accelerate's `withAccelerateInfo()` reports it. */
export interface AccelerateInfo {
  /**
   * `ttl`: a fresh hit, no database query. `swr`: a stale hit within `swr`, while one refresh runs in the
   * background. `miss`: loaded from the database now. `none`: not cached (no `cacheStrategy`, a strategy with
   * neither `ttl` nor `swr`, `cacheStrategy: false`, or inside a transaction).
   */
  cacheStatus: 'ttl' | 'swr' | 'miss' | 'none'
  /** When the served result was loaded from the database (for a miss or `none`: now). */
  lastModified: Date
  /** The cache region that served the read (`default` unless a model or the strategy names one). */
  region: string
  /** Unique per call (a random UUID), for logs. */
  requestId: string
  /** 22 base64url characters, the same for the same model, operation and arguments (`cacheStrategy` aside). */
  signature: string
}

/** Input of `$accelerate.invalidate()`. */
export interface AccelerateInvalidateInput {
  /** Tags given in `cacheStrategy.tags`: 1–64 characters of letters, digits and `_-.:/@` each, at most 64. */
  tags: readonly string[]
}

/** What `$accelerate.invalidate()` and `invalidateAll()` resolve to, as Accelerate's did. */
export interface AccelerateInvalidateResult {
  /** Unique per call (a random UUID). */
  requestId: string
}

/** The `$accelerate` object added to the client. Both calls are global: every instance, every tier. */
export interface AccelerateApi {
  /**
   * Invalidates every cached read carrying one of `tags`, like `$cache.invalidate({ tags })`. Throws
   * `StrategyError` (before any Redis call) for input that is not `{ tags: string[] }` with valid tags.
   */
  invalidate(input: AccelerateInvalidateInput): Promise<AccelerateInvalidateResult>
  /** Invalidates everything in the namespace, like `$cache.invalidateAll()`. */
  invalidateAll(): Promise<AccelerateInvalidateResult>
}

/** A read's promise with Accelerate's `withAccelerateInfo()`. */
export interface AcceleratePromise<T> extends Prisma.PrismaPromise<T> {
  /**
   * Runs the read (once, shared with awaiting the read itself) and resolves to its data and how the cache
   * answered. A Prisma promise: it can go into a batch `$transaction([...])`, where reads are not cached (`none`).
   */
  withAccelerateInfo(): Prisma.PrismaPromise<{ data: T; info: AccelerateInfo }>
}

/** A read's promise under `withAccelerate()`: everything `queryCache()` gives, plus `withAccelerateInfo()`. */
export type AcceleratedRead<T, A, F extends ReadOperation> = CachedReadResult<T, A, F> &
  Pick<AcceleratePromise<Prisma.Result<T, A, F>>, 'withAccelerateInfo'>

/** A read method that takes arguments (`findUnique`), typed as `CachedReadMethods` types it. */
type ReadWithArgs<F extends ReadOperation> = <T, const A>(
  this: T,
  args: Prisma.Exact<A, CachedArgs<T, F>>,
) => AcceleratedRead<T, A, F>

/** A read method whose arguments are optional (`findMany`). */
type ReadWithOptionalArgs<F extends ReadOperation> = <T, const A>(
  this: T,
  args?: Prisma.Exact<A, CachedArgs<T, F>>,
) => AcceleratedRead<T, A, F>

/** The 8 read methods under `withAccelerate()`: `cacheStrategy` and `withAccelerateInfo()` there only. */
export type AcceleratedReadMethods = {
  findUnique: ReadWithArgs<'findUnique'>
  findUniqueOrThrow: ReadWithArgs<'findUniqueOrThrow'>
  findFirst: ReadWithOptionalArgs<'findFirst'>
  findFirstOrThrow: ReadWithOptionalArgs<'findFirstOrThrow'>
  findMany: ReadWithOptionalArgs<'findMany'>
  count: ReadWithOptionalArgs<'count'>
  aggregate: ReadWithArgs<'aggregate'>
  groupBy: ReadWithArgs<'groupBy'>
}

/** The client members `withAccelerate()` adds: `queryCache()`'s and `$accelerate`. */
export interface AcceleratedClientMembers {
  $cache: CacheApi
  $accelerate: AccelerateApi
  $queryRawCached: ReturnType<typeof queryRawCached>
}

/** What `withAccelerate()` returns: a Prisma extension, for `$extends`. */
export type AccelerateExtension = (
  client: any,
) => PrismaClientExtends<
  InternalArgs<{}, { $allModels: AcceleratedReadMethods }, {}, AcceleratedClientMembers> & DefaultArgs
>
