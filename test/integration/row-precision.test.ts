import { describe, expect, it } from 'vitest'
import type { CacheEvent, QueryCacheOptions } from '../../src/index.ts'
import { INTERNAL_HOOKS } from '../../src/prisma/extension.ts'
import type { LoaderHooks } from '../../src/read/loader.ts'
import { cachedClient, latch, useFixture } from './helpers.ts'

// P1, row-level precision: a write invalidates the reads of the rows it changes (before and after), and falls back
// to every pinned read of a model only where it cannot tell which rows change. Every test also checks that what
// stays cached is still what the database holds.

const fixture = useFixture()

const SETUPS: { name: string; options: () => QueryCacheOptions }[] = [
  { name: 'memory only', options: () => ({}) },
  {
    name: 'redis only',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace(), memory: false }),
  },
  {
    name: 'memory + redis',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
  },
]

const TTL = { ttl: 3600 } as const

/** Three users with two posts each, a comment on each post, a team with memberships, a country with warehouses. */
async function seed(base: ReturnType<typeof cachedClient>['base']) {
  const users = []
  for (const n of [1, 2, 3]) {
    users.push(
      await base.user.create({
        data: {
          email: `u${n}@x.io`,
          name: `user ${n}`,
          posts: { create: [{ title: `p${n}a` }, { title: `p${n}b`, published: true }] },
        },
        include: { posts: { orderBy: { id: 'asc' } } },
      }),
    )
  }
  for (const user of users) {
    for (const post of user.posts) {
      await base.comment.create({ data: { body: `on ${post.title}`, postId: post.id, authorId: user.id } })
    }
  }
  const team = await base.team.create({ data: { name: 'red' } })
  for (const user of users) await base.membership.create({ data: { userId: user.id, teamId: team.id } })
  await base.country.create({
    data: { code: 'AA', name: 'Aland', warehouses: { create: [{ code: 'w1' }, { code: 'w2' }] } },
  })
  return { users, team }
}

describe.each(SETUPS)('row precision ($name)', ({ options }) => {
  /** A cached client, seeded, with a way to run a cached read and compare it with the database. */
  async function setup(extra: QueryCacheOptions = {}) {
    const cached = cachedClient(fixture.db, { ...options(), ...extra })
    const world = await seed(cached.base)
    return { ...cached, ...world }
  }

  type Reads = Record<string, () => Promise<{ data: unknown; info: { status: string } }>>

  /** Runs every read (filling the cache), then returns their statuses after `write`, checked against the database. */
  async function statusesAfter(
    reads: Reads,
    uncached: Record<string, () => Promise<unknown>>,
    write: () => Promise<unknown>,
  ): Promise<Record<string, string>> {
    for (const read of Object.values(reads)) await read()
    for (const [name, read] of Object.entries(reads)) {
      expect((await read()).info.status, `${name} before the write`).toBe('hit')
    }
    await write()
    const statuses: Record<string, string> = {}
    for (const [name, read] of Object.entries(reads)) {
      const { data, info } = await read()
      statuses[name] = info.status
      expect(data, `${name} after the write`).toEqual(await uncached[name]!())
    }
    return statuses
  }

  it('unique lookups (id, unique field, compound unique, compound id) stay cached across writes to other rows', async () => {
    const { prisma, base, users, team } = await setup()
    const [u1, u2] = users
    const reads: Reads = {
      byId: () => prisma.user.findUnique({ where: { id: u1!.id }, cacheStrategy: TTL }).withCacheInfo(),
      byEmail: () =>
        prisma.user.findUnique({ where: { email: 'u1@x.io' }, cacheStrategy: TTL }).withCacheInfo(),
      warehouse: () =>
        prisma.warehouse
          .findUnique({ where: { countryCode_code: { countryCode: 'AA', code: 'w1' } }, cacheStrategy: TTL })
          .withCacheInfo(),
      membership: () =>
        prisma.membership
          .findUnique({ where: { userId_teamId: { userId: u1!.id, teamId: team.id } }, cacheStrategy: TTL })
          .withCacheInfo(),
      missing: () => prisma.user.findUnique({ where: { id: 999 }, cacheStrategy: TTL }).withCacheInfo(),
    }
    const uncached = {
      byId: () => base.user.findUnique({ where: { id: u1!.id } }),
      byEmail: () => base.user.findUnique({ where: { email: 'u1@x.io' } }),
      warehouse: () =>
        base.warehouse.findUnique({ where: { countryCode_code: { countryCode: 'AA', code: 'w1' } } }),
      membership: () =>
        base.membership.findUnique({ where: { userId_teamId: { userId: u1!.id, teamId: team.id } } }),
      missing: () => base.user.findUnique({ where: { id: 999 } }),
    }
    const others = await statusesAfter(reads, uncached, async () => {
      await prisma.user.update({ where: { id: u2!.id }, data: { name: 'changed' } })
      await prisma.warehouse.update({
        where: { countryCode_code: { countryCode: 'AA', code: 'w2' } },
        data: { code: 'w3' },
      })
      await prisma.membership.update({
        where: { userId_teamId: { userId: u2!.id, teamId: team.id } },
        data: { role: 'admin' },
      })
    })
    expect(others).toEqual({
      byId: 'hit',
      byEmail: 'hit',
      warehouse: 'hit',
      membership: 'hit',
      missing: 'hit',
    })
    const same = await statusesAfter(reads, uncached, async () => {
      await prisma.user.update({ where: { id: u1!.id }, data: { name: 'me' } })
      await prisma.warehouse.update({
        where: { countryCode_code: { countryCode: 'AA', code: 'w1' } },
        data: { code: 'w0' },
      })
      await prisma.membership.update({
        where: { userId_teamId: { userId: u1!.id, teamId: team.id } },
        data: { role: 'admin' },
      })
      await prisma.user.create({ data: { id: 999, email: 'new@x.io' } })
    })
    expect(same).toEqual({
      byId: 'miss',
      byEmail: 'miss',
      warehouse: 'miss',
      membership: 'miss',
      missing: 'miss',
    })
    await prisma.$cache.close()
  })

  it('foreign-key equalities, conjunctions and in-lists are pinned to those keys', async () => {
    const { prisma, base, users } = await setup()
    const [u1, u2, u3] = users
    const post = u1!.posts[0]!
    const reads: Reads = {
      posts: () =>
        prisma.post
          .findMany({ where: { authorId: u1!.id }, orderBy: { id: 'asc' }, cacheStrategy: TTL })
          .withCacheInfo(),
      published: () =>
        prisma.post
          .findFirst({ where: { authorId: u1!.id, published: true }, cacheStrategy: TTL })
          .withCacheInfo(),
      count: () => prisma.comment.count({ where: { postId: post.id }, cacheStrategy: TTL }).withCacheInfo(),
      both: () =>
        prisma.post
          .findMany({
            where: { authorId: { in: [u1!.id, u2!.id] } },
            orderBy: { id: 'asc' },
            cacheStrategy: TTL,
          })
          .withCacheInfo(),
      anded: () =>
        prisma.post
          .aggregate({
            where: { AND: [{ authorId: u1!.id }, { title: { startsWith: 'p' } }] },
            _count: true,
            cacheStrategy: TTL,
          })
          .withCacheInfo(),
    }
    const uncached = {
      posts: () => base.post.findMany({ where: { authorId: u1!.id }, orderBy: { id: 'asc' } }),
      published: () => base.post.findFirst({ where: { authorId: u1!.id, published: true } }),
      count: () => base.comment.count({ where: { postId: post.id } }),
      both: () =>
        base.post.findMany({ where: { authorId: { in: [u1!.id, u2!.id] } }, orderBy: { id: 'asc' } }),
      anded: () =>
        base.post.aggregate({
          where: { AND: [{ authorId: u1!.id }, { title: { startsWith: 'p' } }] },
          _count: true,
        }),
    }
    const elsewhere = await statusesAfter(reads, uncached, async () => {
      await prisma.post.update({ where: { id: u3!.posts[0]!.id }, data: { title: 'other' } })
      await prisma.post.create({ data: { title: 'new', authorId: u3!.id } })
      await prisma.comment.create({ data: { body: 'x', postId: u3!.posts[0]!.id, authorId: u1!.id } })
    })
    expect(elsewhere).toEqual({ posts: 'hit', published: 'hit', count: 'hit', both: 'hit', anded: 'hit' })
    const here = await statusesAfter(reads, uncached, () =>
      prisma.post.create({ data: { title: 'mine', published: true, authorId: u1!.id } }),
    )
    expect(here).toEqual({ posts: 'miss', published: 'miss', count: 'hit', both: 'miss', anded: 'miss' })
    const second = await statusesAfter(reads, uncached, () =>
      prisma.post.update({ where: { id: u2!.posts[0]!.id }, data: { title: 'two' } }),
    )
    expect(second).toEqual({ posts: 'hit', published: 'hit', count: 'hit', both: 'miss', anded: 'hit' })
    await prisma.$cache.close()
  })

  it('equalities on any other comparable column pin too (booleans, enums, strings)', async () => {
    const { prisma, base, users } = await setup()
    const [u1, u2] = users
    await base.user.update({ where: { id: u2!.id }, data: { role: 'ADMIN' } })
    const reads: Reads = {
      published: () =>
        prisma.post
          .findMany({ where: { published: true }, orderBy: { id: 'asc' }, cacheStrategy: TTL })
          .withCacheInfo(),
      admins: () => prisma.user.count({ where: { role: 'ADMIN' }, cacheStrategy: TTL }).withCacheInfo(),
      titled: () => prisma.post.findFirst({ where: { title: 'p1a' }, cacheStrategy: TTL }).withCacheInfo(),
    }
    const uncached = {
      published: () => base.post.findMany({ where: { published: true }, orderBy: { id: 'asc' } }),
      admins: () => base.user.count({ where: { role: 'ADMIN' } }),
      titled: () => base.post.findFirst({ where: { title: 'p1a' } }),
    }
    const draft = u1!.posts[0]! // unpublished
    const published = u1!.posts[1]!
    // Changing another column of a row outside the pinned values leaves them.
    expect(
      await statusesAfter(reads, uncached, async () => {
        await prisma.post.update({ where: { id: draft.id }, data: { rating: 4 } })
        await prisma.user.update({ where: { id: u1!.id }, data: { active: false } })
      }),
    ).toEqual({ published: 'hit', admins: 'hit', titled: 'miss' })
    // A row inside the pinned values changes.
    expect(
      await statusesAfter(reads, uncached, () =>
        prisma.post.update({ where: { id: published.id }, data: { rating: 5 } }),
      ),
    ).toEqual({ published: 'miss', admins: 'hit', titled: 'hit' })
    // The pinned column itself changes: its value before is not read (it is no key), so every read pinned by it goes.
    expect(
      await statusesAfter(reads, uncached, () =>
        prisma.user.update({ where: { id: u1!.id }, data: { role: 'ADMIN' } }),
      ),
    ).toEqual({ published: 'hit', admins: 'miss', titled: 'hit' })
    expect(prisma.$cache.stats().writes.modelWide).toBe(0)
    await prisma.$cache.close()
  })

  it('a model with rowPrecision: false is never pinned: every write to it invalidates all its reads', async () => {
    const { prisma, base, users } = await setup({ models: { Post: { rowPrecision: false } } })
    const [u1, , u3] = users
    const reads: Reads = {
      posts: () =>
        prisma.post
          .findMany({ where: { authorId: u1!.id }, orderBy: { id: 'asc' }, cacheStrategy: TTL })
          .withCacheInfo(),
      user: () => prisma.user.findUnique({ where: { id: u1!.id }, cacheStrategy: TTL }).withCacheInfo(),
    }
    const uncached = {
      posts: () => base.post.findMany({ where: { authorId: u1!.id }, orderBy: { id: 'asc' } }),
      user: () => base.user.findUnique({ where: { id: u1!.id } }),
    }
    expect(
      await statusesAfter(reads, uncached, () =>
        prisma.post.update({ where: { id: u3!.posts[0]!.id }, data: { title: 'x' } }),
      ),
    ).toEqual({ posts: 'miss', user: 'hit' })
    await prisma.$cache.close()
  })

  it('an update that moves a row invalidates the reads of its old and new key, not of a third', async () => {
    const { prisma, base, users, events } = await setup()
    const [u1, u2, u3] = users
    const moved = u2!.posts[0]!
    const of = (id: number) => () =>
      prisma.post
        .findMany({ where: { authorId: id }, orderBy: { id: 'asc' }, cacheStrategy: TTL })
        .withCacheInfo()
    const plain = (id: number) => () =>
      base.post.findMany({ where: { authorId: id }, orderBy: { id: 'asc' } })
    const statuses = await statusesAfter(
      { first: of(u1!.id), second: of(u2!.id), third: of(u3!.id) },
      { first: plain(u1!.id), second: plain(u2!.id), third: plain(u3!.id) },
      () => prisma.post.update({ where: { id: moved.id }, data: { authorId: u3!.id } }),
    )
    expect(statuses).toEqual({ first: 'hit', second: 'miss', third: 'miss' })
    const invalidation = events.filter((e) => e.type === 'invalidate').at(-1) as Extract<
      CacheEvent,
      { type: 'invalidate' }
    >
    expect(invalidation).toMatchObject({
      cause: 'write',
      model: 'Post',
      operation: 'update',
      precision: 'row',
    })
    // The same through a relation: connect moves it back.
    const back = await statusesAfter(
      { first: of(u1!.id), second: of(u2!.id), third: of(u3!.id) },
      { first: plain(u1!.id), second: plain(u2!.id), third: plain(u3!.id) },
      () => prisma.post.update({ where: { id: moved.id }, data: { author: { connect: { id: u2!.id } } } }),
    )
    expect(back).toEqual({ first: 'hit', second: 'miss', third: 'miss' })
    expect(prisma.$cache.stats().writes).toMatchObject({ rowPrecise: expect.any(Number), modelWide: 0 })
    await prisma.$cache.close()
  })

  it('relations loaded from a parent found by id, by a unique field and from a list follow their children', async () => {
    const { prisma, base, users } = await setup()
    const [u1, u2] = users
    const reads: Reads = {
      withPosts: () =>
        prisma.user
          .findUnique({
            where: { id: u1!.id },
            include: { posts: { orderBy: { id: 'asc' } } },
            cacheStrategy: TTL,
          })
          .withCacheInfo(),
      byEmail: () =>
        prisma.user
          .findUnique({
            where: { email: 'u1@x.io' },
            include: { posts: { orderBy: { id: 'asc' } } },
            cacheStrategy: TTL,
          })
          .withCacheInfo(),
      counted: () =>
        prisma.user
          .findUnique({
            where: { id: u1!.id },
            select: { _count: { select: { posts: true } } },
            cacheStrategy: TTL,
          })
          .withCacheInfo(),
      author: () =>
        prisma.post
          .findUnique({ where: { id: u1!.posts[0]!.id }, include: { author: true }, cacheStrategy: TTL })
          .withCacheInfo(),
      deep: () =>
        prisma.post
          .findMany({
            where: { authorId: u1!.id },
            include: { comments: { include: { author: true }, orderBy: { id: 'asc' } } },
            orderBy: { id: 'asc' },
            cacheStrategy: TTL,
          })
          .withCacheInfo(),
    }
    const uncached = {
      withPosts: () =>
        base.user.findUnique({ where: { id: u1!.id }, include: { posts: { orderBy: { id: 'asc' } } } }),
      byEmail: () =>
        base.user.findUnique({ where: { email: 'u1@x.io' }, include: { posts: { orderBy: { id: 'asc' } } } }),
      counted: () =>
        base.user.findUnique({ where: { id: u1!.id }, select: { _count: { select: { posts: true } } } }),
      author: () => base.post.findUnique({ where: { id: u1!.posts[0]!.id }, include: { author: true } }),
      deep: () =>
        base.post.findMany({
          where: { authorId: u1!.id },
          include: { comments: { include: { author: true }, orderBy: { id: 'asc' } } },
          orderBy: { id: 'asc' },
        }),
    }
    const elsewhere = await statusesAfter(reads, uncached, async () => {
      await prisma.post.create({ data: { title: 'two', authorId: u2!.id } })
      await prisma.user.update({ where: { id: u2!.id }, data: { name: 'other' } })
      await prisma.comment.create({ data: { body: 'c', postId: u2!.posts[0]!.id, authorId: u2!.id } })
    })
    expect(elsewhere).toEqual({
      withPosts: 'hit',
      byEmail: 'hit',
      counted: 'hit',
      author: 'hit',
      deep: 'hit',
    })
    const child = await statusesAfter(reads, uncached, () =>
      prisma.post.update({ where: { id: u1!.posts[1]!.id }, data: { title: 'edited' } }),
    )
    expect(child).toEqual({
      withPosts: 'miss',
      byEmail: 'miss',
      counted: 'miss',
      author: 'hit',
      deep: 'miss',
    })
    const parent = await statusesAfter(reads, uncached, () =>
      prisma.user.update({ where: { id: u1!.id }, data: { name: 'renamed' } }),
    )
    expect(parent).toEqual({
      withPosts: 'miss',
      byEmail: 'miss',
      counted: 'miss',
      author: 'miss',
      deep: 'miss',
    })
    await prisma.$cache.close()
  })

  it('falls back to every pinned read of a model where it cannot tell the rows, and says why', async () => {
    const { prisma, base, users, events } = await setup()
    const [u1, u2] = users
    const pinned = () =>
      prisma.post
        .findMany({ where: { authorId: u1!.id }, orderBy: { id: 'asc' }, cacheStrategy: TTL })
        .withCacheInfo()
    const country = () => prisma.country.findMany({ cacheStrategy: TTL }).withCacheInfo()
    const check = async (write: () => Promise<unknown>, reason: string | undefined) => {
      await pinned()
      await country()
      expect((await pinned()).info.status).toBe('hit')
      const before = prisma.$cache.stats().writes
      await write()
      const after = await pinned()
      expect(after.data).toEqual(
        await base.post.findMany({ where: { authorId: u1!.id }, orderBy: { id: 'asc' } }),
      )
      expect((await country()).info.status).toBe('hit')
      const writes = prisma.$cache.stats().writes
      if (reason === undefined) return after.info.status
      expect(writes.modelWide).toBeGreaterThan(before.modelWide)
      expect(writes.reasons[reason]).toBeGreaterThan(before.reasons[reason] ?? 0)
      return after.info.status
    }
    expect(
      await check(
        () => prisma.post.updateMany({ where: { title: 'p2a' }, data: { title: 'z' } }),
        'many rows',
      ),
    ).toBe('miss')
    expect(
      await check(
        () => prisma.user.update({ where: { id: u2!.id }, data: { posts: { create: { title: 'nested' } } } }),
        'nested write',
      ),
    ).toBe('miss')
    // Deleting a user sets its posts' author to null (SetNull) and deletes its comments (Cascade).
    expect(await check(() => prisma.user.delete({ where: { id: u2!.id } }), 'referential action')).toBe(
      'miss',
    )
    expect(await check(() => prisma.$executeRaw`SELECT 1`, undefined)).toBe('hit')
    expect(
      await check(() => prisma.$executeRaw`UPDATE "posts" SET "title" = 'raw' WHERE "id" = 0`, undefined),
    ).toBe('miss')
    expect(await check(() => prisma.$cache.invalidate({ models: ['Post'] }), undefined)).toBe('miss')
    const reasons = events
      .filter(
        (e): e is Extract<CacheEvent, { type: 'invalidate' }> =>
          e.type === 'invalidate' && e.precision === 'model',
      )
      .flatMap((e) => e.reasons ?? [])
    expect(reasons).toEqual(expect.arrayContaining(['many rows', 'nested write', 'referential action']))
    await prisma.$cache.close()
  })

  it('inside a transaction, a key change invalidates the reads pinned by that key; other reads stay', async () => {
    const { prisma, base, users } = await setup()
    const [u1, u2, u3] = users
    const of = (id: number) => () =>
      prisma.post
        .findMany({ where: { authorId: id }, orderBy: { id: 'asc' }, cacheStrategy: TTL })
        .withCacheInfo()
    const plain = (id: number) => () =>
      base.post.findMany({ where: { authorId: id }, orderBy: { id: 'asc' } })
    const post = u1!.posts[1]!
    const reads = {
      first: of(u1!.id),
      third: of(u3!.id),
      byId: () => prisma.post.findUnique({ where: { id: post.id }, cacheStrategy: TTL }).withCacheInfo(),
    }
    const uncached = {
      first: plain(u1!.id),
      third: plain(u3!.id),
      byId: () => base.post.findUnique({ where: { id: post.id } }),
    }
    const title = await statusesAfter(reads, uncached, () =>
      prisma.$transaction(async (tx) =>
        tx.post.update({ where: { id: u3!.posts[0]!.id }, data: { title: 't' } }),
      ),
    )
    expect(title).toEqual({ first: 'hit', third: 'miss', byId: 'hit' })
    // Its author before the update cannot be read inside the transaction: every read pinned by authorId goes.
    const moved = await statusesAfter(reads, uncached, () =>
      prisma.$transaction(async (tx) =>
        tx.post.update({ where: { id: u2!.posts[0]!.id }, data: { authorId: u3!.id } }),
      ),
    )
    expect(moved).toEqual({ first: 'miss', third: 'miss', byId: 'hit' })
    expect(prisma.$cache.stats().writes.modelWide).toBe(0)
    await prisma.$cache.close()
  })

  it('a narrow select still gives the keys it needs, and the caller gets only what it asked for', async () => {
    const { prisma, base, users } = await setup()
    const [u1, u2] = users
    const read = () =>
      prisma.post
        .findMany({ where: { authorId: u1!.id }, orderBy: { id: 'asc' }, cacheStrategy: TTL })
        .withCacheInfo()
    await read()
    const updated = await prisma.post.update({
      where: { id: u2!.posts[0]!.id },
      data: { authorId: u1!.id },
      select: { title: true },
    })
    expect(updated).toEqual({ title: 'p2a' })
    const deleted = await prisma.post.delete({
      where: { id: u2!.posts[1]!.id },
      omit: { authorId: true, id: true },
    })
    expect(Object.keys(deleted)).not.toContain('authorId')
    expect(Object.keys(deleted)).not.toContain('id')
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data).toEqual(
      await base.post.findMany({ where: { authorId: u1!.id }, orderBy: { id: 'asc' } }),
    )
    // Deleting the post deletes its comments (Cascade): that falls back for Comment, never for want of keys.
    expect(Object.keys(prisma.$cache.stats().writes.reasons)).toEqual(['referential action'])
    await prisma.$cache.close()
  })
})

describe('an update whose row changes between its read-before and its write', () => {
  it('reads again, and invalidates the key the row really had', async () => {
    const { client } = fixture.db.createClient({ errorFormat: 'minimal' })
    const { users } = await seed(client)
    const [u1, u2, u3] = users
    const post = u1!.posts[0]!
    let interfere: (() => Promise<void>) | undefined
    // Below the cache: right after the cache reads the row before its update, another write moves the row (once).
    const below = client.$extends({
      query: {
        post: {
          async findUnique({ args, query }) {
            const result = await query(args)
            const run = interfere
            interfere = undefined
            await run?.()
            return result
          },
        },
      },
    })
    const { queryCache } = await import('../../src/index.ts')
    const prisma = below.$extends(queryCache({}))
    const of = (id: number) =>
      prisma.post
        .findMany({ where: { authorId: id }, orderBy: { id: 'asc' }, cacheStrategy: TTL })
        .withCacheInfo()
    for (const user of users) await of(user.id)
    interfere = async () => {
      await prisma.post.update({ where: { id: post.id }, data: { authorId: u2!.id } })
      // Cached with the row in it, between the other write and the cache's own.
      expect((await of(u2!.id)).data).toHaveLength(3)
    }
    await prisma.post.update({ where: { id: post.id }, data: { authorId: u3!.id } })
    expect(interfere).toBeUndefined()
    for (const user of users) {
      const { data } = await of(user.id)
      expect(data).toEqual(
        await client.post.findMany({ where: { authorId: user.id }, orderBy: { id: 'asc' } }),
      )
    }
    expect(prisma.$cache.stats().writes).toMatchObject({ rowPrecise: 2, modelWide: 0 })
    await prisma.$cache.close()
  })
})

describe('G1 for pins found in a result', () => {
  it.each(SETUPS)(
    'a write landing between the load and the capture of its pins never leaves the old result ($name)',
    async ({ options }) => {
      const paused = { armed: false, reached: latch(), release: latch() }
      const hooks: LoaderHooks = {
        beforeStore: async () => {
          if (!paused.armed) return
          paused.armed = false
          paused.reached.open()
          await paused.release.promise
        },
      }
      const { prisma, base } = cachedClient(fixture.db, {
        ...options(),
        [INTERNAL_HOOKS]: hooks,
      } as QueryCacheOptions)
      const { users } = await seed(base)
      const read = () =>
        prisma.user
          .findUnique({
            where: { email: 'u1@x.io' },
            include: { posts: { orderBy: { id: 'asc' } } },
            cacheStrategy: TTL,
          })
          .withCacheInfo()
      paused.armed = true
      const loading = read()
      await paused.reached.promise
      // The load has read the database; its pins (the posts of user 1) are not captured yet.
      await prisma.post.create({ data: { title: 'late', authorId: users[0]!.id } })
      paused.release.open()
      expect((await loading).data?.posts).toHaveLength(2)
      await prisma.$cache.close()
      const again = await read()
      expect(again.data?.posts).toHaveLength(3)
      expect(again.info.status).toBe('miss')
    },
  )
})
