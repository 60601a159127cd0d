import type { Prisma } from '@prisma/client/extension'
import type { ReadResult } from '../read/lookup.ts'
import { isTransactionClient, modelContext } from './internals.ts'
import { READ_OPERATIONS, type ReadOperation } from './operations.ts'

/** Prisma's lazy promise for a query, with the `withCacheInfo()` this package adds. */
export type RealPromise = Prisma.PrismaPromise<unknown> & {
  then: Promise<unknown>['then']
  catch: Promise<unknown>['catch']
  finally: Promise<unknown>['finally']
  withCacheInfo?: () => Promise<ReadResult>
}

/** Serves one read: the query cache's `read`, bound by the extension. */
export type ServeRead = (
  model: string,
  operation: ReadOperation,
  strategy: unknown,
  args: unknown,
  inTransaction: boolean,
  load: () => Promise<unknown>,
) => Promise<ReadResult> | ReadResult

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

function cachedReader(serve: ServeRead, operation: ReadOperation) {
  return function cachedRead(this: unknown, args?: Record<string, unknown>): RealPromise {
    const { model, delegate, parent } = modelContext(this)
    let strategy: unknown
    let rest = args
    if (args !== undefined && args !== null && typeof args === 'object' && 'cacheStrategy' in args) {
      const { cacheStrategy, ...others } = args
      strategy = cacheStrategy
      rest = others
    }
    const real = (delegate[operation] as (args?: unknown) => RealPromise)(rest)
    return wrapPromise(real, (load) =>
      serve(model, operation, strategy, rest, isTransactionClient(parent), load),
    )
  }
}

/**
 * The 8 read methods for `model.$allModels`: each strips `cacheStrategy`, builds Prisma's own query for the rest,
 * and answers it through the cache.
 */
export function cachedReadMethods(serve: ServeRead): Record<ReadOperation, (args?: object) => RealPromise> {
  return Object.fromEntries(
    READ_OPERATIONS.map((operation) => [operation, cachedReader(serve, operation)]),
  ) as Record<ReadOperation, (args?: object) => RealPromise>
}
