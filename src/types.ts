/**
 * Every public type of the package. Defaults named here live in `config/defaults.ts`.
 */
import type { Prisma } from '@prisma/client/extension'
import type { ReadOperation } from './prisma/operations.ts'

/** A cache tier. `redis` is used only when `redis` is configured. */
export type TierName = 'memory' | 'redis'

/** Settings of a named region. Every field is optional; missing ones come from `DEFAULTS.region`. */
export interface RegionOptions {
  /** Seconds a stored result is fresh. Integer or fraction ≥ 0. Default 60. */
  ttl?: number
  /** Seconds after `ttl` during which the stale result is served while one background reload runs. ≥ 0. Default 0. */
  swr?: number
  /** Seconds after `ttl + swr` during which a stale result is served when the database query fails. ≥ 0. Default 0. */
  staleIfError?: number
  /** Tiers to read and write, in order. Default `['memory', 'redis']` (Redis only when configured). */
  tiers?: readonly TierName[]
  /**
   * With Redis: concurrent identical misses on different instances cause one database query in total (a Redis
   * lease lock per key; the others wait for the entry). `false` turns it off. Default `true`.
   */
  lock?: boolean
  /** Seconds a lock holder may take before another instance loads instead. > 0. Default 2. */
  lockLease?: number
}

/** Per-model settings. */
export interface ModelOptions {
  /** Region whose settings apply to this model's reads; reads of the model are cached without a `cacheStrategy`. */
  region?: string
  /**
   * `false`: reads of this model are not cached unless a query passes a `cacheStrategy` object (query settings
   * win). Writes still invalidate. `true`: cached in `default` without a strategy. Default: cached only when
   * `region` is set or the query asks.
   */
  cache?: boolean
  /**
   * `false`: reads of this model are never pinned to rows; every write to it invalidates all of them, as a
   * model-level cache does. For columns whose equality the schema does not show (a collation set in SQL: a
   * case- or accent-insensitive PostgreSQL collation, SQLite's `COLLATE NOCASE`). Default `true`.
   */
  rowPrecision?: boolean
}

/** Bounds of the in-process memory tier. */
export interface MemoryOptions {
  /** Most entries kept. Integer ≥ 1. Default 10 000. */
  maxEntries?: number
  /**
   * Most bytes kept, counted as each result's encoded size (exact for results read from Redis, a conservative
   * estimate for results loaded here). Integer ≥ 1024. Default 64 MiB.
   */
  maxBytes?: number
}

/** Why a cached read missed, as `withCacheInfo()` and the `miss` event say. */
export type MissReason =
  /** No tier held an entry for the key (never loaded, expired out of Redis, or evicted from it). */
  | { kind: 'absent' }
  /** An entry was there, too old for this read's `ttl` and `swr`. */
  | { kind: 'expired'; age: number }
  /** The memory tier dropped the entry to stay within its bounds (and no other tier had it). */
  | { kind: 'evicted' }
  /**
   * An entry was there, but a dependency it was loaded under moved on: `dependency` (a model, `!Model`, a pin
   * `=Model.field=value`, a tag `#tag`, a region `@region`, the namespace `*`), moved by `cause` at `at` (clock ms)
   * through `model`/`operation` when a write did it; `cause: 'unknown'` when this instance did not see the move
   * (another instance, before its message arrived).
   */
  | {
      kind: 'invalidated'
      dependency: string
      cause: 'write' | 'api' | 'raw-sql' | 'bus' | 'unknown'
      at?: number
      model?: string
      operation?: string
    }
  /** The read asked to load now (`cacheStrategy.refresh`). */
  | { kind: 'refresh' }

/** An event reported through `onEvent`. */
export type CacheEvent =
  | { type: 'hit'; key: string; region: string; model: string; tier: TierName; age: number }
  | { type: 'stale'; key: string; region: string; model: string; tier: TierName; age: number }
  | { type: 'miss'; key: string; region: string; model: string; reason: MissReason }
  /**
   * A cached read answered: `duration` is milliseconds from the call to the answer (a `performance.now()`
   * interval, not the cache's clock).
   */
  | {
      type: 'read'
      key: string
      region: string
      model: string
      operation: string
      status: CacheStatus
      tier?: TierName
      duration: number
      reason?: MissReason
    }
  | { type: 'load'; key: string; region: string; model: string; duration: number; stored: boolean }
  | {
      type: 'bypass'
      model: string
      operation: string
      reason: 'strategy' | 'uncached-model' | 'transaction'
    }
  | {
      type: 'invalidate'
      dependencies: readonly string[]
      mode: 'hard' | 'soft'
      cause: 'write' | 'api' | 'raw-sql' | 'bus'
      model?: string
      operation?: string
      /** Why everything was invalidated (raw SQL that could not be analysed with confidence). */
      reason?: string
      /** Tables a raw statement writes, as written. */
      tables?: readonly string[]
      /**
       * A model write's precision: `row` when only the reads of the rows it changed were invalidated, `model`
       * when some model fell back to all its reads (see `reasons`).
       */
      precision?: 'row' | 'model'
      /** Why a write fell back to whole models. */
      reasons?: readonly string[]
    }
  | { type: 'error'; error: Error; operation: string; key?: string }
  /** The cross-instance invalidation bus went down or came (back) up. */
  | { type: 'bus'; state: 'up' | 'down' }
  /** The Redis circuit breaker opened (Redis is not asked for a while) or closed again. */
  | { type: 'breaker'; state: 'open' | 'closed' }
  /**
   * A memoized call's result was not stored: it wrote through the client (`write`, naming the first write's
   * `model` and `operation`), read inside a transaction (`transaction`), or made a read whose validity the cache
   * could not tell (`unknown-read`: a Redis failure, a result taken from another instance's lock holder).
   */
  | {
      type: 'uncacheable'
      name: string
      key: string
      reason: 'write' | 'transaction' | 'unknown-read'
      model?: string
      operation?: string
    }

/** Minimal shape of an ioredis `Redis` or `Cluster` instance that this package uses. */
export interface RedisLike {
  /** ioredis' binary-safe MGET; used for the one-command lookup on a single Redis. */
  mgetBuffer?(...keys: string[]): Promise<(Buffer | null)[]>
  /** True on an ioredis `Cluster`. */
  isCluster?: boolean
  get(key: string): Promise<string | null>
  getBuffer(key: string): Promise<Buffer | null>
  del(...keys: string[]): Promise<number>
  mget(...keys: string[]): Promise<(string | null)[]>
  set(key: string, value: string | Buffer, mode: 'PX', ms: number): Promise<unknown>
  set(key: string, value: string | Buffer, mode: 'PX', ms: number, nx: 'NX'): Promise<unknown>
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  /** ioredis' binary-safe EVALSHA and EVAL; used for a read's one-round-trip lookup on a single Redis. */
  evalshaBuffer?(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  evalBuffer?(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  script(subcommand: 'LOAD', script: string): Promise<unknown>
  quit(): Promise<unknown>
  duplicate?(): RedisLike
  status?: string
  /** ioredis events (`end`: the connection closed for good). */
  on?(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * An OpenTelemetry `Tracer` (`trace.getTracer(…)` or a provider's `getTracer(…)` from `@opentelemetry/api`), typed by
 * its shape so that this package's types do not need the API installed.
 */
export interface TelemetryTracer {
  startSpan(name: string, options?: object, context?: object): object
}

/** An OpenTelemetry `Meter` (`metrics.getMeter(…)` or a provider's `getMeter(…)`), typed by its shape. */
export interface TelemetryMeter {
  createCounter(name: string, options?: object): object
  createHistogram(name: string, options?: object): object
  createObservableGauge(name: string, options?: object): object
}

/**
 * Where spans and metrics go. Each one left out is the global one of `@opentelemetry/api` (the tracer provider is
 * looked up at every read, so one registered later is used; the meter provider when the client is extended).
 */
export interface TelemetryOptions {
  tracer?: TelemetryTracer
  meter?: TelemetryMeter
}

/** Options of `queryCache()`. */
export interface QueryCacheOptions {
  /**
   * ioredis `Redis` or `Cluster` instance, or a Redis URL (then ioredis must be installed and the connection is
   * owned and closed by `$cache.close()`). Absent: memory tier only, single instance.
   */
  redis?: RedisLike | string
  /**
   * Milliseconds any Redis command may take before it counts as failed (a miss, or for an invalidation a
   * reported error with the memory tier still invalidated). Integer ≥ 1. Default 250.
   */
  redisTimeout?: number
  /** Prefix of every Redis key; letters, digits, `_`, `-`, `.`, 1–64 chars. Default `'pqc'`. */
  namespace?: string
  /** Named regions. `default` always exists and applies when nothing else is chosen. */
  regions?: Record<string, RegionOptions>
  /** Per-model settings, by model name as in the schema (`User`). */
  models?: Record<string, ModelOptions>
  /** Memory tier bounds. `false` turns the memory tier off everywhere. */
  memory?: MemoryOptions | false
  /** Called synchronously for every cache event; exceptions it throws are swallowed. */
  onEvent?: (event: CacheEvent) => void
  /**
   * Milliseconds clock for everything the cache times: entry ages and expiry, the memory tier's TTL, the
   * bus's trust window, the circuit breaker and the lock lease deadline. Default `Date.now`. Inject one in
   * tests. (Timers that wait, such as retry intervals and lock polls, still run on real time.)
   */
  clock?: () => number
  /**
   * Caller scope added to every cache key, e.g. `() => tenantStorage.getStore()?.tenantId`, so that two scopes
   * never share an entry. Invalidation (automatic, models, tags, regions) still reaches every scope. Called when a
   * cached read runs. Default: none (one shared cache).
   */
  scope?: () => string | number | null | undefined
  /**
   * With `scope`: `true` (default) refuses a cached read whose scope function throws or returns nothing (null,
   * undefined or '') with a `ScopeError`; `false` serves such reads from the shared, unscoped cache.
   */
  requireScope?: boolean
  /**
   * OpenTelemetry spans (`query_cache.read`, `query_cache.load`, `query_cache.invalidate`) and metrics
   * (`query_cache.reads`, `query_cache.read.duration`, …), when `@opentelemetry/api` is installed. `false` turns
   * them off. Default: the global tracer and meter providers (nothing is recorded until an SDK registers them).
   */
  telemetry?: false | TelemetryOptions
}

/** Per-query cache settings, accepted by the 8 read operations. */
export interface CacheStrategy {
  /** Seconds the result is fresh. Overrides model and region. */
  ttl?: number
  /** Seconds after `ttl` during which the stale result is served while one background reload runs. */
  swr?: number
  /** Tags for `$cache.invalidate({ tags })`: 1–64 chars of letters, digits and `_-.:/@`; at most 64 tags. */
  tags?: readonly string[]
  /** Region whose settings apply. Must exist in `regions`. */
  region?: string
  /** Skip the lookup, load from the database now and store the fresh result. */
  refresh?: boolean
}

/** Cache settings of `$queryRawCached`: like {@link CacheStrategy}, plus the models the statement reads. */
export interface RawCacheStrategy extends Omit<CacheStrategy, 'refresh'> {
  /**
   * Models whose writes must invalidate this result (as in the schema: `User`). Raw reads are never analysed
   * for the tables they read: name them here, or give `tags` and invalidate them yourself. At least one of
   * `models` and `tags` is required.
   */
  models?: readonly string[]
  /** Skip the lookup, load now and store the fresh result. */
  refresh?: boolean
}

/** Input of `$cache.invalidate()`. */
export interface InvalidateInput {
  /** Tags given in `cacheStrategy.tags`. */
  tags?: readonly string[]
  /** Model names as in the schema (`User`): every cached read that depends on them. */
  models?: readonly string[]
  /** Region names: every entry of those regions. */
  regions?: readonly string[]
  /**
   * `'hard'` (default): never serve the old entries again. `'soft'` (regions only): serve the old entry while
   * exactly one caller reloads it in the background, like dogpile.cache's soft invalidation.
   */
  mode?: 'hard' | 'soft'
}

/** How a result was obtained. */
export type CacheStatus = 'hit' | 'stale' | 'miss' | 'bypass'

/** What `withCacheInfo()` reports next to the data. */
export interface CacheInfo {
  status: CacheStatus
  /** The tier that answered a hit or stale read. */
  tier?: TierName
  region: string
  /** The cache key ('' for a bypass). */
  key: string
  /** Milliseconds since the returned result was loaded from the database (0 for a miss or bypass). */
  age: number
  /** Why a miss missed. */
  reason?: MissReason
}

/** Counters of one region. */
export interface RegionStats {
  hits: number
  misses: number
  stale: number
  loads: number
  bypasses: number
  errors: number
}

/** Counters of one tier. */
export interface TierStats {
  hits: number
  errors: number
  /** Entries held (memory tier only). */
  entries?: number
  /** Encoded bytes held (memory tier only). */
  bytes?: number
}

/** What `$cache.stats()` returns: totals, and the same counters per region and per tier. */
export interface CacheStats extends RegionStats {
  invalidations: number
  /**
   * Dependencies whose invalidation or bus message an outage kept from Redis, being retried (0 when Redis has
   * them all and every message was published).
   */
  pendingInvalidations: number
  /**
   * Model writes: `rowPrecise` invalidated only the reads of the rows they changed; `modelWide` could not tell
   * some rows and invalidated every pinned read of a model, for the `reasons` counted here (a write may have
   * several).
   */
  writes: { rowPrecise: number; modelWide: number; reasons: Record<string, number> }
  regions: Record<string, RegionStats>
  tiers: Partial<Record<TierName, TierStats>>
}

/**
 * The state of a read's entry on one tier, as `$cache.explain()` finds it: `absent` (nothing stored), `fresh` (a
 * read would be a hit), `stale` (served while one background reload runs: within `swr`, or soft-invalidated),
 * `expired` (too old to serve, kept at most for `staleIfError`), `invalid` (a dependency it was loaded under moved
 * on: `reason` says which and what moved it), `unavailable` (Redis did not answer).
 */
export interface TierEntryState {
  tier: TierName
  state: 'absent' | 'fresh' | 'stale' | 'expired' | 'invalid' | 'unavailable'
  /** Clock time (ms) when the entry's load began. */
  storedAt?: number
  /** Clock time (ms) when it stops being fresh (`storedAt + ttl`). */
  expiresAt?: number
  /** Clock time (ms) when it stops being served stale (`storedAt + ttl + swr`). */
  staleUntil?: number
  /** What invalidated an `invalid` entry. */
  reason?: MissReason
  /**
   * Memory tier only: the bus may have missed an invalidation since the entry was validated (Redis was down or
   * the subscription came back), so the next read checks it against Redis before serving it.
   */
  unverified?: true
}

/** What `$cache.explain(read)` says of a read, without running it. */
export interface CacheExplanation {
  model: string
  operation: string
  /** Whether the read goes through the cache; when not, `bypass` says why and nothing else is filled in. */
  cached: boolean
  bypass?: 'strategy' | 'uncached-model' | 'transaction'
  region: string
  /** The cache key ('' for a bypass). */
  key: string
  /** Tiers the region uses, in the order a read asks them. */
  tiers: TierName[]
  /** Seconds fresh and stale-while-revalidate, after query > model > region precedence. */
  ttl: number
  swr: number
  /**
   * What invalidates the entry: the `models` it reads, the `rows` it is pinned to (`=Model.field=value`, including
   * the pins a stored result gave), its `tags`, and every dependency id in `ids` (with the region `@region` and the
   * namespace `*`).
   */
  dependencies: { models: string[]; rows: string[]; tags: string[]; ids: string[] }
  /** The entry on each tier the region uses. */
  entries: TierEntryState[]
}

/** The `$cache` object added to the client. */
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
