import { Prisma } from '../../../generated/prisma/client.ts'
import type { CacheInfo } from '../../../src/index.ts'
import type { PoolRead } from './reads.ts'

/** Thrown when a cached read differs from the uncached one, the cache lost precision, or a write misbehaved. */
export class ModelMismatch extends Error {
  override name = 'ModelMismatch'
}

/** A model method called by name, as the pool and the generators do. */
export type Method = (
  args: object,
) => Promise<unknown> & { withCacheInfo(): Promise<{ data: unknown; info: CacheInfo }> }

/** `client[delegate][operation]`, bound; works on the plain, the extended and a transaction client. */
export function method(client: object, delegate: string, operation: string): Method {
  const model = (client as Record<string, Record<string, Method>>)[delegate]
  const fn = model?.[operation]
  if (fn === undefined) throw new Error(`No ${delegate}.${operation} on the client`)
  return fn.bind(model)
}

/** Prisma's error code, or the error's name and first lines. */
export function describeError(error: unknown): string {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n').slice(0, 3).join(' ')}`
  return String(error)
}

/**
 * Failures of Prisma itself that surface as plain errors, without the cache: a write that meets one is
 * recorded as such (Prisma rolled it back) and the sequence goes on; each has a test of its own in
 * `provider-differences.test.ts` that fails once Prisma fixes it.
 * - Prisma 7.10 with relationMode = "prisma": `user.deleteMany` of several users that have a profile (1:1,
 *   onDelete Cascade, emulated) throws `Expected zero or one element, got 2`.
 */
const KNOWN_PRISMA_FAILURES: readonly RegExp[] = [/^Expected zero or one element, got \d+$/]

/**
 * The outcome of a write that threw: Prisma's code for a request Prisma rejected (missing row, unique or
 * foreign-key violation...), which is part of the test. Anything else (including a {@link ModelMismatch}
 * from inside a transaction) is rethrown and fails the test.
 */
export function rejectedWrite(call: string, error: unknown): string {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code
  if (error instanceof ModelMismatch) throw error
  const known = KNOWN_PRISMA_FAILURES.find((failure) => error instanceof Error && failure.test(error.message))
  if (known !== undefined) return `Prisma bug: ${(error as Error).message}`
  throw new ModelMismatch(
    `${call} failed with something other than a Prisma request error: ${describeError(error)}`,
    {
      cause: error,
    },
  )
}

/** What a read came to: data, or the error Prisma answered with. */
export type Outcome = { ok: true; data: unknown } | { ok: false; error: string }

/** Awaits a read and captures its outcome. */
export async function outcomeOf(read: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, data: await read }
  } catch (error) {
    return { ok: false, error: describeError(error) }
  }
}

/** The region the pool's options define for {@link strategyFor} and for the models cached by default. */
export const POOL_REGION = 'pool'
/** A region kept in the memory tier only (its versions still come from Redis when there is one). */
export const POOL_MEMORY_REGION = 'pool-memory'

/** Options every configuration adds: the region and the models cached without a `cacheStrategy`. */
export const POOL_OPTIONS = {
  regions: {
    [POOL_REGION]: { ttl: 3600, swr: 600, staleIfError: 3600 },
    [POOL_MEMORY_REGION]: { ttl: 3600, tiers: ['memory'] as const },
  },
  models: { Country: { region: POOL_REGION }, Warehouse: { region: POOL_REGION } },
}

const DELEGATES_CACHED_BY_MODEL: ReadonlySet<string> = new Set(['country', 'warehouse'])

/**
 * The `cacheStrategy` of a pool read, varied so that every way of caching meets every write: a plain ttl,
 * a ttl with stale-while-revalidate (a write must still never let an old result through), a region, a
 * memory-only region, tags, and none at all for some reads of the models that {@link POOL_OPTIONS} caches by default. Every ttl
 * outlives the test, so only invalidation ends an entry.
 */
export function strategyFor(read: PoolRead): object | undefined {
  if (DELEGATES_CACHED_BY_MODEL.has(read.delegate) && read.index % 2 === 0) return undefined
  switch (read.index % 4) {
    case 0:
      return { ttl: 3600 }
    case 1:
      return { ttl: 3600, swr: 3600 }
    case 2:
      return { region: read.index % 8 === 2 ? POOL_REGION : POOL_MEMORY_REGION }
    default:
      return { ttl: 3600, tags: ['pool', `read-${read.index}`] }
  }
}

/** `read.args` with its {@link strategyFor}, as passed to the cached client. */
export function cachedArgs(read: PoolRead): object {
  const strategy = strategyFor(read)
  return strategy === undefined ? read.args : { ...read.args, cacheStrategy: strategy }
}

/** Runs a pool read with {@link cachedArgs} through `withCacheInfo()`; `info` is absent when it threw. */
export async function readCached(
  client: object,
  read: PoolRead,
): Promise<{ outcome: Outcome; info?: CacheInfo }> {
  let info: CacheInfo | undefined
  const call = method(client, read.delegate, read.operation)(cachedArgs(read))
  const outcome = await outcomeOf(
    call.withCacheInfo().then((result) => {
      info = result.info
      return result.data
    }),
  )
  return info === undefined ? { outcome } : { outcome, info }
}
