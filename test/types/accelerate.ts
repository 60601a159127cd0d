// Type tests of `prisma-query-cache/accelerate`, checked by `npm run typecheck` (tsc); never executed. Code typed
// against @prisma/extension-accelerate must compile unchanged; each @ts-expect-error fails the type check when the
// line below it stops being an error.
import { expectTypeOf } from 'vitest'
import type { Post, PrismaClient, User } from '../../generated/prisma/client.ts'
import {
  type AccelerateInfo,
  type AccelerateInvalidateInput,
  type AcceleratePromise,
  type PrismaCacheStrategy,
  type WithAccelerateOptions,
  withAccelerate,
} from '../../src/accelerate/index.ts'
import type { CacheInfo, CacheStats } from '../../src/index.ts'

declare const base: PrismaClient
const prisma = base.$extends(withAccelerate())

export async function accelerateStrategiesOnTheEightReads(): Promise<void> {
  // Accelerate's documented example, verbatim.
  const users = await prisma.user.findMany({
    where: { email: { contains: 'alice@prisma.io' } },
    cacheStrategy: { swr: 60, ttl: 60, tags: ['emails_with_alice'] },
  })
  expectTypeOf(users).toEqualTypeOf<User[]>()
  const strategy = { ttl: 60 }
  const info = <T>(promise: { withAccelerateInfo(): PromiseLike<{ data: T }> }) =>
    promise.withAccelerateInfo().then((answer) => answer.data)
  const where = { id: 1 }
  expectTypeOf(
    await info(prisma.user.findUnique({ where, cacheStrategy: strategy })),
  ).toEqualTypeOf<User | null>()
  expectTypeOf(
    await info(prisma.user.findUniqueOrThrow({ where, cacheStrategy: strategy })),
  ).toEqualTypeOf<User>()
  expectTypeOf(await info(prisma.user.findFirst({ cacheStrategy: strategy }))).toEqualTypeOf<User | null>()
  expectTypeOf(await info(prisma.user.findFirstOrThrow({ cacheStrategy: strategy }))).toEqualTypeOf<User>()
  expectTypeOf(await info(prisma.user.count({ cacheStrategy: strategy }))).toEqualTypeOf<number>()
  const aggregate = await info(prisma.user.aggregate({ _max: { id: true }, cacheStrategy: strategy }))
  expectTypeOf(aggregate._max.id).toEqualTypeOf<number | null>()
  const groups = await info(
    prisma.user.groupBy({ by: ['role'], _count: { _all: true }, cacheStrategy: strategy }),
  )
  expectTypeOf(groups[0]!._count._all).toEqualTypeOf<number>()
  // queryCache()'s additions stay typed.
  await prisma.user.findMany({ cacheStrategy: { region: 'default', refresh: true } })
  await prisma.user.findMany({ cacheStrategy: false })
  // @ts-expect-error ttl is a number of seconds
  await prisma.user.findMany({ cacheStrategy: { ttl: '60' } })
  // @ts-expect-error unknown strategy field
  await prisma.user.findMany({ cacheStrategy: { ttl: 60, maxAge: 1 } })
  // @ts-expect-error tags are strings
  await prisma.user.findMany({ cacheStrategy: { tags: [1] } })
}

export async function withAccelerateInfoOnTheEightReadsOnly(): Promise<void> {
  const { data, info } = await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()
  expectTypeOf(data).toEqualTypeOf<User[]>()
  expectTypeOf(info).toEqualTypeOf<AccelerateInfo>()
  expectTypeOf(info.cacheStatus).toEqualTypeOf<'ttl' | 'swr' | 'miss' | 'none'>()
  expectTypeOf(info.lastModified).toEqualTypeOf<Date>()
  expectTypeOf(info.region).toEqualTypeOf<string>()
  expectTypeOf(info.requestId).toEqualTypeOf<string>()
  expectTypeOf(info.signature).toEqualTypeOf<string>()
  // Accelerate-era code that guarded against a null info still compiles.
  if (info?.cacheStatus === 'ttl') expectTypeOf(info.lastModified).toEqualTypeOf<Date>()
  expectTypeOf(
    (await prisma.user.findUnique({ where: { id: 1 } }).withAccelerateInfo()).data,
  ).toEqualTypeOf<User | null>()
  expectTypeOf((await prisma.post.count().withAccelerateInfo()).data).toEqualTypeOf<number>()
  const selected = await prisma.user
    .findFirst({ select: { email: true }, cacheStrategy: { ttl: 1 } })
    .withAccelerateInfo()
  expectTypeOf(selected.data).toEqualTypeOf<{ email: string } | null>()
  // queryCache()'s withCacheInfo() and the fluent API stay.
  expectTypeOf((await prisma.user.findMany().withCacheInfo()).info).toEqualTypeOf<CacheInfo>()
  expectTypeOf(await prisma.user.findUnique({ where: { id: 1 } }).posts()).toEqualTypeOf<Post[] | null>()
  // A read's promise is Accelerate's AcceleratePromise.
  const promise: AcceleratePromise<User[]> = prisma.user.findMany({ cacheStrategy: { ttl: 1 } })
  expectTypeOf(promise).toMatchTypeOf<AcceleratePromise<User[]>>()
  // @ts-expect-error writes have no withAccelerateInfo()
  prisma.user.create({ data: { email: 'a' } }).withAccelerateInfo()
  // @ts-expect-error writes take no cacheStrategy
  await prisma.user.update({ where: { id: 1 }, data: {}, cacheStrategy: { ttl: 60 } })
  // @ts-expect-error writes take no cacheStrategy
  await prisma.user.deleteMany({ cacheStrategy: { ttl: 60 } })
}

export async function batchTransactionsTakeAcceleratedReads(): Promise<void> {
  const [users, counted] = await prisma.$transaction([
    prisma.user.findMany({ cacheStrategy: { ttl: 1 } }),
    prisma.user.count({ cacheStrategy: { ttl: 1 } }).withAccelerateInfo(),
  ])
  expectTypeOf(users).toEqualTypeOf<User[]>()
  expectTypeOf(counted).toEqualTypeOf<{ data: number; info: AccelerateInfo }>()
}

export async function accelerateApiIsTyped(): Promise<void> {
  expectTypeOf(await prisma.$accelerate.invalidate({ tags: ['emails_with_alice'] })).toEqualTypeOf<{
    requestId: string
  }>()
  expectTypeOf(await prisma.$accelerate.invalidateAll()).toEqualTypeOf<{ requestId: string }>()
  const input: AccelerateInvalidateInput = { tags: ['a'] }
  await prisma.$accelerate.invalidate(input)
  // @ts-expect-error tags are required
  await prisma.$accelerate.invalidate({})
  // @ts-expect-error models belong to $cache.invalidate
  await prisma.$accelerate.invalidate({ tags: ['a'], models: ['User'] })
  // $cache stays.
  expectTypeOf(prisma.$cache.stats()).toEqualTypeOf<CacheStats>()
  await prisma.$cache.invalidate({ models: ['User'] })
}

export function optionsAreQueryCacheOptions(): void {
  const options: WithAccelerateOptions = { namespace: 'shop', regions: { hot: { ttl: 5 } } }
  base.$extends(withAccelerate(options))
  // @ts-expect-error ttl is a number of seconds
  withAccelerate({ regions: { default: { ttl: '60' } } })
  // @ts-expect-error Accelerate's fetch option has nothing to call here
  withAccelerate({ fetch })
  const args: PrismaCacheStrategy = { cacheStrategy: { ttl: 60, swr: 60, tags: ['t'] } }
  expectTypeOf(args.cacheStrategy).toEqualTypeOf<PrismaCacheStrategy['cacheStrategy']>()
}
