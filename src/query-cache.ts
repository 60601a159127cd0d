import { checkModelNames, type ResolvedOptions } from './config/options.ts'
import { parseInvalidation } from './config/strategy.ts'
import { ALWAYS_TRUSTED, type InvalidationBus } from './invalidation/bus.ts'
import {
  ALL_DEPENDENCY,
  regionDependency,
  softRegionDependency,
  tagDependency,
  unpinnedDependency,
} from './invalidation/dependency-ids.ts'
import { type InvalidationCause, type InvalidationContext, Invalidator } from './invalidation/invalidator.ts'
import { PinRules } from './invalidation/pins.ts'
import type { LocalVersions } from './invalidation/versions.ts'
import {
  type FallbackReason,
  invalidationOf,
  planWrite,
  type WriteInvalidation,
  type WriteOutcome,
  type WritePlan,
} from './invalidation/write-effects.ts'
import { currentMemo } from './memo/context.ts'
import type { MemoHost } from './memo/memoize.ts'
import { reportAnswer, uncachedRead } from './memo/reporting.ts'
import { Reporter } from './observability/events.ts'
import { StatsRecorder } from './observability/stats.ts'
import { createTelemetry, type Telemetry } from './observability/telemetry/telemetry.ts'
import type { WriteOperation } from './prisma/operations.ts'
import { TransactionWindow } from './prisma/transactions.ts'
import { BackgroundWork } from './read/background-work.ts'
import { Explainer } from './read/explain.ts'
import { Loader, type LoaderHooks } from './read/loader.ts'
import type { ReadResult, TierReader } from './read/lookup.ts'
import { MemoryReader } from './read/memory-reader.ts'
import { type Planned, type ReadPlan, ReadPlanner, type StrategyReading } from './read/planner.ts'
import { ReadPath } from './read/read-path.ts'
import { RedisReader } from './read/redis-reader.ts'
import { WriteBehind } from './read/write-behind.ts'
import { buildSchemaGraph, type RuntimeDataModelLike, type SchemaGraph } from './schema/graph.ts'
import { type InstanceListener, instanceFor, type SharedInstance } from './shared-instance.ts'
import { createCodec } from './storage/codec.ts'
import { GuardedCall } from './storage/guarded-call.ts'
import type { MemoryTier } from './storage/memory-tier.ts'
import { RedisTier } from './storage/redis-tier.ts'
import type { CacheEvent, CacheExplanation, CacheStats, InvalidateInput, RedisLike } from './types.ts'

/** What tools of this package see of a cache (`$cache[CACHE_INTERNALS]`). */
export interface CacheInternals {
  namespace: string
  /** This process's instance of the namespace. */
  instanceId: string
  redis: RedisLike | undefined
  regions: readonly string[]
  /** With Redis: whether the bus subscription is live. */
  busUp: boolean | undefined
  /** With Redis: whether the circuit breaker is open (Redis not asked for a while). */
  breakerOpen: boolean | undefined
  /** The memory tier's bounds, or undefined without one. */
  memory: { maxEntries: number; maxBytes: number } | undefined
}

/** The key under which `$cache` carries its {@link CacheInternals} (a registered symbol: not enumerable API). */
export const CACHE_INTERNALS: unique symbol = Symbol.for('prisma-query-cache.internals')

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
    const memoryReader =
      this.#memory === undefined
        ? undefined
        : new MemoryReader(this.#memory, this.versions, trust, clock, this.#instance.journal)
    const tiers: TierReader[] = memoryReader === undefined ? [] : [memoryReader]
    let redisParts: { tier: RedisTier; reader: RedisReader; writeBehind: WriteBehind } | undefined
    if (redisTier !== undefined) {
      const writeBehind = new WriteBehind(redisTier, this.#background, reporter)
      const reader = new RedisReader({
        redis: redisTier,
        versions: this.versions,
        trust,
        reporter,
        clock,
        writeBehind,
        memory: memoryReader,
        journal: this.#instance.journal,
        background: this.#background,
      })
      tiers.push(reader)
      redisParts = { tier: redisTier, reader, writeBehind }
    }
    const loader = new Loader({
      versions: this.versions,
      reporter,
      clock,
      background: this.#background,
      memory: memoryReader,
      redis: redisParts,
      hooks,
      // SQLite's adapters give a client one connection, shared by its transactions.
      transactions: client.provider === 'sqlite' ? this.transactions : undefined,
    })
    this.#loader = loader
    this.#readPath = new ReadPath(tiers, loader, reporter, clock)
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
      return this.#observed(planned.plan, performance.now(), reported)
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

  /**
   * Runs a raw read that bypasses the cache (`$queryRaw`); inside a memoized call it depends on every table, and
   * inside a transaction it makes the call uncacheable.
   */
  uncachedRawRead<T>(inTransaction: boolean, load: () => Promise<T>): Promise<T> {
    const memo = currentMemo()
    if (memo === undefined) return load()
    if (inTransaction) {
      memo.refuse('transaction')
      return load()
    }
    return uncachedRead(memo, [...this.graph.dependencies, ALL_DEPENDENCY], this.#captureNow, load)
  }

  /** A write through the client: a memoized call making it is not stored (its result may depend on it). */
  noteWrite(model: string, operation: string): void {
    currentMemo()?.refuse('write', { model, operation })
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

  /** Reports a cached read's answer as a `read` event (only when someone listens). */
  #observed(
    plan: ReadPlan,
    started: number,
    result: Promise<ReadResult> | ReadResult,
  ): Promise<ReadResult> | ReadResult {
    const report = (done: ReadResult): ReadResult => {
      const { status, tier, reason } = done.info
      this.#reporter.emit({
        type: 'read',
        key: plan.key,
        region: plan.region.name,
        model: plan.model,
        operation: plan.operation,
        status,
        duration: performance.now() - started,
        ...(tier !== undefined ? { tier } : {}),
        ...(reason !== undefined ? { reason } : {}),
      })
      return done
    }
    return result instanceof Promise ? result.then(report) : report(result)
  }

  /**
   * Plans the invalidation of a model write before it runs. Never throws: arguments it cannot walk make a plan
   * that invalidates the whole namespace (cache trouble never fails a write).
   */
  planWrite(model: string, operation: WriteOperation, args: unknown, inTransaction: boolean): WritePlan {
    try {
      return planWrite(this.graph, this.pins, model, operation, args, inTransaction)
    } catch (error) {
      this.#reporter.fail(undefined, 'plan-write', error)
      return {
        model,
        operation,
        inTransaction,
        dependencies: [ALL_DEPENDENCY],
        reached: [],
        rows: { kind: 'none', reason: 'unknown outcome' },
        pinnedFields: [],
        reasons: [],
      }
    }
  }

  /** What a model write moves, once its outcome is known; counted as row-precise or not. Never throws. */
  writeInvalidation(plan: WritePlan, outcome: WriteOutcome): WriteInvalidation {
    let invalidation: WriteInvalidation
    try {
      invalidation = invalidationOf(this.pins, plan, outcome)
    } catch (error) {
      this.#reporter.fail(undefined, 'invalidate-write', error)
      const reasons: FallbackReason[] = ['unknown outcome']
      invalidation = {
        dependencies: [...plan.dependencies, ...plan.reached, unpinnedDependency(plan.model)],
        reasons,
      }
    }
    if (outcome.kind !== 'refused') this.#stats.write(invalidation.reasons)
    return invalidation
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
    const soft = parsed.mode === 'soft'
    const dependencies = [
      ...parsed.tags.map(tagDependency),
      ...parsed.models.flatMap((model) => [model, unpinnedDependency(model)]),
      ...parsed.regions.map(soft ? softRegionDependency : regionDependency),
    ]
    await this.invalidateDependencies([...new Set(dependencies)], parsed.mode, 'api')
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
