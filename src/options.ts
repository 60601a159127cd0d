import { ConfigError, StrategyError } from './errors.ts'

/** A cache tier. `redis` is used only when `redis` is configured. */
export type TierName = 'memory' | 'redis'

/** The tiers a region may use, as data. */
export const TIER_NAMES = ['memory', 'redis'] as const satisfies readonly TierName[]

/** Settings of a named region. Every field is optional; missing ones come from {@link DEFAULTS}. */
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
   * win). Writes still invalidate. Default: cached only when `region` is set or the query asks.
   */
  cache?: boolean
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

/** An event reported through `onEvent`. */
export type CacheEvent =
  | { type: 'hit'; key: string; region: string; model: string; tier: TierName; age: number }
  | { type: 'stale'; key: string; region: string; model: string; tier: TierName; age: number }
  | { type: 'miss'; key: string; region: string; model: string }
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
    }
  | { type: 'error'; error: Error; operation: string; key?: string }
  /** The cross-instance invalidation bus went down or came (back) up. */
  | { type: 'bus'; state: 'up' | 'down' }

/** Minimal shape of an ioredis `Redis` or `Cluster` instance that this package uses. */
export interface RedisLike {
  /** ioredis' binary-safe MGET; used for the one-command lookup on a single Redis. */
  mgetBuffer?(...keys: string[]): Promise<(Buffer | null)[]>
  /** True on an ioredis `Cluster`. */
  isCluster?: boolean
  get(key: string): Promise<string | null>
  getBuffer(key: string): Promise<Buffer | null>
  mget(...keys: string[]): Promise<(string | null)[]>
  set(key: string, value: string | Buffer, mode: 'PX', ms: number): Promise<unknown>
  set(key: string, value: string | Buffer, mode: 'PX', ms: number, nx: 'NX'): Promise<unknown>
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  script(subcommand: 'LOAD', script: string): Promise<unknown>
  quit(): Promise<unknown>
  duplicate?(): RedisLike
  status?: string
}

/** Options of {@link queryCache}. */
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
  /** Milliseconds clock used for ages and expiry. Default `Date.now`. Inject one in tests. */
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

/** The defaults, in one place. */
export const DEFAULTS = {
  namespace: 'pqc',
  region: {
    ttl: 60,
    swr: 0,
    staleIfError: 0,
    tiers: ['memory', 'redis'] as readonly TierName[],
    lock: true,
    lockLease: 2,
  },
  memory: { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 },
  maxTags: 64,
  redisTimeoutMs: 250,
  /** While the invalidation bus is down, memory entries are served at most this long after validation. */
  busDownTrustMs: 500,
  /** How often invalidations that an outage kept from Redis are retried. */
  bumpRetryMs: 200,
  /** Most dependency versions an instance remembers; forgetting one only costs misses. */
  maxLocalVersions: 100_000,
} as const

/** A region with every setting resolved, durations in milliseconds. */
export interface ResolvedRegion {
  name: string
  ttlMs: number
  swrMs: number
  staleIfErrorMs: number
  /** Cluster-wide lease lock on misses (Redis only). */
  lock: boolean
  lockLeaseMs: number
  memory: boolean
  redis: boolean
}

/** Options after validation and defaulting. */
export interface ResolvedOptions {
  namespace: string
  regions: ReadonlyMap<string, ResolvedRegion>
  models: ReadonlyMap<string, { region?: string; cache?: boolean }>
  memory: { maxEntries: number; maxBytes: number } | false
  onEvent: ((event: CacheEvent) => void) | undefined
  clock: () => number
  scope: (() => string | number | null | undefined) | undefined
  requireScope: boolean
  redisTimeoutMs: number
}

const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/
const TAG_PATTERN = /^[A-Za-z0-9_.:/@-]{1,64}$/
const REGION_KEYS = ['ttl', 'swr', 'staleIfError', 'tiers', 'lock', 'lockLease'] as const
const MODEL_KEYS = ['region', 'cache'] as const
const MEMORY_KEYS = ['maxEntries', 'maxBytes'] as const
const OPTION_KEYS = [
  'redis',
  'namespace',
  'regions',
  'models',
  'memory',
  'onEvent',
  'clock',
  'redisTimeout',
  'scope',
  'requireScope',
] as const
const STRATEGY_KEYS = ['ttl', 'swr', 'tags', 'region', 'refresh'] as const

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function rejectUnknownKeys(where: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw new ConfigError(`${where}.${key} is not an option; known: ${known.join(', ')}`)
  }
}

function seconds(
  where: string,
  value: unknown,
  fallback: number,
  Err: typeof ConfigError = ConfigError,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Err(`${where} must be a finite number of seconds ≥ 0, got ${String(value)}`)
  }
  return value
}

function lockOption(where: string, value: unknown): boolean {
  if (value === undefined) return DEFAULTS.region.lock
  if (typeof value !== 'boolean') throw new ConfigError(`${where} must be a boolean`)
  return value
}

function positiveInteger(where: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${where} must be an integer ≥ ${min}, got ${String(value)}`)
  }
  return value
}

function resolveRegion(
  name: string,
  input: RegionOptions | undefined,
  redisConfigured: boolean,
): ResolvedRegion {
  const where = `regions.${name}`
  if (input !== undefined && !isPlainObject(input)) throw new ConfigError(`${where} must be an object`)
  const region = input ?? {}
  rejectUnknownKeys(where, region as Record<string, unknown>, REGION_KEYS)
  const tiers = region.tiers ?? DEFAULTS.region.tiers
  if (!Array.isArray(tiers) || tiers.length === 0 || tiers.some((t) => !TIER_NAMES.includes(t))) {
    throw new ConfigError(`${where}.tiers must be a non-empty array of ${TIER_NAMES.join(' | ')}`)
  }
  return {
    name,
    ttlMs: seconds(`${where}.ttl`, region.ttl, DEFAULTS.region.ttl) * 1000,
    swrMs: seconds(`${where}.swr`, region.swr, DEFAULTS.region.swr) * 1000,
    staleIfErrorMs:
      seconds(`${where}.staleIfError`, region.staleIfError, DEFAULTS.region.staleIfError) * 1000,
    lock: lockOption(`${where}.lock`, region.lock),
    lockLeaseMs: Math.max(
      1,
      seconds(`${where}.lockLease`, region.lockLease, DEFAULTS.region.lockLease) * 1000,
    ),
    memory: tiers.includes('memory'),
    redis: redisConfigured && tiers.includes('redis'),
  }
}

/**
 * Validates options that do not need the client (everything but model names) and fills in defaults.
 * Throws {@link ConfigError} naming the option.
 */
export function resolveOptions(input: QueryCacheOptions | undefined): ResolvedOptions {
  if (input !== undefined && !isPlainObject(input as unknown)) {
    throw new ConfigError('queryCache(options): options must be an object')
  }
  const options: QueryCacheOptions = input ?? {}
  rejectUnknownKeys('options', options as Record<string, unknown>, OPTION_KEYS)

  const namespace = options.namespace ?? DEFAULTS.namespace
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    throw new ConfigError(
      `namespace must be 1–64 characters of letters, digits, '_', '-', '.', got ${String(namespace)}`,
    )
  }
  if (options.redis !== undefined && typeof options.redis !== 'string') {
    const r = options.redis as unknown as Record<string, unknown>
    if (typeof r !== 'object' || r === null || typeof r.get !== 'function' || typeof r.eval !== 'function') {
      throw new ConfigError('redis must be an ioredis Redis or Cluster instance, or a redis:// URL')
    }
  }
  if (typeof options.redis === 'string' && !/^rediss?:\/\//.test(options.redis)) {
    throw new ConfigError(`redis URL must start with redis:// or rediss://, got ${options.redis}`)
  }
  const redisConfigured = options.redis !== undefined

  if (options.regions !== undefined && !isPlainObject(options.regions as unknown)) {
    throw new ConfigError('regions must be an object')
  }
  const regions = new Map<string, ResolvedRegion>()
  regions.set('default', resolveRegion('default', options.regions?.default, redisConfigured))
  for (const [name, region] of Object.entries(options.regions ?? {})) {
    if (!NAME_PATTERN.test(name))
      throw new ConfigError(`regions: region name '${name}' must match ${NAME_PATTERN}`)
    regions.set(name, resolveRegion(name, region, redisConfigured))
  }

  if (options.models !== undefined && !isPlainObject(options.models as unknown)) {
    throw new ConfigError('models must be an object')
  }
  const models = new Map<string, { region?: string; cache?: boolean }>()
  for (const [model, settings] of Object.entries(options.models ?? {})) {
    if (!isPlainObject(settings)) throw new ConfigError(`models.${model} must be an object`)
    rejectUnknownKeys(`models.${model}`, settings, MODEL_KEYS)
    if (
      settings.region !== undefined &&
      (typeof settings.region !== 'string' || !regions.has(settings.region))
    ) {
      throw new ConfigError(
        `models.${model}.region '${String(settings.region)}' is not a region; known: ${[...regions.keys()].join(', ')}`,
      )
    }
    if (settings.cache !== undefined && typeof settings.cache !== 'boolean') {
      throw new ConfigError(`models.${model}.cache must be a boolean`)
    }
    models.set(model, settings as { region?: string; cache?: boolean })
  }

  let memory: ResolvedOptions['memory']
  if (options.memory === false) memory = false
  else {
    if (options.memory !== undefined && !isPlainObject(options.memory as unknown)) {
      throw new ConfigError('memory must be an object or false')
    }
    const m = options.memory ?? {}
    rejectUnknownKeys('memory', m as Record<string, unknown>, MEMORY_KEYS)
    memory = {
      maxEntries: positiveInteger('memory.maxEntries', m.maxEntries, DEFAULTS.memory.maxEntries, 1),
      maxBytes: positiveInteger('memory.maxBytes', m.maxBytes, DEFAULTS.memory.maxBytes, 1024),
    }
  }
  if (options.onEvent !== undefined && typeof (options.onEvent as unknown) !== 'function') {
    throw new ConfigError('onEvent must be a function')
  }
  if (options.clock !== undefined && typeof (options.clock as unknown) !== 'function') {
    throw new ConfigError('clock must be a function')
  }

  if (options.scope !== undefined && typeof (options.scope as unknown) !== 'function') {
    throw new ConfigError('scope must be a function returning the caller scope')
  }
  if (options.requireScope !== undefined && typeof options.requireScope !== 'boolean') {
    throw new ConfigError('requireScope must be a boolean')
  }
  if (options.requireScope !== undefined && options.scope === undefined) {
    throw new ConfigError('requireScope needs scope')
  }
  return {
    namespace,
    regions,
    models,
    memory,
    onEvent: options.onEvent,
    clock: options.clock ?? Date.now,
    scope: options.scope,
    requireScope: options.requireScope ?? true,
    redisTimeoutMs: positiveInteger('redisTimeout', options.redisTimeout, DEFAULTS.redisTimeoutMs, 1),
  }
}

/** Checks `models` names against the client's models. Throws {@link ConfigError}. */
export function checkModelNames(options: ResolvedOptions, modelNames: readonly string[]): void {
  for (const model of options.models.keys()) {
    if (!modelNames.includes(model)) {
      throw new ConfigError(`models.${model} is not a model of this client; models: ${modelNames.join(', ')}`)
    }
  }
}

/** Validates tags (from a strategy or `invalidate`). */
export function checkTags(where: string, tags: unknown): readonly string[] {
  if (!Array.isArray(tags)) throw new StrategyError(`${where} must be an array of strings`)
  if (tags.length > DEFAULTS.maxTags)
    throw new StrategyError(`${where} has ${tags.length} tags; at most ${DEFAULTS.maxTags}`)
  for (const tag of tags) {
    if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) {
      throw new StrategyError(
        `${where}: tag ${JSON.stringify(tag)} must be 1–64 characters of letters, digits and _-.:/@`,
      )
    }
  }
  return tags as readonly string[]
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

/** A validated strategy: `undefined` fields fall back to model, region and defaults. */
export interface ParsedStrategy {
  ttlMs?: number
  swrMs?: number
  tags: readonly string[]
  region?: string
  refresh: boolean
}

const EMPTY_TAGS: readonly string[] = Object.freeze([])

/**
 * Validates a per-query `cacheStrategy`. Returns `false` for an explicit bypass and `undefined` when absent.
 * Throws {@link StrategyError} naming the field.
 */
export function parseStrategy(
  value: unknown,
  regions: ReadonlyMap<string, ResolvedRegion>,
  operation: string,
): ParsedStrategy | false | undefined {
  if (value === undefined) return undefined
  if (value === false) return false
  if (!isPlainObject(value)) {
    throw new StrategyError(`${operation}: cacheStrategy must be an object or false, got ${typeof value}`)
  }
  for (const key of Object.keys(value)) {
    if (!(STRATEGY_KEYS as readonly string[]).includes(key)) {
      throw new StrategyError(
        `${operation}: cacheStrategy.${key} is not an option; known: ${STRATEGY_KEYS.join(', ')}`,
      )
    }
  }
  const parsed: ParsedStrategy = { tags: EMPTY_TAGS, refresh: false }
  if (value.ttl !== undefined)
    parsed.ttlMs = seconds(`${operation}: cacheStrategy.ttl`, value.ttl, 0, StrategyError) * 1000
  if (value.swr !== undefined)
    parsed.swrMs = seconds(`${operation}: cacheStrategy.swr`, value.swr, 0, StrategyError) * 1000
  if (value.tags !== undefined) {
    parsed.tags = [...new Set(checkTags(`${operation}: cacheStrategy.tags`, value.tags))].sort()
  }
  if (value.region !== undefined) {
    if (typeof value.region !== 'string' || !regions.has(value.region)) {
      throw new StrategyError(
        `${operation}: cacheStrategy.region '${String(value.region)}' is not a region; known: ${[...regions.keys()].join(', ')}`,
      )
    }
    parsed.region = value.region
  }
  if (value.refresh !== undefined) {
    if (typeof value.refresh !== 'boolean')
      throw new StrategyError(`${operation}: cacheStrategy.refresh must be a boolean`)
    parsed.refresh = value.refresh
  }
  return parsed
}
