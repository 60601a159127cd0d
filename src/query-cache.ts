import type { CacheInternals } from './cache-internals.ts'
import { checkModelNames, type ResolvedOptions } from './config/options.ts'
import { parseInvalidation } from './config/strategy.ts'
import { ALWAYS_TRUSTED, type InvalidationBus } from './invalidation/bus.ts'
import { ALL_DEPENDENCY, apiInvalidationDependencies } from './invalidation/dependency-ids.ts'
import { type InvalidationCause, type InvalidationContext, Invalidator } from './invalidation/invalidator.ts'
import { PinRules } from './invalidation/pins.ts'
import type { LocalVersions } from './invalidation/versions.ts'
import { WritePlanner } from './invalidation/write-planner.ts'
import { currentMemo } from './memo/context.ts'
import type { MemoHost } from './memo/memoize.ts'
import { reportAnswer, uncachedRawRead, uncachedRead } from './memo/reporting.ts'
import { Reporter } from './observability/events.ts'
import { observeRead } from './observability/read-events.ts'
import { StatsRecorder } from './observability/stats.ts'
import { createTelemetry, type Telemetry } from './observability/telemetry/telemetry.ts'
import { TransactionWindow } from './prisma/transactions.ts'
import { BackgroundWork } from './read/background-work.ts'
import { Explainer } from './read/explain.ts'
import type { Loader, LoaderHooks } from './read/loader.ts'
import type { ReadResult } from './read/lookup.ts'
import { type Planned, ReadPlanner, type StrategyReading } from './read/planner.ts'
import type { ReadPath } from './read/read-path.ts'
import { buildReadPath } from './read/tiers.ts'
import { buildSchemaGraph, type RuntimeDataModelLike, type SchemaGraph } from './schema/graph.ts'
import { type InstanceListener, instanceFor, type SharedInstance } from './shared-instance.ts'
import { createCodec } from './storage/codec.ts'
import { GuardedCall } from './storage/guarded-call.ts'
import type { MemoryTier } from './storage/memory-tier.ts'
import { RedisTier } from './storage/redis-tier.ts'
import type { CacheEvent, CacheExplanation, CacheStats, InvalidateInput, RedisLike } from './types.ts'

/** Providers whose default collations compare strings without case and trailing spaces. */
const FOLDING_PROVIDERS: ReadonlySet<string> = new Set(['mysql', 'sqlserver'])

/** What the cache needs of a client: its data model, the schema text it embeds and its provider, when known. */
export interface ClientModel {
  runtimeDataModel: RuntimeDataModelLike
  inlineSchema: string | undefined
  provider: string | undefined
}

/**
 * One cache bound to one client: builds the parts from the options and routes reads, writes and API calls to
 * them. Wiring only: each part's logic lives in its own folder (see docs/ARCHITECTURE.md).
 */
export class QueryCache {
  readonly options: ResolvedOptions
  readonly graph: SchemaGraph
  readonly versions: LocalVersions
  /** How reads and writes name rows (see `invalidation/pins.ts`). */
  readonly pins: PinRules
  /** What model writes invalidate (see `invalidation/write-planner.ts`). */
  readonly writes: WritePlanner
  /** The client's open transactions, for loads on a client with one connection. */
  readonly transactions = new TransactionWindow()
  readonly #stats = new StatsRecorder()
  readonly #reporter: Reporter
  readonly #background: BackgroundWork
  readonly #planner: ReadPlanner
  readonly #readPath: ReadPath
  readonly #loader: Loader
  readonly #invalidator: Invalidator
  readonly #memory: MemoryTier | undefined
  readonly #bus: InvalidationBus | undefined
  readonly #instance: SharedInstance
  readonly #listener: InstanceListener
  readonly #ownedRedis: RedisLike | undefined
  readonly #telemetry: Telemetry | undefined
  readonly #explainer: Explainer
  readonly #redisClient: RedisLike | undefined
  readonly #guard: GuardedCall | undefined
  #closed = false

  /** `internal`: test-only injection points (loader hooks, a separate instance), a variant's strategy reading. */
  constructor(
    options: ResolvedOptions,
    client: ClientModel,
    redis: RedisLike | undefined,
    ownsRedis: boolean,
    internal: {
      hooks?: LoaderHooks | undefined
      instance?: string | undefined
      reading?: StrategyReading | undefined
    } = {},
  ) {
    const { hooks, instance: separate } = internal
    this.options = options
    const { clock } = options
    this.graph = buildSchemaGraph(client.runtimeDataModel, client.inlineSchema)
    checkModelNames(options, this.graph.models)
    this.#reporter = new Reporter(this.#stats, options.onEvent)
    const reporter = this.#reporter
    this.#background = new BackgroundWork((operation, error, site) =>
      reporter.fail(undefined, operation, error, site),
    )
    // MySQL, MariaDB and SQL Server compare strings without case and trailing spaces by default.
    const unpinned = new Set(
      [...options.models].filter(([, settings]) => settings.rowPrecision === false).map(([model]) => model),
    )
    this.pins = new PinRules(
      this.graph,
      FOLDING_PROVIDERS.has(client.provider ?? '') ? 'folded' : 'exact',
      unpinned,
    )
    this.#planner = new ReadPlanner(options, this.graph, this.pins, internal.reading)
    this.writes = new WritePlanner(this.graph, this.pins, reporter, this.#stats)
    this.#ownedRedis = ownsRedis ? redis : undefined
    this.#redisClient = redis

    this.#instance = instanceFor(options, redis, separate)
    this.#listener = {
      emit: (event) => reporter.emit(event),
      fail: (operation, error) => reporter.fail('redis', operation, error),
      heard: (delayMs) => this.#telemetry?.heard(delayMs),
    }
    this.#instance.attach(this.#listener)
    this.versions = this.#instance.versions
    this.#bus = this.#instance.bus
    const trust = this.#bus ?? ALWAYS_TRUSTED
    const guard =
      redis === undefined
        ? undefined
        : new GuardedCall({
            timeoutMs: options.redisTimeoutMs,
            clock,
            onChange: (open) => reporter.emit({ type: 'breaker', state: open ? 'open' : 'closed' }),
          })
    this.#guard = guard
    const redisTier =
      redis === undefined || guard === undefined
        ? undefined
        : new RedisTier({ client: redis, namespace: options.namespace, codec: createCodec(), guard })

    if (options.memory !== false) this.#stats.enableTier('memory')
    if (redisTier !== undefined) this.#stats.enableTier('redis')
    this.#memory = options.memory === false ? undefined : this.#instance.memory(options.memory)
    const { readPath, loader } = buildReadPath({
      options,
      versions: this.versions,
      trust,
      journal: this.#instance.journal,
      reporter,
      background: this.#background,
      memory: this.#memory,
      redis: redisTier,
      hooks,
      // SQLite's adapters give a client one connection, shared by its transactions.
      transactions: client.provider === 'sqlite' ? this.transactions : undefined,
    })
    this.#readPath = readPath
    this.#loader = loader
    const { journal } = this.#instance
    this.#explainer = new Explainer({
      memory: this.#memory,
      versions: this.versions,
      trust,
      journal,
      redis: redisTier,
      clock,
    })
    this.#telemetry = createTelemetry(options.telemetry, {
      namespace: options.namespace,
      memory: () => this.#instance.memorySize,
      pendingInvalidations: () => this.#invalidator.pending,
      busUp: () => this.#bus?.up,
      breakerOpen: () => guard?.open,
    })
    const telemetry = this.#telemetry
    if (telemetry !== undefined) reporter.countFailures((kind, tier) => telemetry.error(kind, tier))
    this.#invalidator = new Invalidator({
      versions: this.versions,
      reporter,
      clock,
      background: this.#background,
      redis: redisTier,
      bus: this.#bus,
      journal: this.#instance.journal,
    })
  }

  /**
   * Serves a model read. `strategy` is the raw `cacheStrategy` value; `load` runs the query through Prisma.
   * Throws `StrategyError` or `ScopeError` before any database or Redis call when the read is invalid.
   */
  read(
    model: string,
    operation: string,
    strategy: unknown,
    args: unknown,
    inTransaction: boolean,
    load: () => Promise<unknown>,
  ): Promise<ReadResult> | ReadResult {
    return this.#serve(() => this.#planner.modelRead(model, operation, strategy, args, inTransaction), load)
  }

  /** `$cache.explain()` of a model read: plans it (throws `StrategyError` for a bad strategy), runs nothing. */
  explain(
    model: string,
    operation: string,
    strategy: unknown,
    args: unknown,
    inTransaction: boolean,
  ): Promise<CacheExplanation> {
    return this.#explainer.explain(this.#planner.modelRead(model, operation, strategy, args, inTransaction))
  }

  /** Serves `$queryRawCached`; throws `StrategyError` before any database or Redis call for a bad strategy. */
  readRaw(
    strategy: unknown,
    sql: string,
    values: readonly unknown[],
    inTransaction: boolean,
    load: () => Promise<unknown>,
  ): Promise<ReadResult> | ReadResult {
    return this.#serve(() => this.#planner.rawRead(strategy, sql, values, inTransaction), load)
  }

  /**
   * Reads that arrive before the bus has subscribed wait for it (at most `redisTimeout`), so that the memory
   * tier is usable from the first read; entries validated before the subscription would not be trusted after.
   * A read that waited the whole `redisTimeout` has paid its one timeout: it asks Redis nothing more.
   */
  #serve(
    plan: () => Planned,
    load: () => Promise<unknown>,
    redisFailed = false,
  ): Promise<ReadResult> | ReadResult {
    const bus = this.#bus
    if (bus !== undefined && !bus.settled) {
      return bus.ready(this.options.redisTimeoutMs).then((inTime) => this.#serve(plan, load, !inTime))
    }
    const planned = plan()
    if (this.#telemetry?.live === true)
      return this.#telemetry.read(planned, load, (traced) => this.#answer(planned, traced, redisFailed))
    return this.#answer(planned, load, redisFailed)
  }

  #answer(
    planned: Planned,
    load: () => Promise<unknown>,
    redisFailed: boolean,
  ): Promise<ReadResult> | ReadResult {
    // Inside a memoized call, every read tells it what its answer depends on.
    const memo = currentMemo()
    if (planned.kind === 'cache') {
      const read = this.#readPath.read(planned.plan, load, redisFailed)
      const reported = memo === undefined ? read : reportAnswer(memo, read)
      if (!this.#reporter.listening) return reported
      return observeRead(this.#reporter, planned.plan, performance.now(), reported)
    }
    this.#stats.count(planned.region, 'bypasses')
    const { model, operation, reason, region } = planned
    this.#reporter.emit({ type: 'bypass', model, operation, reason })
    if (memo !== undefined && reason === 'transaction') memo.refuse('transaction')
    const run =
      memo === undefined || reason === 'transaction'
        ? load
        : () => uncachedRead(memo, planned.dependencies(), this.#captureNow, load)
    return run().then((data) => ({ data, info: { status: 'bypass', region, key: '', age: 0 } }))
  }

  readonly #captureNow = (dependencies: readonly string[], lifetimeMs: number) =>
    this.#loader.captureNow(dependencies, lifetimeMs)

  /** See `memo/reporting.ts`. */
  uncachedRawRead<T>(inTransaction: boolean, load: () => Promise<T>): Promise<T> {
    return uncachedRawRead(
      inTransaction,
      () => [...this.graph.dependencies, ALL_DEPENDENCY],
      this.#captureNow,
      load,
    )
  }

  /** What `$cache.memoize()` needs of this cache. */
  get memoHost(): MemoHost {
    return {
      regions: this.options.regions,
      models: this.graph.models,
      planMemo: (call) => this.#planner.memoRead(call),
      serveMemo: (plan, load) => this.#serve(() => ({ kind: 'cache', plan }), load),
      invalidateDependencies: (dependencies) => this.#invalidator.invalidate(dependencies, 'hard', 'api'),
      emit: (event) => this.#reporter.emit(event),
    }
  }

  /** Invalidates `dependencies` on every tier and instance. Never throws (Redis trouble is held and retried). */
  invalidateDependencies(
    dependencies: readonly string[],
    mode: 'hard' | 'soft',
    cause: InvalidationCause,
    context?: InvalidationContext,
  ): Promise<void> {
    const run = () => this.#invalidator.invalidate(dependencies, mode, cause, context)
    if (this.#telemetry === undefined || dependencies.length === 0) return run()
    const { precision, model, operation } = context ?? {}
    const summary = { cause, mode, dependencies: dependencies.length, precision, model, operation }
    return this.#telemetry.invalidate(summary, run)
  }

  /** `$cache.invalidate()`: validates first (throws `StrategyError`), then invalidates globally. */
  async invalidate(input: InvalidateInput): Promise<void> {
    const parsed = parseInvalidation(input, this.graph.models, [...this.options.regions.keys()])
    await this.invalidateDependencies(apiInvalidationDependencies(parsed), parsed.mode, 'api')
  }

  /** `$cache.invalidateAll()`: every entry of the namespace, every tier. */
  async invalidateAll(): Promise<void> {
    await this.invalidateDependencies([ALL_DEPENDENCY], 'hard', 'api')
  }

  /** What tools of this package (the dashboard) need to know of this cache; not public API. */
  get internals(): CacheInternals {
    return {
      namespace: this.options.namespace,
      instanceId: this.#instance.id,
      redis: this.#redisClient,
      regions: [...this.options.regions.keys()],
      busUp: this.#bus?.up,
      breakerOpen: this.#guard?.open,
      memory: this.options.memory === false ? undefined : { ...this.options.memory },
    }
  }

  /** `$cache.subscribe()`: events from now on, like `onEvent`. */
  subscribe(listener: (event: CacheEvent) => void): () => void {
    return this.#reporter.subscribe(listener)
  }

  /** `$cache.stats()`. */
  snapshot(): CacheStats {
    const memory = this.#memory
    return this.#stats.snapshot(
      memory === undefined ? undefined : { entries: memory.size, bytes: memory.bytes },
      this.#invalidator.pending,
    )
  }

  /**
   * `$cache.close()` (and `$disconnect()`): waits for background work and closes what this cache opened (once):
   * its retries, its share of the instance (the last client of an instance closes the bus), a Redis connection it
   * opened from a URL.
   */
  async close(): Promise<void> {
    await this.#background.drain()
    if (this.#closed) return
    this.#closed = true
    this.#telemetry?.close()
    await this.#invalidator.close()
    await this.#instance.detach(this.#listener)
    if (this.#ownedRedis !== undefined) await this.#ownedRedis.quit().catch(() => undefined)
  }
}
