import { randomUUID } from 'node:crypto'
import type { RealPromise } from '../prisma/cached-reads.ts'
import { canonicalize, hashKey } from '../read/keys.ts'
import type { ReadResult } from '../read/lookup.ts'
import type { CacheStatus } from '../types.ts'
import type { AccelerateInfo } from './types.ts'

/** Accelerate's name for each way the cache answers. */
const CACHE_STATUS = {
  hit: 'ttl',
  stale: 'swr',
  miss: 'miss',
  bypass: 'none',
} as const satisfies Record<CacheStatus, AccelerateInfo['cacheStatus']>

/** Accelerate's placeholder for what it could not tell. */
const UNSPECIFIED = 'unspecified'

/** One read, as its signature and its info describe it. */
export interface ReadIdentity {
  model: string
  operation: string
  /** The read's arguments as given, `cacheStrategy` included. */
  args: unknown
  /** The region a read that is not cached reports (its strategy's, its model's, or `default`). */
  region: string
  /** The cache's clock (ms). */
  clock: () => number
}

/**
 * The hash of a read's model, operation and canonical arguments without `cacheStrategy`: the same for the same
 * query whatever its strategy, different for another. `unspecified` for arguments that cannot be canonicalized
 * (Prisma refuses them anyway).
 */
export function signatureOf(model: string, operation: string, args: unknown): string {
  let query = args
  if (typeof args === 'object' && args !== null && 'cacheStrategy' in args) {
    const { cacheStrategy: _strategy, ...rest } = args as Record<string, unknown>
    query = rest
  }
  try {
    return hashKey(`${model}.${operation}:${canonicalize(query ?? {})}`)
  } catch {
    return UNSPECIFIED
  }
}

/** Accelerate's info for how the cache answered a read: `lastModified` is when the served result was loaded. */
export function accelerateInfo(result: ReadResult, read: ReadIdentity): AccelerateInfo {
  const { status, age, region } = result.info
  return {
    cacheStatus: CACHE_STATUS[status],
    lastModified: new Date(read.clock() - age),
    region,
    requestId: randomUUID(),
    signature: signatureOf(read.model, read.operation, read.args),
  }
}

/** The info of a read that ran in a batch `$transaction([...])`: not cached, loaded now. */
function transactionInfo(read: ReadIdentity): AccelerateInfo {
  return accelerateInfo(
    { data: undefined, info: { status: 'bypass', region: read.region, key: '', age: 0 } },
    read,
  )
}

/** Prisma's lazy promise, with the hook its batch `$transaction([...])` runs it through. */
type BatchablePromise = RealPromise & { requestTransaction(transaction: unknown): PromiseLike<unknown> }

/** What `withAccelerateInfo()` resolves to. */
export interface WithInfo {
  data: unknown
  info: AccelerateInfo
}

/**
 * `withAccelerateInfo()` of a cached read: a Prisma promise of its data and info. Awaited, it answers through
 * the read's `withCacheInfo()` (one run, shared with awaiting the read); in a batch `$transaction([...])`, Prisma
 * runs the read itself, uncached, and it answers `none`. `identify` is called once the read has run.
 */
export function withAccelerateInfo(read: RealPromise, identify: () => ReadIdentity) {
  const batchable = read as BatchablePromise
  let answer: Promise<WithInfo> | undefined
  const run = (): Promise<WithInfo> => {
    answer ??= (read.withCacheInfo as () => Promise<ReadResult>)().then((result) => ({
      data: result.data,
      info: accelerateInfo(result, identify()),
    }))
    return answer
  }
  return {
    // biome-ignore lint/suspicious/noThenProperty: a Prisma promise is a lazy thenable
    then: ((onFulfilled, onRejected) => run().then(onFulfilled, onRejected)) as Promise<WithInfo>['then'],
    catch: ((onRejected) => run().catch(onRejected)) as Promise<WithInfo>['catch'],
    finally: ((onFinally) => run().finally(onFinally)) as Promise<WithInfo>['finally'],
    requestTransaction: (transaction: unknown): Promise<WithInfo> =>
      Promise.resolve(batchable.requestTransaction(transaction)).then((data) => ({
        data,
        info: transactionInfo(identify()),
      })),
    [Symbol.toStringTag]: 'PrismaPromise' as const,
  }
}
