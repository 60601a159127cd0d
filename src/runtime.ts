import { InvalidationBus } from './bus.ts'
import { createCodec } from './codec.ts'
import { readDependencies, writeDependencies } from './dependencies.ts'
import { ScopeError, StrategyError } from './errors.ts'
import { buildKey } from './keys.ts'
import type { ReadOperation, WriteOperation } from './operations.ts'
import {
  type CacheEvent,
  checkModelNames,
  checkTags,
  DEFAULTS,
  parseStrategy,
  type RawCacheStrategy,
  type RedisLike,
  type ResolvedOptions,
  type ResolvedRegion,
} from './options.ts'
import { buildSchemaGraph, type SchemaGraph } from './schema.ts'
import { type CacheInfo, CacheStack, type ReadResult, type StackHooks } from './stack.ts'
import { type CacheStats, StatsRecorder } from './stats.ts'
import { MemoryTier } from './tiers/memory.ts'
import { RedisTier } from './tiers/redis.ts'
import {
  ALL_DEPENDENCY,
  freshVersion,
  LocalVersions,
  regionDependency,
  softRegionDependency,
  tagDependency,
} from './versions.ts'

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

/** The internals a client needs at run time: what `queryCache()` builds once per `$extends`. */
export interface ClientInternals {
  _runtimeDataModel: { models: Record<string, unknown> }
  _engineConfig?: { inlineSchema?: string }
}

const INVALIDATE_KEYS = ['tags', 'models', 'regions', 'mode'] as const

function bypassInfo(region: string): CacheInfo {
  return { status: 'bypass', region, key: '', age: 0 }
}

/**
 * One cache instance bound to one client: options, schema graph, tiers and the stack. The extension routes
 * reads and writes here.
 */
export class CacheRuntime {
  readonly options: ResolvedOptions
  readonly graph: SchemaGraph
  readonly stats = new StatsRecorder()
  readonly versions: LocalVersions
  readonly stack: CacheStack
  readonly #memory: MemoryTier | undefined
  readonly #redis: RedisTier | undefined
  readonly #ownedRedis: RedisLike | undefined
  readonly #bus: InvalidationBus | undefined
  /** Dependencies whose bump failed, with the number of the failure that left each pending. */
  readonly #pendingBumps = new Map<string, number>()
  #failedBumps = 0
  #retryTimer: NodeJS.Timeout | undefined
  #retrying = false
  #closed = false

  constructor(
    options: ResolvedOptions,
    client: ClientInternals,
    redis: RedisLike | undefined,
    ownsRedis: boolean,
    hooks?: StackHooks,
  ) {
    this.options = options
    this.graph = buildSchemaGraph(client._runtimeDataModel as never, client._engineConfig?.inlineSchema)
    checkModelNames(options, this.graph.models)
    this.versions = new LocalVersions(options.clock, DEFAULTS.maxLocalVersions)
    if (redis !== undefined) this.stats.enableTier('redis')
    if (options.memory !== false) this.stats.enableTier('memory')
    this.#memory =
      options.memory === false
        ? undefined
        : new MemoryTier(options.memory.maxEntries, options.memory.maxBytes)
    this.#redis =
      redis === undefined ? undefined : new RedisTier(redis, options.namespace, options.redisTimeoutMs)
    this.#ownedRedis = ownsRedis ? redis : undefined
    this.#bus =
      redis === undefined
        ? undefined
        : new InvalidationBus({
            redis,
            namespace: options.namespace,
            clock: options.clock,
            downTrustMs: DEFAULTS.busDownTrustMs,
            timeoutMs: options.redisTimeoutMs,
            retryMs: DEFAULTS.bumpRetryMs,
            onVersions: (dependencies, versions) => {
              this.versions.learn(dependencies, versions)
              this.emit({ type: 'invalidate', dependencies, mode: 'hard', cause: 'bus' })
            },
            // Messages may have been missed: forget what this instance knew; Redis has the truth.
            onMissed: () => this.versions.clear(),
            onUp: () => this.emit({ type: 'bus', state: 'up' }),
            onDown: () => this.emit({ type: 'bus', state: 'down' }),
            onError: (operation, error) => this.stack.reportError('redis', operation, error),
          })
    this.stack = new CacheStack({
      codec: createCodec(),
      versions: this.versions,
      memory: this.#memory,
      redis: this.#redis,
      stats: this.stats,
      emit: (event) => this.emit(event),
      clock: options.clock,
      ...(hooks !== undefined ? { hooks } : {}),
      ...(this.#bus !== undefined ? { trust: this.#bus } : {}),
    })
    this.#bus?.start()
  }

  /** Reports an event; a throwing listener never breaks a query. */
  emit(event: CacheEvent): void {
    const listener = this.options.onEvent
    if (listener === undefined) return
    try {
      listener(event)
    } catch {
      // A listener's failure is its own business.
    }
  }

  /**
   * Serves a read. `strategy` is the raw `cacheStrategy` value; `load` runs the query through Prisma.
   * Throws {@link StrategyError} (as a rejection) before any database or Redis call when the strategy is invalid.
   */
  read(
    model: string,
    operation: ReadOperation,
    strategy: unknown,
    args: unknown,
    inTransaction: boolean,
    load: () => Promise<unknown>,
  ): Promise<ReadResult> | ReadResult {
    if (this.#busStarting()) {
      return this.#busReady().then(() => this.read(model, operation, strategy, args, inTransaction, load))
    }
    const parsed = parseStrategy(strategy, this.options.regions, `${model}.${operation}`)
    const modelOptions = this.options.models.get(model)
    const regionName = (parsed || undefined)?.region ?? modelOptions?.region ?? 'default'
    if (inTransaction) return this.#bypass(model, operation, regionName, 'transaction', load)
    if (parsed === false) return this.#bypass(model, operation, regionName, 'strategy', load)
    if (parsed === undefined) {
      const cachedByDefault =
        modelOptions !== undefined &&
        (modelOptions.cache === true || (modelOptions.region !== undefined && modelOptions.cache !== false))
      if (!cachedByDefault) return this.#bypass(model, operation, regionName, 'uncached-model', load)
    }
    const region = this.options.regions.get(regionName)
    if (region === undefined)
      throw new StrategyError(`${model}.${operation}: region '${regionName}' does not exist`)
    const scope = this.#scope(model, operation)
    const tags = parsed?.tags ?? []
    const graph = this.graph
    const key = buildKey({
      namespace: this.options.namespace,
      region: regionName,
      model,
      operation,
      args: tags.length === 0 ? { a: args } : { a: args, t: tags },
      ...(scope !== undefined ? { scope } : {}),
    })
    return this.stack.read(
      {
        key,
        model,
        operation,
        region,
        ttlMs: parsed?.ttlMs ?? region.ttlMs,
        swrMs: parsed?.swrMs ?? region.swrMs,
        // Lazy: a memory hit validates with the dependencies stored in its entry (the key determines them).
        get dependencies() {
          const dependencies = readDependencies(graph, model, args)
          for (const tag of tags) dependencies.push(tagDependency(tag))
          dependencies.push(regionDependency(regionName), ALL_DEPENDENCY)
          Object.defineProperty(this, 'dependencies', { value: dependencies })
          return dependencies
        },
        softDependency: softRegionDependency(regionName),
        refresh: parsed?.refresh ?? false,
      },
      load,
    )
  }

  /**
   * Reads that arrive before the bus has subscribed wait for it (at most `redisTimeout`), so that the memory
   * tier is usable from the first read; entries validated before the subscription would not be trusted after.
   */
  #busStarting(): boolean {
    return this.#bus !== undefined && !this.#bus.settled
  }

  #busReady(): Promise<void> {
    return (this.#bus as InvalidationBus).ready(this.options.redisTimeoutMs)
  }

  /** The caller scope for the key, or undefined for the shared cache. Throws {@link ScopeError}. */
  #scope(model: string, operation: string): string | undefined {
    const scopeOf = this.options.scope
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
      if (!this.options.requireScope) return undefined
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

  async #bypass(
    model: string,
    operation: string,
    region: string,
    reason: 'strategy' | 'uncached-model' | 'transaction',
    load: () => Promise<unknown>,
  ): Promise<ReadResult> {
    this.stats.count(region, 'bypasses')
    this.emit({ type: 'bypass', model, operation, reason })
    return { data: await load(), info: bypassInfo(region) }
  }

  /**
   * Serves `$queryRawCached`: validated like a `cacheStrategy`, plus `models`; depends on those models and
   * tags only. Throws {@link StrategyError} before any database or Redis call.
   */
  readRaw(
    strategy: RawCacheStrategy,
    sql: string,
    values: readonly unknown[],
    inTransaction: boolean,
    load: () => Promise<unknown>,
  ): Promise<ReadResult> | ReadResult {
    if (this.#busStarting()) {
      return this.#busReady().then(() => this.readRaw(strategy, sql, values, inTransaction, load))
    }
    const where = '$queryRawCached'
    if (typeof strategy !== 'object' || strategy === null)
      throw new StrategyError(`${where}: strategy must be an object`)
    const { models, ...rest } = strategy
    const parsed = parseStrategy(rest, this.options.regions, where)
    if (parsed === undefined || parsed === false)
      throw new StrategyError(`${where}: strategy must be an object`)
    const modelNames: string[] = []
    if (models !== undefined) {
      if (!Array.isArray(models)) throw new StrategyError(`${where}: models must be an array of model names`)
      for (const model of models) {
        if (typeof model !== 'string' || !this.graph.models.includes(model)) {
          throw new StrategyError(
            `${where}: models: '${String(model)}' is not a model; models: ${this.graph.models.join(', ')}`,
          )
        }
        modelNames.push(model)
      }
    }
    if (modelNames.length === 0 && parsed.tags.length === 0) {
      throw new StrategyError(
        `${where}: name the models the statement reads or give tags, or nothing would invalidate it`,
      )
    }
    const regionName = parsed.region ?? 'default'
    if (inTransaction) return this.#bypass('$raw', 'queryRaw', regionName, 'transaction', load)
    const region = this.options.regions.get(regionName) as ResolvedRegion
    const scope = this.#scope('$raw', 'queryRaw')
    const tags = parsed.tags
    const sortedModels = [...new Set(modelNames)].sort()
    const dependencies = [
      ...sortedModels,
      ...tags.map(tagDependency),
      regionDependency(regionName),
      ALL_DEPENDENCY,
    ]
    const key = buildKey({
      namespace: this.options.namespace,
      region: regionName,
      model: '$raw',
      operation: 'queryRaw',
      args: { sql, values, t: tags, m: sortedModels },
      ...(scope !== undefined ? { scope } : {}),
    })
    return this.stack.read(
      {
        key,
        model: '$raw',
        operation: 'queryRaw',
        region,
        ttlMs: parsed.ttlMs ?? region.ttlMs,
        swrMs: parsed.swrMs ?? region.swrMs,
        dependencies,
        softDependency: softRegionDependency(regionName),
        refresh: parsed.refresh,
      },
      load,
    )
  }

  /** The dependencies a write may change. */
  writeDependencies(model: string, operation: WriteOperation, args: unknown): string[] {
    return writeDependencies(this.graph, model, operation, args)
  }

  /**
   * Makes every entry that depends on `dependencies` unreadable (hard) or stale (soft). Never throws: when Redis
   * fails, the memory tier of this instance is still invalidated and the failure is reported.
   */
  async invalidateDependencies(
    dependencies: readonly string[],
    mode: 'hard' | 'soft',
    cause: 'write' | 'api' | 'raw-sql',
    context?: { model?: string; operation?: string; reason?: string; tables?: readonly string[] },
  ): Promise<void> {
    if (dependencies.length === 0) return
    if (this.#redis !== undefined) await this.#bumpInRedis(dependencies)
    else this.versions.bump(dependencies)
    this.stats.invalidation()
    this.emit({ type: 'invalidate', dependencies, mode, cause, ...context })
  }

  /**
   * Bumps versions in Redis, with any bumps an outage left pending. When Redis fails, the dependencies are
   * held on this instance (nothing depending on them is served from memory or Redis, nothing loaded is stored)
   * and the bump is retried until Redis takes it: an invalidation is never lost to an outage, and this instance
   * reads its own writes meanwhile.
   */
  async #bumpInRedis(dependencies: readonly string[]): Promise<void> {
    const redis = this.#redis as RedisTier
    const all = [...new Set([...this.#pendingBumps.keys(), ...dependencies])]
    const failuresBefore = this.#failedBumps
    try {
      const versions = await redis.bumpVersions(all, () => freshVersion(this.options.clock()))
      this.versions.learn(all, versions)
      // A bump that failed while this one ran may be for a write this one does not cover: it stays pending.
      const settled = all.filter((dependency) => (this.#pendingBumps.get(dependency) ?? 0) <= failuresBefore)
      for (const dependency of settled) this.#pendingBumps.delete(dependency)
      this.versions.release(settled)
      this.stack.track(this.#bus?.publish(all, versions))
      if (this.#pendingBumps.size === 0) this.#stopRetrying()
    } catch (error) {
      this.versions.hold(dependencies)
      const failure = ++this.#failedBumps
      for (const dependency of dependencies) this.#pendingBumps.set(dependency, failure)
      this.stack.reportError('redis', 'invalidate', error)
      this.#retryLater()
    }
  }

  #retryLater(): void {
    if (this.#retryTimer !== undefined || this.#closed) return
    this.#retryTimer = setInterval(() => {
      if (this.#pendingBumps.size === 0) return this.#stopRetrying()
      if (this.#retrying) return
      this.#retrying = true
      this.#bumpInRedis([]).finally(() => {
        this.#retrying = false
      })
    }, DEFAULTS.bumpRetryMs)
    this.#retryTimer.unref()
  }

  #stopRetrying(): void {
    if (this.#retryTimer !== undefined) clearInterval(this.#retryTimer)
    this.#retryTimer = undefined
  }

  /**
   * Dependencies whose invalidation Redis has not taken yet, or whose bus message has not been sent (an outage);
   * both are retried until Redis takes them.
   */
  get pendingInvalidations(): number {
    return this.#pendingBumps.size + (this.#bus?.unsent ?? 0)
  }

  /** `$cache.invalidate()`: validates first, then invalidates globally. */
  async invalidate(input: InvalidateInput): Promise<void> {
    if (typeof input !== 'object' || input === null)
      throw new StrategyError('invalidate: input must be an object')
    for (const key of Object.keys(input)) {
      if (!(INVALIDATE_KEYS as readonly string[]).includes(key)) {
        throw new StrategyError(`invalidate: ${key} is not an option; known: ${INVALIDATE_KEYS.join(', ')}`)
      }
    }
    const mode = input.mode ?? 'hard'
    if (mode !== 'hard' && mode !== 'soft')
      throw new StrategyError(`invalidate: mode must be 'hard' or 'soft', got ${String(mode)}`)
    const dependencies: string[] = []
    if (input.tags !== undefined) {
      if (mode === 'soft')
        throw new StrategyError("invalidate: mode 'soft' applies to regions only, not tags")
      for (const tag of checkTags('invalidate: tags', input.tags)) dependencies.push(tagDependency(tag))
    }
    if (input.models !== undefined) {
      if (mode === 'soft')
        throw new StrategyError("invalidate: mode 'soft' applies to regions only, not models")
      if (!Array.isArray(input.models))
        throw new StrategyError('invalidate: models must be an array of model names')
      for (const model of input.models) {
        if (typeof model !== 'string' || !this.graph.models.includes(model)) {
          throw new StrategyError(
            `invalidate: models: '${String(model)}' is not a model; models: ${this.graph.models.join(', ')}`,
          )
        }
        dependencies.push(model)
      }
    }
    if (input.regions !== undefined) {
      if (!Array.isArray(input.regions))
        throw new StrategyError('invalidate: regions must be an array of region names')
      for (const region of input.regions) {
        if (typeof region !== 'string' || !this.options.regions.has(region)) {
          throw new StrategyError(
            `invalidate: regions: '${String(region)}' is not a region; known: ${[...this.options.regions.keys()].join(', ')}`,
          )
        }
        dependencies.push(mode === 'soft' ? softRegionDependency(region) : regionDependency(region))
      }
    }
    if (dependencies.length === 0)
      throw new StrategyError('invalidate: give at least one of tags, models, regions')
    await this.invalidateDependencies([...new Set(dependencies)], mode, 'api')
  }

  /** `$cache.invalidateAll()`: every entry of the namespace, every tier. */
  async invalidateAll(): Promise<void> {
    await this.invalidateDependencies([ALL_DEPENDENCY], 'hard', 'api')
  }

  /** `$cache.stats()`. */
  snapshot(): CacheStats {
    const memory = this.#memory
    return this.stats.snapshot(
      memory === undefined ? undefined : { entries: memory.size, bytes: memory.bytes },
      this.pendingInvalidations,
    )
  }

  /** `$cache.close()`: waits for background work and closes what this cache opened (once). */
  async close(): Promise<void> {
    await this.stack.drain()
    if (this.#closed) return
    this.#closed = true
    if (this.#pendingBumps.size > 0) await this.#bumpInRedis([])
    this.#stopRetrying()
    await this.#bus?.close()
    if (this.#ownedRedis !== undefined) await this.#ownedRedis.quit().catch(() => undefined)
  }
}
