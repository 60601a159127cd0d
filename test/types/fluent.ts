// Type tests of the fluent relation API on cached reads, checked by `npm run typecheck` (tsc); never executed.
// The cached client must type exactly as the plain one.
import { expectTypeOf } from 'vitest'
import type { Post, PrismaClient, Profile, User } from '../../generated/prisma/client.ts'
import { queryCache } from '../../src/index.ts'

declare const base: PrismaClient
const prisma = base.$extends(queryCache({}))

export async function fluentReadsTypeAsOnAPlainClient(): Promise<void> {
  const where = { id: 1 }
  expectTypeOf(await prisma.user.findUnique({ where }).posts()).toEqualTypeOf<Post[] | null>()
  expectTypeOf(await prisma.user.findUnique({ where }).posts()).toEqualTypeOf(
    await base.user.findUnique({ where }).posts(),
  )
  expectTypeOf(await prisma.user.findUniqueOrThrow({ where }).posts()).toEqualTypeOf<Post[]>()
  expectTypeOf(await prisma.user.findUniqueOrThrow({ where }).posts()).toEqualTypeOf(
    await base.user.findUniqueOrThrow({ where }).posts(),
  )
  expectTypeOf(
    await prisma.user.findFirst({ cacheStrategy: { ttl: 60 } }).profile(),
  ).toEqualTypeOf<Profile | null>()
  expectTypeOf(await prisma.post.findFirstOrThrow({ where }).author()).toEqualTypeOf<User | null>()
  // Arguments and selections, as on the plain client.
  const titles = await prisma.user
    .findUnique({ where, cacheStrategy: { ttl: 60 } })
    .posts({ select: { title: true }, where: { published: true }, orderBy: { id: 'asc' } })
  expectTypeOf(titles).toEqualTypeOf<{ title: string }[] | null>()
  expectTypeOf(titles).toEqualTypeOf(
    await base.user.findUnique({ where }).posts({ select: { title: true }, where: { published: true } }),
  )
  // Chained through to-one relations.
  const chained = await prisma.comment.findUnique({ where }).post().author()
  expectTypeOf(chained).toEqualTypeOf<User | null>()
  expectTypeOf(chained).toEqualTypeOf(await base.comment.findUnique({ where }).post().author())
  // withCacheInfo on a fluent step.
  const { data } = await prisma.user.findUnique({ where }).posts().withCacheInfo()
  expectTypeOf(data).toEqualTypeOf<Post[] | null>()
  // @ts-expect-error no such relation
  prisma.user.findUnique({ where }).nope()
  // @ts-expect-error wrong argument for the relation
  prisma.user.findUnique({ where }).posts({ where: { nope: 1 } })
  // @ts-expect-error not on findMany, as on the plain client
  prisma.user.findMany().posts()
}
