import { ConfigError } from '../errors.ts'
import type { CacheEvent, QueryCacheOptions, RegionOptions, TelemetryOptions, TierName } from '../types.ts'
import { DEFAULTS } from './defaults.ts'
import { booleanOption, integerAtLeast, isPlainObject, rejectUnknownKeys, seconds } from './validate.ts'

/** The tiers a region may use, as data. */
export const TIER_NAMES = ['memory', 'redis'] as const satisfies readonly TierName[]

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

/** Per-model settings after validation. */
export interface ResolvedModel {
  region?: string
  cache?: boolean
  rowPrecision?: boolean
}

/** Options after validation and defaulting. */
export interface ResolvedOptions {
  namespace: string
  regions: ReadonlyMap<string, ResolvedRegion>
  models: ReadonlyMap<string, ResolvedModel>
  memory: { maxEntries: number; maxBytes: number } | false
  onEvent: ((event: CacheEvent) => void) | undefined
  clock: () => number
  scope: (() => string | number | null | undefined) | undefined
  requireScope: boolean
  redisTimeoutMs: number
  telemetry: TelemetryOptions | false
}

const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/
const REGION_KEYS = ['ttl', 'swr', 'staleIfError', 'tiers', 'lock', 'lockLease'] as const
const MODEL_KEYS = ['region', 'cache', 'rowPrecision'] as const
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
  'telemetry',
] as const
const TELEMETRY_KEYS = ['tracer', 'meter'] as const

/** `telemetry`: `false`, or an object whose `tracer` and `meter` have the methods this package calls. */
function resolveTelemetry(input: unknown): TelemetryOptions | false {
  if (input === undefined) return {}
  if (input === false) return false
  if (!isPlainObject(input)) throw new ConfigError('telemetry must be false or an object { tracer?, meter? }')
  rejectUnknownKeys('telemetry', input, TELEMETRY_KEYS)
  const { tracer, meter } = input as Record<string, Record<string, unknown> | undefined>
  if (tracer !== undefined && typeof tracer?.startSpan !== 'function') {
    throw new ConfigError('telemetry.tracer must be an OpenTelemetry Tracer (with startSpan())')
  }
  const methods = ['createCounter', 'createHistogram', 'createObservableGauge'] as const
  if (meter !== undefined && methods.some((method) => typeof meter?.[method] !== 'function')) {
    throw new ConfigError(`telemetry.meter must be an OpenTelemetry Meter (with ${methods.join('(), ')}())`)
  }
  return input as TelemetryOptions
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
  const defaults = DEFAULTS.region
  return {
    name,
    ttlMs: seconds(`${where}.ttl`, region.ttl, defaults.ttl) * 1000,
    swrMs: seconds(`${where}.swr`, region.swr, defaults.swr) * 1000,
    staleIfErrorMs: seconds(`${where}.staleIfError`, region.staleIfError, defaults.staleIfError) * 1000,
    lock: booleanOption(`${where}.lock`, region.lock, defaults.lock),
    lockLeaseMs: Math.max(1, seconds(`${where}.lockLease`, region.lockLease, defaults.lockLease) * 1000),
    memory: tiers.includes('memory'),
    redis: redisConfigured && tiers.includes('redis'),
  }
}

function resolveRedis(redis: unknown): void {
  if (redis === undefined) return
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis))
      throw new ConfigError(`redis URL must start with redis:// or rediss://, got ${redis}`)
    return
  }
  const r = redis as Record<string, unknown>
  if (typeof r !== 'object' || r === null || typeof r.get !== 'function' || typeof r.eval !== 'function') {
    throw new ConfigError('redis must be an ioredis Redis or Cluster instance, or a redis:// URL')
  }
}

function resolveRegions(
  input: QueryCacheOptions['regions'],
  redisConfigured: boolean,
): Map<string, ResolvedRegion> {
  if (input !== undefined && !isPlainObject(input as unknown))
    throw new ConfigError('regions must be an object')
  const regions = new Map<string, ResolvedRegion>()
  regions.set('default', resolveRegion('default', input?.default, redisConfigured))
  for (const [name, region] of Object.entries(input ?? {})) {
    if (!NAME_PATTERN.test(name))
      throw new ConfigError(`regions: region name '${name}' must match ${NAME_PATTERN}`)
    regions.set(name, resolveRegion(name, region, redisConfigured))
  }
  return regions
}

function resolveModels(
  input: QueryCacheOptions['models'],
  regions: ReadonlyMap<string, ResolvedRegion>,
): Map<string, ResolvedModel> {
  if (input !== undefined && !isPlainObject(input as unknown))
    throw new ConfigError('models must be an object')
  const models = new Map<string, ResolvedModel>()
  for (const [model, settings] of Object.entries(input ?? {})) {
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
    booleanOption(`models.${model}.cache`, settings.cache, true)
    booleanOption(`models.${model}.rowPrecision`, settings.rowPrecision, true)
    models.set(model, settings as ResolvedModel)
  }
  return models
}

function resolveMemory(input: QueryCacheOptions['memory']): ResolvedOptions['memory'] {
  if (input === false) return false
  if (input !== undefined && !isPlainObject(input as unknown)) {
    throw new ConfigError('memory must be an object or false')
  }
  const memory = input ?? {}
  rejectUnknownKeys('memory', memory as Record<string, unknown>, MEMORY_KEYS)
  return {
    maxEntries: integerAtLeast('memory.maxEntries', memory.maxEntries, DEFAULTS.memory.maxEntries, 1),
    maxBytes: integerAtLeast('memory.maxBytes', memory.maxBytes, DEFAULTS.memory.maxBytes, 1024),
  }
}

function checkFunction(name: string, value: unknown, what: string): void {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(`${name} must be ${what}`)
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
  resolveRedis(options.redis)
  const regions = resolveRegions(options.regions, options.redis !== undefined)
  const models = resolveModels(options.models, regions)
  const memory = resolveMemory(options.memory)
  checkFunction('onEvent', options.onEvent, 'a function')
  checkFunction('clock', options.clock, 'a function')
  checkFunction('scope', options.scope, 'a function returning the caller scope')
  const requireScope = booleanOption('requireScope', options.requireScope, DEFAULTS.requireScope)
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
    requireScope,
    redisTimeoutMs: integerAtLeast('redisTimeout', options.redisTimeout, DEFAULTS.redisTimeout, 1),
    telemetry: resolveTelemetry(options.telemetry),
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
