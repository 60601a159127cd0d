/** The client surface: `$cache`, memoized functions, and the typed cached read methods. Defaults named here live in `config/defaults.ts`. */
import type { Prisma } from '@prisma/client/extension'
import type { ReadOperation } from '../prisma/operations.ts'
import type { CacheEvent } from './events.ts'
import type { CacheStrategy, InvalidateInput } from './options.ts'
import type { CacheExplanation, CacheInfo, CacheStats } from './results.ts'

/** Options of `$cache.memoize()` and `$cache.getOrSet()`; precedence: these > region > defaults. */
export interface MemoizeOptions<A extends unknown[] = unknown[]> {
  /** Seconds a result is fresh. ≥ 0. Default: the region's `ttl`. */
  ttl?: number
  /** Seconds after `ttl` during which the stale result is served while one background call runs. ≥ 0. Default: the region's. */
  swr?: number
  /** Region whose settings (tiers, lock, `staleIfError`) apply. Default `'default'`. */
  region?: string
  /** Tags whose invalidation reaches the results, or a function of the call's arguments giving them. */
  tags?: readonly string[] | ((...args: A) => readonly string[])
  /** Models whose writes invalidate the results, beyond those of the reads the function makes. */
  models?: readonly string[]
}

/**
 * A memoized function: same parameters and result as the wrapped one. Its results are cached under its name and
 * canonical arguments, and invalidated by writes to whatever its Prisma reads read.
 */
export interface MemoizedFunction<A extends unknown[], R> {
  /** The cached result for these arguments, or the function's (then stored). */
  (...args: A): Promise<R>
  /** The result and how the cache answered, like a cached read's `withCacheInfo()`. */
  withCacheInfo(...args: A): Promise<{ data: R; info: CacheInfo }>
  /** Runs the function now, stores and returns its result. */
  refresh(...args: A): Promise<R>
  /** Invalidates the result of these arguments, on every tier and instance. */
  invalidate(...args: A): Promise<void>
  /** Invalidates the results of every argument list of this function, on every tier and instance. */
  invalidateAll(): Promise<void>
}

/** The `$cache` object added to the client. */
export interface CacheApi {
  /**
   * Memoizes `fn` under `name` (1–64 letters, digits and `_-.:/@`, unique per function). Every Prisma read the
   * call makes (cached or not, model or raw, nested memoized calls) becomes a dependency of the result; a call
   * that writes through the client, or reads inside a transaction, is not stored. Throws `StrategyError` for bad
   * options; a call rejects with `StrategyError` for arguments that cannot be keyed, before `fn` runs.
   */
  memoize<A extends unknown[], R>(
    name: string,
    fn: (...args: A) => Promise<R> | R,
    options?: MemoizeOptions<A>,
  ): MemoizedFunction<A, Awaited<R>>
  /** The cached result of `fn` under `name`, or `fn`'s (then stored): a memoized function without arguments. */
  getOrSet<R>(name: string, fn: () => Promise<R> | R, options?: MemoizeOptions<[]>): Promise<Awaited<R>>
  /** Invalidates by tags, models and/or regions, on every tier (hard by default). */
  invalidate(input: InvalidateInput): Promise<void>
  /** Invalidates everything in this namespace. */
  invalidateAll(): Promise<void>
  /** Counters, in total, per region and per tier. */
  stats(): CacheStats
  /** Waits for background work and closes connections this cache opened (never a client it was given). */
  close(): Promise<void>
  /** Calls `listener` for every event from now on, like the `onEvent` option; returns the function that stops it. */
  subscribe(listener: (event: CacheEvent) => void): () => void
  /**
   * Explains a cached read without running it: pass the read itself, not awaited
   * (`$cache.explain(prisma.user.findUnique({ where, cacheStrategy }))`). Resolves to its key, region, tiers,
   * dependencies and the state of its entry on each tier. Rejects with `StrategyError` for anything but a read of
   * a model of this client, or an invalid `cacheStrategy`.
   */
  explain(read: CachedPrismaPromise<unknown>): Promise<CacheExplanation>
}

/** A Prisma promise with `withCacheInfo()`. */
export interface CachedPrismaPromise<T> extends Prisma.PrismaPromise<T> {
  /** Runs the query and resolves to the data and how the cache answered. */
  withCacheInfo(): Promise<{ data: T; info: CacheInfo }>
}

/** Read arguments plus `cacheStrategy`. */
export type CachedArgs<T, F extends ReadOperation> = Prisma.Args<T, F> & {
  cacheStrategy?: CacheStrategy | false
}

/** A model delegate's payload type (what Prisma's `Result` reads), for the fluent relation API. */
type PayloadOf<T> = T extends { [K: symbol]: { types: { payload: infer P } } } ? P : never

/** A stand-in delegate of a payload, so that `Prisma.Result` can compute a related model's results. */
type WithPayload<P> = { [K: symbol]: { types: { payload: P } } }

/** The path `[K]` of a type, like Prisma's `Path`. */
type At<O, K extends PropertyKey> = O extends unknown ? (K extends keyof O ? O[K] : never) : never

/** The `select` of a relation's arguments (`true | { select?, include?, where? … }`). */
type SelectOf<Args> = NonNullable<At<Exclude<NonNullable<Args>, boolean>, 'select'>>

/**
 * The fluent relation API on a cached `findUnique`/`findFirst` (and their `OrThrow`), as Prisma types it on a plain
 * client: `prisma.user.findUnique({ where }).posts()` reads that user's posts. Each step is a cached read too
 * (with the `cacheStrategy` of the first), and can go on through to-one relations.
 */
export type CachedFluentApi<Payload, Select, F extends FluentReadOperation, Null> = {
  [K in keyof At<Payload, 'objects'>]: <A>(
    args?: Prisma.Exact<A, At<Select, K>>,
  ) => CachedPrismaPromise<
    At<Prisma.Result<WithPayload<Payload>, { select: { [P in K]: A } }, F>, K> | Null
  > &
    (NonNullable<At<At<Payload, 'objects'>, K>> extends readonly unknown[]
      ? unknown
      : CachedFluentApi<
          NonNullable<At<At<Payload, 'objects'>, K>>,
          SelectOf<At<Select, K>>,
          F,
          Null | (null extends At<At<Payload, 'objects'>, K> ? null : never)
        >)
}

/** The reads that have the fluent relation API. */
export type FluentReadOperation = 'findUnique' | 'findUniqueOrThrow' | 'findFirst' | 'findFirstOrThrow'

/** A cached read's promise: the fluent relation API where Prisma has it. */
export type CachedReadResult<T, A, F extends ReadOperation> = F extends FluentReadOperation
  ? CachedPrismaPromise<Prisma.Result<T, A, F>> &
      CachedFluentApi<
        PayloadOf<T>,
        SelectOf<{ select: At<Prisma.Args<T, F>, 'select'> }>,
        F,
        F extends 'findUnique' | 'findFirst' ? null : never
      >
  : CachedPrismaPromise<Prisma.Result<T, A, F>>

/**
 * The 8 read methods, typed so that `cacheStrategy` is accepted there and nowhere else. `A` has no constraint on
 * purpose: one that depends on `T` stops TypeScript from inferring `A`, and aggregate results lose their shape.
 * It is a `const` type parameter so that literals (`orderBy: { id: 'asc' }`) keep their types without one.
 */
export type CachedReadMethods = {
  findUnique<T, const A>(
    this: T,
    args: Prisma.Exact<A, CachedArgs<T, 'findUnique'>>,
  ): CachedReadResult<T, A, 'findUnique'>
  findUniqueOrThrow<T, const A>(
    this: T,
    args: Prisma.Exact<A, CachedArgs<T, 'findUniqueOrThrow'>>,
  ): CachedReadResult<T, A, 'findUniqueOrThrow'>
  findFirst<T, const A>(
    this: T,
    args?: Prisma.Exact<A, CachedArgs<T, 'findFirst'>>,
  ): CachedReadResult<T, A, 'findFirst'>
  findFirstOrThrow<T, const A>(
    this: T,
    args?: Prisma.Exact<A, CachedArgs<T, 'findFirstOrThrow'>>,
  ): CachedReadResult<T, A, 'findFirstOrThrow'>
  findMany<T, const A>(
    this: T,
    args?: Prisma.Exact<A, CachedArgs<T, 'findMany'>>,
  ): CachedPrismaPromise<Prisma.Result<T, A, 'findMany'>>
  count<T, const A>(
    this: T,
    args?: Prisma.Exact<A, CachedArgs<T, 'count'>>,
  ): CachedPrismaPromise<Prisma.Result<T, A, 'count'>>
  aggregate<T, const A>(
    this: T,
    args: Prisma.Exact<A, CachedArgs<T, 'aggregate'>>,
  ): CachedPrismaPromise<Prisma.Result<T, A, 'aggregate'>>
  groupBy<T, const A>(
    this: T,
    args: Prisma.Exact<A, CachedArgs<T, 'groupBy'>>,
  ): CachedPrismaPromise<Prisma.Result<T, A, 'groupBy'>>
}

/** A `Prisma.sql\`…\`` query object (its fragments and values). */
export interface RawSql {
  readonly strings: readonly string[]
  readonly values: readonly unknown[]
}
