/** Options of `queryCache()`, regions, models, strategies and the Redis client shape. Defaults named here live in `config/defaults.ts`. */
import type { CacheEvent } from './events.ts'

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
