import type { ResolvedOptions, ResolvedRegion } from '../config/options.ts'
import { type ParsedStrategy, parseRawStrategy, parseStrategy } from '../config/strategy.ts'
import { ScopeError } from '../errors.ts'
import {
  ALL_DEPENDENCY,
  memoDependency,
  regionDependency,
  softRegionDependency,
  tagDependency,
} from '../invalidation/dependency-ids.ts'
import type { PinRules } from '../invalidation/pins.ts'
import {
  type DerivedDependencies,
  planReadDependencies,
  type ReadDependencies,
} from '../invalidation/read-dependencies.ts'
import type { SchemaGraph } from '../schema/graph.ts'
import { buildKey, hashKey } from './keys.ts'
import type { Basis } from './lookup.ts'

/** Everything the read path needs to serve one read. */
export interface ReadPlan {
  key: string
  model: string
  operation: string
  region: ResolvedRegion
  ttlMs: number
  swrMs: number
  /** The region's `staleIfError` in milliseconds. */
  staleIfErrorMs: number
  /**
   * Hard dependencies known before the load: models and join tables read (or the pins of the rows read), tags,
   * the region, the namespace.
   */
  readonly dependencies: readonly string[]
  /** Models whose pins the result will give: captured before the load, see `ReadDependencies.guards`. */
  readonly guards: readonly string[]
  /** Finds the pins the result gives; undefined when it gives none. */
  readonly derive: ((result: unknown) => DerivedDependencies) | undefined
  /** What a load captures, in this order: the dependencies, the guards, the soft dependency. */
  readonly captureDependencies: readonly string[]
  /** The region's soft-invalidation dependency. */
  softDependency: string
  refresh: boolean
  /**
   * A memoized call's plan: after its load, what the reads it made depend on (stored with the entry beyond the
   * plan's own dependencies), or undefined when the result must not be stored.
   */
  readonly collect?: (() => Basis | undefined) | undefined
}

/** What a memoized call is planned from (validated by `memo/memoize.ts`). */
export interface MemoCall {
  name: string
  /** The canonical text of the call's arguments. */
  args: string
  region: string
  ttlMs: number | undefined
  swrMs: number | undefined
  tags: readonly string[]
  models: readonly string[]
  refresh: boolean
  collect: () => Basis | undefined
}

/** Turns a validated `cacheStrategy` (its own object) into the one a read is planned by; `false` bypasses. */
export type StrategyReading = (
  parsed: ParsedStrategy | false | undefined,
) => ParsedStrategy | false | undefined

/** Why a read skips the cache. */
export type BypassReason = 'strategy' | 'uncached-model' | 'transaction'

/** What to do with a read: serve it through the cache, or run it as it is. */
export type Planned =
  | { kind: 'cache'; plan: ReadPlan }
  | {
      kind: 'bypass'
      model: string
      operation: string
      region: string
      reason: BypassReason
      /** What the read depends on, known before it runs, for a memoized call that makes it. */
      dependencies: () => readonly string[]
    }

/** The model name memoized calls are keyed and reported under (their operation is the function's name). */
export const MEMO_READ = { model: 'memo' } as const

/** The model and operation name raw reads are keyed and reported under. */
export const RAW_READ = { model: '$raw', operation: 'queryRaw' } as const

/**
 * Turns a read into a plan: validates its strategy (throws `StrategyError` before any database or Redis call),
 * picks its region by precedence (query > model > default), decides whether it is cached at all, and derives its
 * key (namespace, region, model, operation, canonical arguments, tags, scope) and dependencies.
 */
export class ReadPlanner {
  readonly #options: ResolvedOptions
  readonly #graph: SchemaGraph
  readonly #rules: PinRules | undefined

  readonly #reading: StrategyReading | undefined

  /**
   * `rules`: pin reads to rows; without, every read depends on whole models. `reading`: how a variant of the
   * extension reads a model read's validated `cacheStrategy` (`withAccelerate()`'s defaults); none: as parsed.
   */
  constructor(
    options: ResolvedOptions,
    graph: SchemaGraph,
    rules: PinRules | undefined,
    reading?: StrategyReading,
  ) {
    this.#options = options
    this.#graph = graph
    this.#rules = rules
    this.#reading = reading
  }

  /** Plans a model read (`prisma.user.findMany(…)`); `strategy` is the raw `cacheStrategy` value. */
  modelRead(
    model: string,
    operation: string,
    strategy: unknown,
    args: unknown,
    inTransaction: boolean,
  ): Planned {
    const valid = parseStrategy(strategy, this.#options.regions, `${model}.${operation}`)
    const parsed = this.#reading === undefined ? valid : this.#reading(valid)
    const modelOptions = this.#options.models.get(model)
    const region = (parsed || undefined)?.region ?? modelOptions?.region ?? 'default'
    const graph = this.#graph
    const bypass = (reason: BypassReason): Planned => ({
      kind: 'bypass',
      model,
      operation,
      region,
      reason,
      dependencies: () => bypassDependencies(graph, model, args, this.#rules),
    })
    if (inTransaction) return bypass('transaction')
    if (parsed === false) return bypass('strategy')
    if (parsed === undefined) {
      const cachedByDefault =
        modelOptions !== undefined &&
        (modelOptions.cache === true || (modelOptions.region !== undefined && modelOptions.cache !== false))
      if (!cachedByDefault) return bypass('uncached-model')
    }
    const tags = parsed?.tags ?? []
    const rules = this.#rules
    return this.#plan(
      model,
      operation,
      region,
      parsed,
      tags.length === 0 ? { a: args } : { a: args, t: tags },
      () => planReadDependencies(graph, model, args, rules),
    )
  }

  /**
   * Plans a `$queryRawCached` read: it depends on the models its strategy names and on its tags only. Raw reads
   * are never cached implicitly, so an invalid strategy throws even inside a transaction.
   */
  rawRead(strategy: unknown, sql: string, values: readonly unknown[], inTransaction: boolean): Planned {
    const parsed = parseRawStrategy(strategy, this.#options.regions, this.#graph.models)
    const region = parsed.region ?? 'default'
    if (inTransaction) {
      const dependencies = () => [...parsed.models, ALL_DEPENDENCY]
      return { kind: 'bypass', ...RAW_READ, region, reason: 'transaction', dependencies }
    }
    const models = parsed.models
    return this.#plan(
      RAW_READ.model,
      RAW_READ.operation,
      region,
      parsed,
      { sql, values, t: parsed.tags, m: models },
      () => ({ dependencies: [...models], guards: [], derive: undefined }),
    )
  }

  /**
   * Plans a memoized call (`$cache.memoize`): keyed by name and arguments under the model `memo`; it depends on
   * its name, its argument list, its tags and models, the region and the namespace, and on what its reads
   * report (`collect`).
   */
  memoRead(call: MemoCall): ReadPlan {
    const argsHash = hashKey(call.args)
    const own = [memoDependency(call.name), memoDependency(call.name, argsHash), ...call.models]
    const parsed: ParsedStrategy = { tags: call.tags, refresh: call.refresh, region: call.region }
    if (call.ttlMs !== undefined) parsed.ttlMs = call.ttlMs
    if (call.swrMs !== undefined) parsed.swrMs = call.swrMs
    const planned = this.#plan(
      MEMO_READ.model,
      call.name,
      call.region,
      parsed,
      { m: call.args },
      () => ({ dependencies: [...own], guards: [], derive: undefined }),
      call.collect,
    )
    return (planned as { plan: ReadPlan }).plan
  }

  #plan(
    model: string,
    operation: string,
    regionName: string,
    parsed: ParsedStrategy | undefined,
    keyArgs: unknown,
    readDependenciesOf: () => ReadDependencies,
    collect?: () => Basis | undefined,
  ): Planned & { kind: 'cache' } {
    const region = this.#options.regions.get(regionName) as ResolvedRegion
    const scope = this.#scope(model, operation)
    const tags = parsed?.tags ?? []
    const softDependency = softRegionDependency(regionName)
    let read: ReadDependencies | undefined
    // Lazy: a memory hit validates with the dependencies stored in its entry (the key determines them).
    const dependencies = (): ReadDependencies => {
      if (read !== undefined) return read
      read = readDependenciesOf()
      for (const tag of tags) read.dependencies.push(tagDependency(tag))
      read.dependencies.push(regionDependency(regionName), ALL_DEPENDENCY)
      return read
    }
    let capture: readonly string[] | undefined
    const key = buildKey({
      namespace: this.#options.namespace,
      region: regionName,
      model,
      operation,
      args: keyArgs,
      ...(scope !== undefined ? { scope } : {}),
    })
    return {
      kind: 'cache',
      plan: {
        key,
        model,
        operation,
        region,
        ttlMs: parsed?.ttlMs ?? region.ttlMs,
        swrMs: parsed?.swrMs ?? region.swrMs,
        staleIfErrorMs: region.staleIfErrorMs,
        get dependencies() {
          return dependencies().dependencies
        },
        get guards() {
          return dependencies().guards
        },
        get derive() {
          return dependencies().derive
        },
        get captureDependencies() {
          capture ??= [...dependencies().dependencies, ...dependencies().guards, softDependency]
          return capture
        },
        softDependency,
        refresh: parsed?.refresh ?? false,
        collect,
      },
    }
  }

  /** The caller scope for the key, or undefined for the shared cache. Throws {@link ScopeError}. */
  #scope(model: string, operation: string): string | undefined {
    const scopeOf = this.#options.scope
    if (scopeOf === undefined) return undefined
    let value: unknown
    try {
      value = scopeOf()
    } catch (error) {
      throw new ScopeError(`${model}.${operation}: the scope function threw; the read is refused`, {
        cause: error,
      })
    }
    if (value === undefined || value === null || value === '') {
      if (!this.#options.requireScope) return undefined
      throw new ScopeError(
        `${model}.${operation}: the scope function returned no scope and requireScope is true`,
      )
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new ScopeError(
        `${model}.${operation}: the scope function must return a string or number, got ${typeof value}`,
      )
    }
    return String(value)
  }
}

/**
 * What a read that bypasses the cache depends on, known before it runs: its pins and dependencies, and the whole
 * models whose pins only its result could give (as an entry records when it cannot find them). Arguments the
 * planner cannot walk depend on every table.
 */
function bypassDependencies(
  graph: SchemaGraph,
  model: string,
  args: unknown,
  rules: PinRules | undefined,
): readonly string[] {
  try {
    const read = planReadDependencies(graph, model, args, rules)
    return [...read.dependencies, ...read.guards, ALL_DEPENDENCY]
  } catch {
    return [...graph.dependencies, ALL_DEPENDENCY]
  }
}
