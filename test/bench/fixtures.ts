/**
 * The benchmark's world: services, seed data, the two queries, and the clients that run them (plain,
 * a bare hook that returns a stored result, and the cache in each configuration).
 */
import type { PrismaClient } from '../../generated/prisma/client.ts'
import { withAccelerate } from '../../src/accelerate/index.ts'
import { type CacheInfo, type QueryCacheOptions, queryCache } from '../../src/index.ts'
import { LOCAL_DATABASE_URL, LOCAL_REDIS_URL } from '../setup/services.ts'

/** PostgreSQL server the benchmark creates its schema in. */
export const DATABASE_URL = process.env.DATABASE_URL ?? LOCAL_DATABASE_URL

/** Redis server of the Redis-tier cases. */
export const REDIS_URL = process.env.REDIS_URL ?? LOCAL_REDIS_URL

/** Seed size: users, posts per user, comments per post. */
export const SEED = { users: 50, postsPerUser: 5, commentsPerPost: 2 } as const

/** The user `findUnique` reads. */
export const USER_ID = 7

/** 20 posts, each with its author: 20 rows plus a relation. */
export const FIND_MANY_ARGS = { take: 20, include: { author: true }, orderBy: { id: 'asc' } } as const

/** Long enough that only invalidation ends an entry during the run. */
export const CACHE_STRATEGY = { ttl: 3600 } as const

/** Prisma's error formats compared: its default (call-site capture) and `minimal` (none). */
export const ERROR_FORMATS = ['default', 'minimal'] as const
export type ErrorFormat = (typeof ERROR_FORMATS)[number]

/** The two queries of every scenario. */
export const QUERIES = ['findUnique', 'findMany'] as const
export type Query = (typeof QUERIES)[number]

/** One way to run each query; every call starts a new query. */
export type Reads = Record<Query, () => PromiseLike<unknown>>

/** Queries through the cache, which can also tell how the cache answered. */
export type CachedReads = Record<
  Query,
  () => PromiseLike<unknown> & { withCacheInfo(): Promise<{ data: unknown; info: CacheInfo }> }
>

/** Fills an empty schema: posts round-robin over users, so the 20 first posts have 20 distinct authors. */
export async function seed(client: PrismaClient): Promise<void> {
  const users = await client.user.createManyAndReturn({
    data: Array.from({ length: SEED.users }, (_, i) => ({
      email: `user${i + 1}@example.com`,
      name: `User Number ${i + 1}`,
      role: i % 10 === 0 ? ('ADMIN' as const) : ('USER' as const),
    })),
    select: { id: true },
  })
  const posts = await client.post.createManyAndReturn({
    data: Array.from({ length: SEED.users * SEED.postsPerUser }, (_, i) => ({
      title: `Caching read queries in Prisma, part ${i + 1}`,
      published: i % 2 === 0,
      views: 1_234_567_890_123n + BigInt(i),
      rating: 4.25,
      metadata: { source: 'import', tags: ['orm', 'cache'], wordCount: 1200 + i },
      keywords: ['prisma', 'cache', 'redis'],
      authorId: users[i % users.length]!.id,
    })),
    select: { id: true },
  })
  await client.comment.createMany({
    data: posts.flatMap((post, i) =>
      Array.from({ length: SEED.commentsPerPost }, (_, j) => ({
        body: `Comment ${j + 1} on post ${post.id}`,
        postId: post.id,
        authorId: users[(i + j + 1) % users.length]!.id,
      })),
    ),
  })
}

/** The two queries on a plain client. */
export function plainReads(client: PrismaClient): Reads {
  return {
    findUnique: () => client.user.findUnique({ where: { id: USER_ID } }),
    findMany: () => client.post.findMany(FIND_MANY_ARGS),
  }
}

/** `client` with the cache installed. */
export function withCache(client: PrismaClient, options: QueryCacheOptions) {
  return client.$extends(queryCache(options))
}

/** A client with the cache installed. */
export type CachedClient = ReturnType<typeof withCache>

/** `client` with the cache installed through `withAccelerate()` (`prisma-query-cache/accelerate`). */
export function withAcceleratedCache(client: PrismaClient, options: QueryCacheOptions) {
  return client.$extends(withAccelerate(options))
}

/** A client whose cache the run closes at the end, whichever way it was installed. */
export interface CacheOwner {
  readonly $cache: { close(): Promise<void> }
}

/** The two queries with a `cacheStrategy`, so that they are cached (through `queryCache()` or `withAccelerate()`). */
export function cachedReads(client: CachedClient | ReturnType<typeof withAcceleratedCache>): CachedReads {
  return {
    findUnique: () => client.user.findUnique({ where: { id: USER_ID }, cacheStrategy: CACHE_STRATEGY }),
    findMany: () => client.post.findMany({ ...FIND_MANY_ARGS, cacheStrategy: CACHE_STRATEGY }),
  }
}

let missSequence = 0

/** A string no earlier call returned: a filter value that makes every query new to the cache. */
function unusedText(): string {
  return `miss-${missSequence++}`
}

/** The two queries on a plain client, filtered by `name`/`title` not equal to a fresh string each call. */
export function plainMissReads(client: PrismaClient): Reads {
  return {
    findUnique: () => client.user.findUnique({ where: { id: USER_ID, name: { not: unusedText() } } }),
    findMany: () => client.post.findMany({ ...FIND_MANY_ARGS, where: { title: { not: unusedText() } } }),
  }
}

/** The same queries as {@link plainMissReads}, cached: a miss, a load and a store every call. */
export function cachedMissReads(client: CachedClient): CachedReads {
  return {
    findUnique: () =>
      client.user.findUnique({
        where: { id: USER_ID, name: { not: unusedText() } },
        cacheStrategy: CACHE_STRATEGY,
      }),
    findMany: () =>
      client.post.findMany({
        ...FIND_MANY_ARGS,
        where: { title: { not: unusedText() } },
        cacheStrategy: CACHE_STRATEGY,
      }),
  }
}

/**
 * The floor of any cache built as a query extension: a bare `$allOperations` hook that answers with a
 * stored result (loaded once, beforehand) and never runs the query.
 */
export function withStoredResults(client: PrismaClient, stored: Readonly<Record<Query, unknown>>) {
  return client.$extends({
    query: {
      $allModels: {
        async $allOperations({ operation }) {
          return stored[operation as Query]
        },
      },
    },
  })
}

/** The two queries on a client whose hook answers them; the hook ignores the arguments. */
export function hookReads(client: ReturnType<typeof withStoredResults>): Reads {
  return {
    findUnique: () => client.user.findUnique({ where: { id: USER_ID } }),
    findMany: () => client.post.findMany(FIND_MANY_ARGS),
  }
}
