import { createRequire } from 'node:module'
import { Prisma } from '@prisma/client/extension'
import { ConfigError, StrategyError } from './errors.ts'
import { isWriteOperation, READ_OPERATIONS, type ReadOperation } from './operations.ts'
import {
  type CacheStrategy,
  type QueryCacheOptions,
  type RawCacheStrategy,
  type RedisLike,
  resolveOptions,
} from './options.ts'
import { dialectOf, EVERYTHING, rawWriteDependencies, sqlTextOf } from './raw-invalidation.ts'
import { CacheRuntime, type ClientInternals, type InvalidateInput } from './runtime.ts'
import type { CacheInfo, ReadResult, StackHooks } from './stack.ts'
import type { CacheStats } from './stats.ts'
import {
  builtinTransaction,
  currentTransactionScope,
  deferInvalidation,
  isInTransaction,
  transactionOfHook,
  transactionWrapper,
} from './transactions.ts'

/** The `$cache` object added to the client. */
export interface CacheApi {
  /** Invalidates by tags, models and/or regions, on every tier (hard by default). */
  invalidate(input: InvalidateInput): Promise<void>
  /** Invalidates everything in this namespace. */
  invalidateAll(): Promise<void>
  /** Counters, in total, per region and per tier. */
  stats(): CacheStats
  /** Waits for background work and closes connections this cache opened (never a client it was given). */
  close(): Promise<void>
}

/** A Prisma promise with `withCacheInfo()`. */
export interface CachedPrismaPromise<T> extends Prisma.PrismaPromise<T> {
  /** Runs the query and resolves to the data and how the cache answered. */
  withCacheInfo(): Promise<{ data: T; info: CacheInfo }>
}

/** A `Prisma.sql\`…\`` query object (its fragments and values). */
export interface RawSql {
  readonly strings: readonly string[]
  readonly values: readonly unknown[]
}

/** Read arguments plus `cacheStrategy`. */
export type CachedArgs<T, F extends ReadOperation> = Prisma.Args<T, F> & {
  cacheStrategy?: CacheStrategy | false
}

/** Internal: test-only injection points. Not part of the public API. */
export const INTERNAL_HOOKS: unique symbol = Symbol.for('prisma-query-cache.hooks')

type InternalOptions = QueryCacheOptions & { [INTERNAL_HOOKS]?: StackHooks }

function jsModelName(model: string): string {
  return model.charAt(0).toLowerCase() + model.slice(1)
}

function loadIoredis(url: string): RedisLike {
  let Redis: new (url: string) => RedisLike
  try {
    const required = createRequire(import.meta.url)('ioredis') as { default?: unknown; Redis?: unknown }
    Redis = (required.Redis ?? required.default ?? required) as new (url: string) => RedisLike
  } catch (error) {
    throw new ConfigError(
      `redis: a URL was given but ioredis could not be loaded (npm install ioredis): ${String(error)}`,
    )
  }
  return new Redis(url)
}

type RealPromise = Prisma.PrismaPromise<unknown> & {
  then: Promise<unknown>['then']
  catch: Promise<unknown>['catch']
  finally: Promise<unknown>['finally']
  withCacheInfo?: () => Promise<ReadResult>
}

/**
 * Turns Prisma's lazy promise for the uncached query into the cached one. The object stays Prisma's (so batch
 * `$transaction([...])` still runs it through `requestTransaction`, uncached); only awaiting it goes through
 * the cache, once.
 */
function wrapPromise(
  real: RealPromise,
  serve: (load: () => Promise<unknown>) => Promise<ReadResult> | ReadResult,
): RealPromise {
  const originalThen = real.then.bind(real)
  const load = () => new Promise<unknown>((resolve, reject) => originalThen(resolve, reject))
  let result: Promise<ReadResult> | undefined
  const run = (): Promise<ReadResult> => {
    if (result === undefined) {
      try {
        const served = serve(load)
        result = served instanceof Promise ? served : Promise.resolve(served)
      } catch (error) {
        result = Promise.reject(error)
      }
    }
    return result
  }
  // biome-ignore lint/suspicious/noThenProperty: replacing Prisma's lazy then() is how a cached read runs
  real.then = ((onFulfilled, onRejected) =>
    run()
      .then((r) => r.data)
      .then(onFulfilled, onRejected)) as RealPromise['then']
  real.catch = ((onRejected) => real.then(undefined, onRejected)) as RealPromise['catch']
  real.finally = ((onFinally) =>
    run()
      .then((r) => r.data)
      .finally(onFinally)) as RealPromise['finally']
  real.withCacheInfo = () => run().then((r) => ({ data: r.data, info: r.info }))
  return real
}

function makeReader(runtime: () => CacheRuntime, operation: ReadOperation) {
  return function cachedRead(this: unknown, args?: Record<string, unknown>): RealPromise {
    const context = Prisma.getExtensionContext(this) as unknown as {
      $name: string
      $parent: Record<string, any>
    }
    const model = context.$name
    let strategy: unknown
    let rest = args
    if (args !== undefined && args !== null && typeof args === 'object' && 'cacheStrategy' in args) {
      const { cacheStrategy, ...others } = args
      strategy = cacheStrategy
      rest = others
    }
    const parent = context.$parent
    const delegate = parent[jsModelName(model)] ?? parent[model]
    const real = delegate[operation](rest) as RealPromise
    return wrapPromise(real, (load) =>
      runtime().read(model, operation, strategy, rest, isInTransaction(parent), load),
    )
  }
}

/**
 * The Prisma client extension. Options are validated here (throws {@link ConfigError}); model names are
 * checked against the client when `$extends` runs.
 *
 * @example
 * const prisma = new PrismaClient({ adapter }).$extends(queryCache({ redis, regions: { default: { ttl: 60 } } }))
 */
export function queryCache(options: QueryCacheOptions = {}) {
  const resolved = resolveOptions(options)
  const hooks = (options as InternalOptions)[INTERNAL_HOOKS]
  return Prisma.defineExtension((client) => {
    const ownsRedis = typeof options.redis === 'string'
    const redis = typeof options.redis === 'string' ? loadIoredis(options.redis) : options.redis
    let runtime: CacheRuntime
    try {
      runtime = new CacheRuntime(resolved, client as unknown as ClientInternals, redis, ownsRedis, hooks)
    } catch (error) {
      if (ownsRedis) void redis?.quit().catch(() => undefined)
      throw error
    }
    const get = () => runtime
    const readers = Object.fromEntries(READ_OPERATIONS.map((op) => [op, makeReader(get, op)]))
    const api: CacheApi = {
      invalidate: (input) => runtime.invalidate(input),
      invalidateAll: () => runtime.invalidateAll(),
      stats: () => runtime.snapshot(),
      close: () => runtime.close(),
    }
    const dialect = dialectOf((client as unknown as { _activeProvider?: string })._activeProvider)
    /**
     * Runs a write hook's query. Inside a transaction its invalidation waits for the commit (dropped on
     * rollback); otherwise it follows the query, also after a failure: a write whose outcome is unknown (a lost
     * connection) may have committed.
     */
    async function writeThrough<T>(
      hookArgs: { args: unknown; query: (args: any) => Promise<T> },
      dependencies: readonly string[],
      invalidate: () => Promise<void>,
    ): Promise<T> {
      const scope = transactionOfHook(hookArgs) !== undefined ? currentTransactionScope() : undefined
      if (scope !== undefined) {
        deferInvalidation(scope, dependencies)
        return hookArgs.query(hookArgs.args)
      }
      try {
        return await hookArgs.query(hookArgs.args)
      } finally {
        await invalidate()
      }
    }
    /** Raw statements invalidate the models behind the tables they write, or everything when unsure (G4). */
    async function rawHook(hookArgs: {
      operation: string
      args: unknown
      query: (args: any) => Promise<unknown>
    }) {
      const { operation, args, query } = hookArgs
      const write = rawWriteDependencies(runtime.graph, dialect, sqlTextOf(args))
      if (write.kind === 'none' || (write.kind === 'tables' && write.dependencies.length === 0))
        return query(args)
      const dependencies = write.kind === 'all' ? EVERYTHING : write.dependencies
      const context =
        write.kind === 'all' ? { operation, reason: write.reason } : { operation, tables: write.tables }
      return writeThrough(hookArgs, dependencies, () =>
        runtime.invalidateDependencies(dependencies, 'hard', 'raw-sql', context),
      )
    }
    /**
     * `$queryRaw` with a cache: `prisma.$queryRawCached({ ttl: 60, models: ['User'] }, Prisma.sql\`SELECT …\`)`.
     * Raw reads are never cached implicitly; this names the models (and/or tags) whose invalidation must reach
     * the result. Inside a transaction it bypasses the cache.
     */
    function $queryRawCached<T = unknown>(
      this: unknown,
      strategy: RawCacheStrategy,
      sql: RawSql,
    ): Promise<T> {
      const context = Prisma.getExtensionContext(this) as unknown as { $queryRaw(sql: RawSql): Promise<T> }
      if (typeof sql !== 'object' || sql === null || !Array.isArray(sql.strings)) {
        return Promise.reject(new StrategyError('$queryRawCached: the query must be a Prisma.sql`…` object'))
      }
      try {
        const served = runtime.readRaw(
          strategy,
          sql.strings.join(' $1 '),
          sql.values,
          isInTransaction(this),
          () => context.$queryRaw(sql),
        )
        return Promise.resolve(served).then((result) => result.data as T)
      } catch (error) {
        return Promise.reject(error)
      }
    }
    const $transaction = transactionWrapper(builtinTransaction(client), (dependencies) =>
      runtime.invalidateDependencies(dependencies, 'hard', 'write'),
    )
    return client.$extends({
      name: 'prisma-query-cache',
      model: {
        $allModels: readers as unknown as CachedReadMethods,
      },
      query: {
        $allModels: {
          async $allOperations(hookArgs) {
            const { model, operation, args, query } = hookArgs
            if (isWriteOperation(operation)) {
              const dependencies = runtime.writeDependencies(model, operation, args)
              return writeThrough(hookArgs, dependencies, () =>
                runtime.invalidateDependencies(dependencies, 'hard', 'write', { model, operation }),
              )
            }
            if (args !== null && typeof args === 'object' && 'cacheStrategy' in args) {
              // A read that did not come through the cached methods (fluent API, batch transaction): never cached.
              const { cacheStrategy: _ignored, ...rest } = args as Record<string, unknown>
              return query(rest as typeof args)
            }
            return query(args)
          },
        },
        $executeRaw: rawHook,
        $executeRawUnsafe: rawHook,
        $queryRaw: rawHook,
        $queryRawUnsafe: rawHook,
      },
      // $transaction is replaced at run time only; its type stays Prisma's.
      client: { $cache: api, $transaction, $queryRawCached } as unknown as {
        $cache: CacheApi
        $queryRawCached: typeof $queryRawCached
      },
    })
  })
}

/**
 * The 8 read methods, typed so that `cacheStrategy` is accepted there and nowhere else. `A` has no constraint on
 * purpose: one that depends on `T` stops TypeScript from inferring `A`, and aggregate results lose their shape.
 * It is a `const` type parameter so that literals (`orderBy: { id: 'asc' }`) keep their types without one.
 */
export type CachedReadMethods = {
  findUnique<T, const A>(
    this: T,
    args: Prisma.Exact<A, CachedArgs<T, 'findUnique'>>,
  ): CachedPrismaPromise<Prisma.Result<T, A, 'findUnique'>>
  findUniqueOrThrow<T, const A>(
    this: T,
    args: Prisma.Exact<A, CachedArgs<T, 'findUniqueOrThrow'>>,
  ): CachedPrismaPromise<Prisma.Result<T, A, 'findUniqueOrThrow'>>
  findFirst<T, const A>(
    this: T,
    args?: Prisma.Exact<A, CachedArgs<T, 'findFirst'>>,
  ): CachedPrismaPromise<Prisma.Result<T, A, 'findFirst'>>
  findFirstOrThrow<T, const A>(
    this: T,
    args?: Prisma.Exact<A, CachedArgs<T, 'findFirstOrThrow'>>,
  ): CachedPrismaPromise<Prisma.Result<T, A, 'findFirstOrThrow'>>
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
