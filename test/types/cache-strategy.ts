// Type tests, checked by `npm run typecheck` (tsc); never executed. Each @ts-expect-error fails the type check
// when the line below it stops being an error.
import { expectTypeOf } from 'vitest'
import { Prisma, type PrismaClient, type User } from '../../generated/prisma/client.ts'
import { type CacheInfo, type CacheStats, queryCache } from '../../src/index.ts'

declare const base: PrismaClient
const prisma = base.$extends(queryCache({ regions: { hot: { ttl: 5 } } }))

export async function readsAcceptCacheStrategy(): Promise<void> {
  const strategy = { ttl: 60, swr: 30, tags: ['a'], region: 'hot', refresh: false }
  expectTypeOf(
    await prisma.user.findUnique({ where: { id: 1 }, cacheStrategy: strategy }),
  ).toEqualTypeOf<User | null>()
  expectTypeOf(
    await prisma.user.findUniqueOrThrow({ where: { id: 1 }, cacheStrategy: strategy }),
  ).toEqualTypeOf<User>()
  expectTypeOf(await prisma.user.findFirst({ cacheStrategy: strategy })).toEqualTypeOf<User | null>()
  expectTypeOf(await prisma.user.findFirstOrThrow({ cacheStrategy: false })).toEqualTypeOf<User>()
  expectTypeOf(await prisma.user.findMany({ cacheStrategy: { ttl: 1 } })).toEqualTypeOf<User[]>()
  expectTypeOf(await prisma.user.count({ cacheStrategy: { ttl: 1 } })).toEqualTypeOf<number>()
  const aggregate = await prisma.user.aggregate({ _max: { id: true }, cacheStrategy: { ttl: 1 } })
  expectTypeOf(aggregate._max.id).toEqualTypeOf<number | null>()
  const groups = await prisma.user.groupBy({
    by: ['role'],
    _count: { _all: true },
    cacheStrategy: { ttl: 1 },
  })
  expectTypeOf(groups[0]!._count._all).toEqualTypeOf<number>()

  // Selections still shape the result.
  const selected = await prisma.user.findMany({
    select: { email: true, posts: true },
    cacheStrategy: { ttl: 1 },
  })
  expectTypeOf(selected[0]!.email).toEqualTypeOf<string>()
  // @ts-expect-error name was not selected
  selected[0]!.name

  // Reads without a strategy keep working.
  expectTypeOf(await prisma.user.findMany()).toEqualTypeOf<User[]>()
}

export async function withCacheInfoIsTyped(): Promise<void> {
  const { data, info } = await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
  expectTypeOf(data).toEqualTypeOf<User[]>()
  expectTypeOf(info).toEqualTypeOf<CacheInfo>()
  expectTypeOf(info.status).toEqualTypeOf<'hit' | 'stale' | 'miss' | 'bypass'>()
  const one = await prisma.user.findUnique({ where: { id: 1 } }).withCacheInfo()
  expectTypeOf(one.data).toEqualTypeOf<User | null>()
}

export async function strategyFieldsAreChecked(): Promise<void> {
  // @ts-expect-error ttl is a number of seconds
  await prisma.user.findMany({ cacheStrategy: { ttl: '60' } })
  // @ts-expect-error unknown strategy field
  await prisma.user.findMany({ cacheStrategy: { ttl: 60, tll: 1 } })
  // @ts-expect-error tags are strings
  await prisma.user.findMany({ cacheStrategy: { tags: [1] } })
  // @ts-expect-error true is not a strategy (false bypasses)
  await prisma.user.findMany({ cacheStrategy: true })
}

export async function writesRejectCacheStrategy(): Promise<void> {
  // @ts-expect-error writes take no cacheStrategy
  await prisma.user.create({ data: { email: 'a' }, cacheStrategy: { ttl: 60 } })
  // @ts-expect-error writes take no cacheStrategy
  await prisma.user.update({ where: { id: 1 }, data: {}, cacheStrategy: { ttl: 60 } })
  // @ts-expect-error writes take no cacheStrategy
  await prisma.user.deleteMany({ cacheStrategy: false })
  const upsert = { where: { id: 1 }, create: { email: 'a' }, update: {} }
  // @ts-expect-error writes take no cacheStrategy
  await prisma.user.upsert({ ...upsert, cacheStrategy: { ttl: 1 } })
  // @ts-expect-error writes take no cacheStrategy
  await prisma.user.createMany({ data: [], cacheStrategy: { ttl: 1 } })
}

export async function cacheApiIsTyped(): Promise<void> {
  await prisma.$cache.invalidate({ tags: ['a'], models: ['User'], regions: ['hot'], mode: 'hard' })
  await prisma.$cache.invalidateAll()
  expectTypeOf(prisma.$cache.stats()).toEqualTypeOf<CacheStats>()
  // @ts-expect-error mode is 'hard' | 'soft'
  await prisma.$cache.invalidate({ regions: ['hot'], mode: 'gentle' })
  await prisma.$cache.close()
}

export async function batchTransactionsTakeCachedReads(): Promise<void> {
  const [users, count] = await prisma.$transaction([
    prisma.user.findMany({ cacheStrategy: { ttl: 1 } }),
    prisma.user.count({ cacheStrategy: { ttl: 1 } }),
  ])
  expectTypeOf(users).toEqualTypeOf<User[]>()
  expectTypeOf(count).toEqualTypeOf<number>()
  await prisma.$transaction(async (tx) => {
    expectTypeOf(await tx.user.findMany({ cacheStrategy: { ttl: 1 } })).toEqualTypeOf<User[]>()
  })
}

export async function literalArgumentsKeepTheirTypes(): Promise<void> {
  const posts = await prisma.post.findMany({
    select: { title: true, author: { select: { email: true } } },
    orderBy: { id: 'asc' },
    cacheStrategy: { ttl: 1 },
  })
  expectTypeOf(posts[0]!.title).toEqualTypeOf<string>()
  expectTypeOf(posts[0]!.author).toEqualTypeOf<{ email: string } | null>()
  // @ts-expect-error only title and author were selected
  posts[0]!.id
  const withAuthor = await prisma.post.findFirst({ include: { author: true }, orderBy: [{ title: 'desc' }] })
  expectTypeOf(withAuthor!.author).toEqualTypeOf<User | null>()
  const grouped = await prisma.post.groupBy({
    by: ['published'],
    _count: { _all: true },
    orderBy: { published: 'asc' },
    cacheStrategy: { ttl: 1 },
  })
  expectTypeOf(grouped[0]!.published).toEqualTypeOf<boolean>()
}

export async function rawCachedReadsAreTyped(): Promise<void> {
  const rows = await prisma.$queryRawCached<{ n: bigint }[]>(
    { ttl: 60, models: ['User'] },
    Prisma.sql`SELECT 1 AS n`,
  )
  expectTypeOf(rows).toEqualTypeOf<{ n: bigint }[]>()
  // @ts-expect-error models are strings
  await prisma.$queryRawCached({ models: [1] }, Prisma.sql`SELECT 1`)
}
