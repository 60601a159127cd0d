import { describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../src/index.ts'
import { cachedClient, countDuring, useFixture } from './helpers.ts'

// Prisma's fluent relation API (`findUnique(…).posts()`) on cached reads: the same results as a plain client,
// cached with the first read's strategy, invalidated like any read of what it reads.

const fixture = useFixture()

describe.each([
  { name: 'memory only', options: (): QueryCacheOptions => ({}) },
  {
    name: 'memory + redis',
    options: (): QueryCacheOptions => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
  },
])('fluent relation API ($name)', ({ options }) => {
  async function setup() {
    const { prisma, base, statements } = cachedClient(fixture.db, options())
    const user = await base.user.create({
      data: { email: 'fluent@x.io', posts: { create: [{ title: 'a' }, { title: 'b', published: true }] } },
      include: { posts: true },
    })
    const comment = await base.comment.create({
      data: { body: 'c', postId: user.posts[0]!.id, authorId: user.id },
    })
    return { prisma, base, statements, user, comment }
  }

  it('reads what the plain client reads, and caches it with the first read strategy', async () => {
    const { prisma, base, statements, user } = await setup()
    const where = { id: user.id }
    const read = () =>
      prisma.user.findUnique({ where, cacheStrategy: { ttl: 60 } }).posts({ orderBy: { id: 'asc' } })
    expect(await read()).toEqual(await base.user.findUnique({ where }).posts({ orderBy: { id: 'asc' } }))
    expect(await countDuring(statements, read)).toBe(0)
    const { data, info } = await prisma.user
      .findUnique({ where, cacheStrategy: { ttl: 60 } })
      .posts({ orderBy: { id: 'asc' } })
      .withCacheInfo()
    expect(info.status).toBe('hit')
    expect(data).toHaveLength(2)
    // A new post of that user is a write to what it read.
    await prisma.post.create({ data: { title: 'c', authorId: user.id } })
    expect(await read()).toHaveLength(3)
    await prisma.$cache.close()
  })

  it('chains through to-one relations, selects, and gives null for a missing row', async () => {
    const { prisma, base, comment } = await setup()
    const chained = await prisma.comment
      .findUnique({ where: { id: comment.id }, cacheStrategy: { ttl: 60 } })
      .post()
      .author({ select: { email: true } })
    expect(chained).toEqual(
      await base.comment
        .findUnique({ where: { id: comment.id } })
        .post()
        .author({ select: { email: true } }),
    )
    expect(chained).toEqual({ email: 'fluent@x.io' })
    expect(
      await prisma.user.findUnique({ where: { id: 404 }, cacheStrategy: { ttl: 60 } }).posts(),
    ).toBeNull()
    expect(
      await prisma.user.findFirst({ where: { email: 'fluent@x.io' }, cacheStrategy: { ttl: 60 } }).profile(),
    ).toBeNull()
    await expect(
      prisma.user.findUniqueOrThrow({ where: { id: 404 }, cacheStrategy: { ttl: 60 } }).posts(),
    ).rejects.toMatchObject({
      code: 'P2025',
    })
    await prisma.$cache.close()
  })

  it('without a strategy on an uncached model it runs uncached; in a batch transaction it is Prisma’s own step', async () => {
    const { prisma, base, user } = await setup()
    const { info } = await prisma.user
      .findUnique({ where: { id: user.id } })
      .posts()
      .withCacheInfo()
    expect(info.status).toBe('bypass')
    const [posts, count] = await prisma.$transaction([
      prisma.user
        .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } })
        .posts({ orderBy: { id: 'asc' } }),
      prisma.post.count(),
    ])
    expect(posts).toEqual(
      await base.user.findUnique({ where: { id: user.id } }).posts({ orderBy: { id: 'asc' } }),
    )
    expect(count).toBe(2)
    await prisma.$cache.close()
  })
})
