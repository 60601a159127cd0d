import { createRequire } from 'node:module'
import { Prisma } from '@prisma/client/extension'
import { CACHE_INTERNALS } from '../cache-internals.ts'
import { resolveOptions } from '../config/options.ts'
import { ConfigError, StrategyError } from '../errors.ts'
import { type MemoHost, memoize } from '../memo/memoize.ts'
import { noteTransactionRead, noteWrite } from '../memo/reporting.ts'
import { QueryCache } from '../query-cache.ts'
import { dialectOf } from '../raw-sql/invalidation.ts'
import type { LoaderHooks } from '../read/loader.ts'
import type { StrategyReading } from '../read/planner.ts'
import { INSTANCE_ID } from '../shared-instance.ts'
import type { CacheApi, CachedReadMethods, QueryCacheOptions, RedisLike } from '../types.ts'
import { cachedReadMethods, type DecorateRead, describedRead, type ServeRead } from './cached-reads.ts'
import { builtinTransaction, clientSchema, transactionOfHook } from './internals.ts'
import { isWriteOperation } from './operations.ts'
import { queryRawCached, rawWriteHook } from './raw-hooks.ts'
import { runRowWrite } from './row-writes.ts'
import { transactionWrapper } from './transactions.ts'
import { writeThrough } from './write-through.ts'

/** Internal: test-only injection points. Not part of the public API. */
export const INTERNAL_HOOKS: unique symbol = Symbol.for('prisma-query-cache.hooks')

/**
 * Internal: a variant of the extension built on the same cache (`withAccelerate`): its name, how it reads
 * strategies, what its reads' promises get and the client members it adds.
 */
export const EXTENSION_VARIANT: unique symbol = Symbol.for('prisma-query-cache.variant')

/** What a variant of the extension changes. */
export interface ExtensionVariant {
  name: string
  /** How model reads' strategies are read (see `ReadPlanner`). */
  reading: StrategyReading
  /** What each read's promise gets; `cache` gives the client's cache. */
  decorate(cache: () => QueryCache): DecorateRead
  client(api: CacheApi): Record<string, unknown>
}

type InternalOptions = QueryCacheOptions & {
  [INTERNAL_HOOKS]?: LoaderHooks
  [INSTANCE_ID]?: string
  [EXTENSION_VARIANT]?: ExtensionVariant
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

/**
 * The Prisma client extension. Options are validated here (throws `ConfigError`); model names are checked against
 * the client when `$extends` runs.
 *
 * @example
 * const prisma = new PrismaClient({ adapter }).$extends(queryCache({ redis, regions: { default: { ttl: 60 } } }))
 */
export function queryCache(options: QueryCacheOptions = {}) {
  const resolved = resolveOptions(options)
  const internal = {
    hooks: (options as InternalOptions)[INTERNAL_HOOKS],
    instance: (options as InternalOptions)[INSTANCE_ID],
    reading: (options as InternalOptions)[EXTENSION_VARIANT]?.reading,
  }
  const variant = (options as InternalOptions)[EXTENSION_VARIANT]
  return Prisma.defineExtension((client) => {
    const schema = clientSchema(client)
    const ownsRedis = typeof options.redis === 'string'
    const redis = typeof options.redis === 'string' ? loadIoredis(options.redis) : options.redis
    let cache: QueryCache
    try {
      cache = new QueryCache(resolved, schema, redis, ownsRedis, internal)
    } catch (error) {
      if (ownsRedis) void redis?.quit().catch(() => undefined)
      throw error
    }
    const current = () => cache
    const relations = new Map<string, ReadonlyMap<string, string>>()
    const relationsOf = (model: string) => {
      let found = relations.get(model)
      if (found === undefined) {
        found = new Map(cache.graph.relationFields(model).map((field) => [field.name, field.target]))
        relations.set(model, found)
      }
      return found
    }
    const serve: ServeRead = (model, operation, strategy, args, inTransaction, load) =>
      cache.read(model, operation, strategy, args, inTransaction, load)
    let host: MemoHost | undefined
    const memoHost = () => {
      host ??= cache.memoHost
      return host
    }
    const api: CacheApi = {
      memoize: (name, fn, options) => memoize(memoHost, name, fn, options),
      getOrSet: (name, fn, options) => memoize(memoHost, name, fn, options)(),
      invalidate: (input) => cache.invalidate(input),
      invalidateAll: () => cache.invalidateAll(),
      stats: () => cache.snapshot(),
      close: () => cache.close(),
      subscribe: (listener) => cache.subscribe(listener),
      explain: async (read) => {
        const described = describedRead(read)
        if (described === undefined) {
          throw new StrategyError(
            '$cache.explain(read): read must be a model read of this client, not awaited, e.g. prisma.user.findUnique({ where })',
          )
        }
        const { model, operation, strategy, args, inTransaction } = described
        return cache.explain(model, operation, strategy, args, inTransaction)
      },
    }
    Object.defineProperty(api, CACHE_INTERNALS, { get: () => cache.internals, enumerable: false })
    const rawHook = rawWriteHook(current, dialectOf(schema.provider))
    const $transaction = transactionWrapper(
      builtinTransaction(client),
      (dependencies) => cache.invalidateDependencies(dependencies, 'hard', 'write'),
      cache.transactions,
    )
    return client.$extends({
      name: variant?.name ?? 'prisma-query-cache',
      model: {
        $allModels: cachedReadMethods(
          serve,
          relationsOf,
          variant?.decorate(current),
        ) as unknown as CachedReadMethods,
      },
      query: {
        $allModels: {
          async $allOperations(hookArgs) {
            const { model, operation, args, query } = hookArgs
            if (isWriteOperation(operation)) {
              noteWrite(model, operation)
              const plan = cache.writes.plan(
                model,
                operation,
                args,
                transactionOfHook(hookArgs) !== undefined,
              )
              let reasons: readonly string[] = []
              const run = async () => {
                const ran = await runRowWrite(hookArgs, plan, client)
                const invalidation = cache.writes.settle(plan, ran.outcome)
                reasons = invalidation.reasons
                return { ...ran, dependencies: invalidation.dependencies }
              }
              return writeThrough(hookArgs, run, (dependencies) =>
                cache.invalidateDependencies(dependencies, 'hard', 'write', {
                  model,
                  operation,
                  precision: reasons.length === 0 ? 'row' : 'model',
                  ...(reasons.length === 0 ? {} : { reasons }),
                }),
              )
            }
            // What a read in a transaction saw may never have been committed.
            if (transactionOfHook(hookArgs) !== undefined) noteTransactionRead()
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
      client: {
        $cache: api,
        ...variant?.client(api),
        $transaction,
        $queryRawCached: queryRawCached(current),
        // What the cache opened (its share of the bus subscription, retries, a Redis it connected itself) closes
        // with the client, so a process that disconnects can exit.
        async $disconnect() {
          await cache.close()
          await (client as unknown as { $disconnect(): Promise<void> }).$disconnect()
        },
      } as unknown as {
        $cache: CacheApi
        $queryRawCached: ReturnType<typeof queryRawCached>
      },
    })
  })
}
