import type { ResolvedRegion } from '../config/options.ts'
import { checkTags } from '../config/strategy.ts'
import { isPlainObject, knownNames, rejectUnknownKeys, seconds } from '../config/validate.ts'
import { StrategyError } from '../errors.ts'
import { memoDependency } from '../invalidation/dependency-ids.ts'
import { currentTransactionScope } from '../prisma/transactions.ts'
import { entryLifetime } from '../read/freshness.ts'
import { hashKey } from '../read/keys.ts'
import type { ReadResult } from '../read/lookup.ts'
import type { MemoCall, ReadPlan } from '../read/planner.ts'
import type { CacheEvent, CacheInfo, MemoizedFunction, MemoizeOptions } from '../types.ts'
import { canonicalArguments } from './arguments.ts'
import { currentMemo, MemoContext, runMemo } from './context.ts'

/** What a memoized function needs of its cache (`QueryCache`). */
export interface MemoHost {
  readonly regions: ReadonlyMap<string, ResolvedRegion>
  readonly models: readonly string[]
  planMemo(call: MemoCall): ReadPlan
  serveMemo(plan: ReadPlan, load: () => Promise<unknown>): Promise<ReadResult> | ReadResult
  invalidateDependencies(dependencies: readonly string[]): Promise<void>
  emit(event: CacheEvent): void
}

const OPTION_KEYS = ['ttl', 'swr', 'region', 'tags', 'models'] as const

/** Options of one memoized function, validated once. */
interface MemoSettings {
  name: string
  region: string
  ttlMs: number | undefined
  swrMs: number | undefined
  tags: (args: readonly unknown[]) => readonly string[]
  models: readonly string[]
}

/** Validates a memoized function's name and options. Throws {@link StrategyError}. */
function settingsOf(host: MemoHost, name: unknown, fn: unknown, options: unknown): MemoSettings {
  if (typeof name !== 'string') throw new StrategyError('memoize: the name must be a string')
  checkTags('memoize: name', [name])
  const where = `memoize '${name}'`
  if (typeof fn !== 'function') throw new StrategyError(`${where}: the function must be a function`)
  const value = options ?? {}
  if (!isPlainObject(value)) throw new StrategyError(`${where}: options must be an object`)
  rejectUnknownKeys(`${where}: options`, value, OPTION_KEYS, StrategyError)
  const region = value.region ?? 'default'
  if (typeof region !== 'string' || !host.regions.has(region)) {
    throw new StrategyError(
      `${where}: options.region '${String(region)}' is not a region; known: ${[...host.regions.keys()].join(', ')}`,
    )
  }
  const tags = value.tags
  let tagsOf: MemoSettings['tags'] = () => []
  if (typeof tags === 'function') {
    tagsOf = (args) => [...new Set(checkTags(`${where}: options.tags()`, tags(...args)))].sort()
  } else if (tags !== undefined) {
    const fixed = [...new Set(checkTags(`${where}: options.tags`, tags))].sort()
    tagsOf = () => fixed
  }
  const models =
    value.models === undefined
      ? []
      : knownNames(`${where}: options.models`, value.models, host.models, 'model', StrategyError)
  const ttl =
    value.ttl === undefined ? undefined : seconds(`${where}: options.ttl`, value.ttl, 0, StrategyError)
  const swr =
    value.swr === undefined ? undefined : seconds(`${where}: options.swr`, value.swr, 0, StrategyError)
  return {
    name,
    region,
    ttlMs: ttl === undefined ? undefined : ttl * 1000,
    swrMs: swr === undefined ? undefined : swr * 1000,
    tags: tagsOf,
    models: [...new Set(models)].sort(),
  }
}

/**
 * `$cache.memoize()`: wraps `fn` so that its results are served through the read path (tiers, single flight,
 * lease lock, write-behind, SWR) under its name and canonical arguments. While the function runs, every Prisma
 * read it makes reports what its answer depends on (`memo/context.ts`); the result is stored under all of that.
 * Inside a transaction callback the function runs uncached.
 */
export function memoize<A extends unknown[], R>(
  host: () => MemoHost,
  name: string,
  fn: (...args: A) => Promise<R> | R,
  options?: MemoizeOptions<A>,
): MemoizedFunction<A, Awaited<R>> {
  const settings = settingsOf(host(), name, fn, options)
  const call = (args: A, refresh: boolean): Promise<ReadResult> => {
    try {
      const canonical = canonicalArguments(name, args)
      if (currentTransactionScope() !== undefined) {
        currentMemo()?.refuse('transaction')
        return Promise.resolve(fn(...args)).then((data) => ({ data, info: bypassInfo(settings.region) }))
      }
      const cache = host()
      let context: MemoContext | undefined
      const plan = cache.planMemo({
        name,
        args: canonical,
        region: settings.region,
        ttlMs: settings.ttlMs,
        swrMs: settings.swrMs,
        tags: settings.tags(args),
        models: settings.models,
        refresh,
        collect: () => {
          const basis = context?.close()
          const refused = context?.uncacheable
          if (refused !== undefined) cache.emit({ type: 'uncacheable', name, key: plan.key, ...refused })
          return basis
        },
      })
      const load = () => {
        const run = new MemoContext(entryLifetime(plan))
        context = run
        return runMemo(run, async () => fn(...args))
      }
      return Promise.resolve(cache.serveMemo(plan, load))
    } catch (error) {
      return Promise.reject(error)
    }
  }
  const memoized = ((...args: A) => call(args, false).then((r) => r.data)) as MemoizedFunction<A, Awaited<R>>
  memoized.withCacheInfo = (...args: A) =>
    call(args, false).then((r) => ({ data: r.data as Awaited<R>, info: r.info }))
  memoized.refresh = (...args: A) => call(args, true).then((r) => r.data as Awaited<R>)
  memoized.invalidate = async (...args: A) => {
    const argsHash = hashKey(canonicalArguments(name, args))
    await host().invalidateDependencies([memoDependency(name, argsHash)])
  }
  memoized.invalidateAll = () => host().invalidateDependencies([memoDependency(name)])
  return memoized
}

function bypassInfo(region: string): CacheInfo {
  return { status: 'bypass', region, key: '', age: 0 }
}
