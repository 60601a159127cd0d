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

/** What a cached read's promise carries for `$cache.explain()`: the read, as the cache would plan it. */
export interface ReadDescription {
  model: string
  operation: ReadOperation
  strategy: unknown
  args: unknown
  inTransaction: boolean
}

/** The key under which a cached read's promise carries its {@link ReadDescription}. */
export const READ_DESCRIPTION: unique symbol = Symbol.for('prisma-query-cache.read')

/** The description a cached read's promise carries, or undefined for anything else. */
export function describedRead(read: unknown): ReadDescription | undefined {
  if (typeof read !== 'object' || read === null) return undefined
  return (read as { [READ_DESCRIPTION]?: ReadDescription })[READ_DESCRIPTION]
}

function attachDescription<P extends object>(promise: P, description: ReadDescription): P {
  Object.defineProperty(promise, READ_DESCRIPTION, {
    value: description,
    enumerable: false,
    configurable: true,
  })
  return promise
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
 * the cache, once: `query` (by default the same promise) is what a miss runs, and `unpack` what the caller gets
 * of the result.
 */
function wrapPromise(
  real: RealPromise,
  serve: (load: () => Promise<unknown>) => Promise<ReadResult> | ReadResult,
  unpack: (data: unknown) => unknown = (data) => data,
  query: RealPromise = real,
): RealPromise {
  const originalThen = query.then.bind(query)
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
      .then((r) => unpack(r.data))
      .then(onFulfilled, onRejected)) as RealPromise['then']
  real.catch = ((onRejected) => real.then(undefined, onRejected)) as RealPromise['catch']
  real.finally = ((onFinally) =>
    run()
      .then((r) => unpack(r.data))
      .finally(onFinally)) as RealPromise['finally']
  real.withCacheInfo = () => run().then((r) => ({ data: unpack(r.data), info: r.info }))
  return real
}

/** The relation fields of a model and the models they point to. */
export type RelationsOf = (model: string) => ReadonlyMap<string, string>

/** The reads that have Prisma's fluent relation API (`findUnique(…).posts()`). */
const FLUENT_OPERATIONS: ReadonlySet<string> = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
])

/** `args` with `value` at `path`, merged into what is there, as Prisma's fluent API builds its queries. */
function setPath(args: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value
  const [head, ...rest] = path as [string, ...string[]]
  const object = typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {}
  return { ...object, [head]: setPath(object[head], rest, value) }
}

/** What a fluent step reads: the result at the path of relation names, null when a step on the way is. */
function unpackAt(names: readonly string[]): (data: unknown) => unknown {
  return (data) => {
    let current = data
    for (const name of names) {
      if (current === null || current === undefined) return null
      current = (current as Record<string, unknown>)[name]
    }
    return current
  }
}

/** One read of a model method, and how its fluent steps derive from it. */
interface FluentRoot {
  serve: ServeRead
  relationsOf: RelationsOf
  model: string
  operation: ReadOperation
  delegate: Record<string, (args?: unknown) => unknown>
  strategy: unknown
  args: unknown
  inTransaction: boolean
}

/**
 * Prisma's fluent relation API on a cached read: `promise.posts(args)` reads the root again with the relation
 * selected, through the cache (same `cacheStrategy`), and resolves to the relation; steps chain through to-one
 * relations. `selectPath` is where the step's selection goes in the root's arguments, `names` the relations read.
 */
function withFluent(
  promise: RealPromise,
  root: FluentRoot,
  model: string,
  selectPath: readonly string[],
  names: readonly string[],
): RealPromise {
  const relations = root.relationsOf(model)
  if (relations.size === 0) return promise
  return new Proxy(promise, {
    get(target, property, receiver) {
      const related = typeof property === 'string' ? relations.get(property) : undefined
      if (related === undefined) return Reflect.get(target, property, receiver)
      return (args?: unknown) => {
        const path = [...selectPath, 'select', property as string]
        const fluentArgs = setPath(root.args, path, args ?? true)
        const step = [...names, property as string]
        // Prisma's own step stays what a batch transaction runs; the cache reads the root with the relation
        // selected (its rows give the pins of what it loads) and hands out the relation.
        const prismaStep = (Reflect.get(target, property, receiver) as (args?: unknown) => RealPromise)(args)
        const query = root.delegate[root.operation]!(fluentArgs) as RealPromise
        const cached = wrapPromise(
          prismaStep,
          (load) =>
            root.serve(root.model, root.operation, root.strategy, fluentArgs, root.inTransaction, load),
          unpackAt(step),
          query,
        )
        const { model, operation, strategy, inTransaction } = root
        attachDescription(cached, { model, operation, strategy, args: fluentArgs, inTransaction })
        return withFluent(cached, root, related, path, step)
      }
    },
  })
}

/** Adds to a read's promise what a variant of the extension gives it (`withAccelerateInfo()`), before it returns. */
export type DecorateRead = (
  promise: RealPromise,
  self: unknown,
  operation: ReadOperation,
  args: unknown,
) => void

function cachedReader(
  serve: ServeRead,
  relationsOf: RelationsOf,
  operation: ReadOperation,
  decorate: DecorateRead | undefined,
) {
  return function cachedRead(this: unknown, args?: Record<string, unknown>): RealPromise {
    const { model, delegate, parent } = modelContext(this)
    let strategy: unknown
    let rest = args
    if (args !== undefined && args !== null && typeof args === 'object' && 'cacheStrategy' in args) {
      const { cacheStrategy, ...others } = args
      strategy = cacheStrategy
      rest = others
    }
    const inTransaction = isTransactionClient(parent)
    const real = (delegate[operation] as (args?: unknown) => RealPromise)(rest)
    const cached = wrapPromise(real, (load) => serve(model, operation, strategy, rest, inTransaction, load))
    decorate?.(cached, this, operation, args)
    attachDescription(cached, { model, operation, strategy, args: rest, inTransaction })
    if (!FLUENT_OPERATIONS.has(operation)) return cached
    const root = { serve, relationsOf, model, operation, delegate, strategy, args: rest, inTransaction }
    return withFluent(cached, root, model, [], [])
  }
}

/**
 * The 8 read methods for `model.$allModels`: each strips `cacheStrategy`, builds Prisma's own query for the rest,
 * and answers it through the cache; `findUnique` and `findFirst` (and their `OrThrow`) keep Prisma's fluent
 * relation API, cached too.
 */
export function cachedReadMethods(
  serve: ServeRead,
  relationsOf: RelationsOf,
  decorate?: DecorateRead,
): Record<ReadOperation, (args?: object) => RealPromise> {
  return Object.fromEntries(
    READ_OPERATIONS.map((operation) => [operation, cachedReader(serve, relationsOf, operation, decorate)]),
  ) as Record<ReadOperation, (args?: object) => RealPromise>
}
