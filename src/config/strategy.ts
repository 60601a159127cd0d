import { StrategyError } from '../errors.ts'
import type { InvalidateInput } from '../types.ts'
import { TUNABLES } from './defaults.ts'
import type { ResolvedRegion } from './options.ts'
import { booleanOption, isPlainObject, knownNames, rejectUnknownKeys, seconds } from './validate.ts'

const TAG_PATTERN = /^[A-Za-z0-9_.:/@-]{1,64}$/
const STRATEGY_KEYS = ['ttl', 'swr', 'tags', 'region', 'refresh'] as const
const RAW_STRATEGY_KEYS = [...STRATEGY_KEYS, 'models'] as const
const INVALIDATE_KEYS = ['tags', 'models', 'regions', 'mode'] as const
const EMPTY: readonly string[] = Object.freeze([])

/** A validated strategy: `undefined` fields fall back to model, region and defaults. */
export interface ParsedStrategy {
  ttlMs?: number
  swrMs?: number
  /** Sorted and unique. */
  tags: readonly string[]
  region?: string
  refresh: boolean
}

/** A validated `$queryRawCached` strategy: its models sorted and unique, at least one model or tag. */
export interface ParsedRawStrategy extends ParsedStrategy {
  models: readonly string[]
}

/** What `$cache.invalidate()` asked for, validated. */
export interface ParsedInvalidation {
  tags: readonly string[]
  models: readonly string[]
  regions: readonly string[]
  mode: 'hard' | 'soft'
}

/** Validates tags (from a strategy or `invalidate`). Throws {@link StrategyError}. */
export function checkTags(where: string, tags: unknown): readonly string[] {
  if (!Array.isArray(tags)) throw new StrategyError(`${where} must be an array of strings`)
  if (tags.length > TUNABLES.maxTags)
    throw new StrategyError(`${where} has ${tags.length} tags; at most ${TUNABLES.maxTags}`)
  for (const tag of tags) {
    if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) {
      throw new StrategyError(
        `${where}: tag ${JSON.stringify(tag)} must be 1–64 characters of letters, digits and _-.:/@`,
      )
    }
  }
  return tags as readonly string[]
}

function strategyFields(
  value: Record<string, unknown>,
  regions: ReadonlyMap<string, ResolvedRegion>,
  where: string,
): ParsedStrategy {
  const parsed: ParsedStrategy = { tags: EMPTY, refresh: false }
  if (value.ttl !== undefined) parsed.ttlMs = seconds(`${where}.ttl`, value.ttl, 0, StrategyError) * 1000
  if (value.swr !== undefined) parsed.swrMs = seconds(`${where}.swr`, value.swr, 0, StrategyError) * 1000
  if (value.tags !== undefined) parsed.tags = [...new Set(checkTags(`${where}.tags`, value.tags))].sort()
  if (value.region !== undefined) {
    if (typeof value.region !== 'string' || !regions.has(value.region)) {
      throw new StrategyError(
        `${where}.region '${String(value.region)}' is not a region; known: ${[...regions.keys()].join(', ')}`,
      )
    }
    parsed.region = value.region
  }
  parsed.refresh = booleanOption(`${where}.refresh`, value.refresh, false, StrategyError)
  return parsed
}

/**
 * Validates a per-query `cacheStrategy`. Returns `false` for an explicit bypass and `undefined` when absent.
 * Throws {@link StrategyError} naming the operation and the field.
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
  rejectUnknownKeys(`${operation}: cacheStrategy`, value, STRATEGY_KEYS, StrategyError)
  return strategyFields(value, regions, `${operation}: cacheStrategy`)
}

/**
 * Validates the strategy of `$queryRawCached`: like a `cacheStrategy`, plus `models`; at least one model or tag,
 * or nothing could ever invalidate the result. Throws {@link StrategyError}.
 */
export function parseRawStrategy(
  value: unknown,
  regions: ReadonlyMap<string, ResolvedRegion>,
  models: readonly string[],
): ParsedRawStrategy {
  const where = '$queryRawCached'
  if (!isPlainObject(value)) throw new StrategyError(`${where}: strategy must be an object`)
  rejectUnknownKeys(`${where}: strategy`, value, RAW_STRATEGY_KEYS, StrategyError)
  const parsed = strategyFields(value, regions, `${where}: strategy`)
  const named =
    value.models === undefined
      ? []
      : knownNames(`${where}: models`, value.models, models, 'model', StrategyError)
  if (named.length === 0 && parsed.tags.length === 0) {
    throw new StrategyError(
      `${where}: name the models the statement reads or give tags, or nothing would invalidate it`,
    )
  }
  return { ...parsed, models: [...new Set(named)].sort() }
}

/** Validates `$cache.invalidate()` input against the client's models and regions. Throws {@link StrategyError}. */
export function parseInvalidation(
  input: InvalidateInput,
  models: readonly string[],
  regions: readonly string[],
): ParsedInvalidation {
  if (!isPlainObject(input)) throw new StrategyError('invalidate: input must be an object')
  rejectUnknownKeys('invalidate', input, INVALIDATE_KEYS, StrategyError)
  const mode = input.mode ?? 'hard'
  if (mode !== 'hard' && mode !== 'soft')
    throw new StrategyError(`invalidate: mode must be 'hard' or 'soft', got ${String(mode)}`)
  const parsed: ParsedInvalidation = { tags: EMPTY, models: EMPTY, regions: EMPTY, mode }
  if (input.tags !== undefined) {
    if (mode === 'soft') throw new StrategyError("invalidate: mode 'soft' applies to regions only, not tags")
    parsed.tags = checkTags('invalidate: tags', input.tags)
  }
  if (input.models !== undefined) {
    if (mode === 'soft')
      throw new StrategyError("invalidate: mode 'soft' applies to regions only, not models")
    parsed.models = knownNames('invalidate: models', input.models, models, 'model', StrategyError)
  }
  if (input.regions !== undefined) {
    parsed.regions = knownNames('invalidate: regions', input.regions, regions, 'region', StrategyError)
  }
  if (parsed.tags.length + parsed.models.length + parsed.regions.length === 0)
    throw new StrategyError('invalidate: give at least one of tags, models, regions')
  return parsed
}
