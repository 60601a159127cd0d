import { describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../src/index.ts'
import { cachedClient, countDuring, ManualClock, useFixture } from './helpers.ts'

const fixture = useFixture()

type TierSetup = { name: string; options: () => QueryCacheOptions; tier: 'memory' | 'redis' }

const TIERS: TierSetup[] = [
  { name: 'memory only', options: () => ({}), tier: 'memory' },
  {
    name: 'redis only',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace(), memory: false }),
    tier: 'redis',
  },
  {
    name: 'memory + redis',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
    tier: 'memory',
  },
]

describe.each(TIERS)('read-through ($name)', ({ options, tier }) => {
  it('miss, then hit without a database statement, with withCacheInfo statuses', async () => {
    const { prisma, statements } = cachedClient(fixture.db, options())
    await prisma.user.create({ data: { email: 'a@x.io', name: 'A' } })

    const first = await prisma.user
      .findMany({ where: { name: 'A' }, cacheStrategy: { ttl: 60 } })
      .withCacheInfo()
    expect(first.info.status).toBe('miss')
    expect(first.data).toHaveLength(1)

    let second: Awaited<ReturnType<ReturnType<typeof prisma.user.findMany>['withCacheInfo']>> | undefined
    const used = await countDuring(statements, async () => {
      second = await prisma.user
        .findMany({ where: { name: 'A' }, cacheStrategy: { ttl: 60 } })
        .withCacheInfo()
    })
    expect(used).toBe(0)
    expect(second?.info).toMatchObject({ status: 'hit', tier, region: 'default', key: first.info.key })
    expect(second?.data).toEqual(first.data)
    await prisma.$cache.close()
  })

  it('a write invalidates dependent reads and the next read is fresh', async () => {
    const { prisma } = cachedClient(fixture.db, options())
    const user = await prisma.user.create({ data: { email: 'b@x.io', name: 'B' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await read()
    expect((await read()).info.status).toBe('hit')
    await prisma.user.update({ where: { id: user.id }, data: { name: 'B2' } })
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data?.name).toBe('B2')
    await prisma.$cache.close()
  })

  it('a write leaves reads that cannot depend on it cached', async () => {
    const { prisma, statements } = cachedClient(fixture.db, options())
    await prisma.country.create({ data: { code: 'FR', name: 'France' } })
    const user = await prisma.user.create({ data: { email: 'c@x.io' } })
    const post = await prisma.post.create({ data: { title: 'p', authorId: user.id } })
    const countries = () => prisma.country.findMany({ cacheStrategy: { ttl: 60 } })
    const users = () => prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
    await countries()
    await users()
    await prisma.comment.create({ data: { body: 'hi', postId: post.id, authorId: user.id } })
    await prisma.post.update({ where: { id: post.id }, data: { title: 'q' } })
    expect(await countDuring(statements, async () => Promise.all([countries(), users()]))).toBe(0)
    await prisma.$cache.close()
  })

  it('reads through relations depend on the related models', async () => {
    const { prisma } = cachedClient(fixture.db, options())
    const user = await prisma.user.create({ data: { email: 'd@x.io', posts: { create: { title: 'one' } } } })
    const read = () =>
      prisma.user
        .findUnique({ where: { id: user.id }, include: { posts: true }, cacheStrategy: { ttl: 60 } })
        .withCacheInfo()
    await read()
    await prisma.post.create({ data: { title: 'two', authorId: user.id } })
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data?.posts.map((p) => p.title).sort()).toEqual(['one', 'two'])
    await prisma.$cache.close()
  })

  it('a caller mutating a result cannot change what the next caller gets', async () => {
    const { prisma } = cachedClient(fixture.db, options())
    await prisma.user.create({ data: { email: 'e@x.io', name: 'E', posts: { create: { title: 't' } } } })
    const read = () => prisma.user.findMany({ include: { posts: true }, cacheStrategy: { ttl: 60 } })
    const first = await read()
    ;(first[0] as { name: string | null }).name = 'mutated'
    first[0]?.posts.push(first[0].posts[0] as never)
    const second = await read()
    second[0]?.posts.pop()
    const third = await read()
    expect(third[0]?.name).toBe('E')
    expect(third[0]?.posts).toHaveLength(1)
    await prisma.$cache.close()
  })

  it('serves stale within swr while exactly one background reload runs', async () => {
    const clock = new ManualClock()
    const { prisma, statements } = cachedClient(fixture.db, { ...options(), clock: clock.read })
    await prisma.user.create({ data: { email: 'f@x.io', name: 'F' } })
    const read = () => prisma.user.findMany({ cacheStrategy: { ttl: 10, swr: 20 } }).withCacheInfo()
    await read()
    await prisma.user.updateMany({ data: { name: 'F2' } })
    await read() // the write invalidated: fresh miss
    clock.advance(15_000)
    const before = statements.count
    const stale = await Promise.all([read(), read(), read()])
    expect(stale.map((r) => r.info.status)).toEqual(['stale', 'stale', 'stale'])
    expect(stale[0]?.data[0]?.name).toBe('F2')
    await prisma.$cache.close() // waits for the background reload
    expect(statements.count - before).toBe(1)
    const fresh = await read()
    expect(fresh.info.status).toBe('hit')
    expect(fresh.info.age).toBe(0)
    clock.advance(40_000)
    expect((await read()).info.status).toBe('miss')
  })

  it('concurrent identical misses share one database query', async () => {
    const { prisma, statements } = cachedClient(fixture.db, options())
    await prisma.user.create({ data: { email: 'g@x.io' } })
    const used = await countDuring(statements, async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo(),
        ),
      )
      expect(new Set(results.map((r) => r.info.status))).toEqual(new Set(['miss']))
      expect(results.every((r) => r.data.length === 1)).toBe(true)
    })
    expect(used).toBe(1)
    await prisma.$cache.close()
  })

  it('bursts of 64 identical cold reads with a large result load exactly once each', async () => {
    const { prisma, base, events } = cachedClient(fixture.db, options())
    const author = await base.user.create({ data: { email: 'burst@x.io' } })
    await base.post.createMany({
      data: Array.from({ length: 60 }, (_, i) => ({
        title: `post ${i} ${'x'.repeat(200)}`,
        authorId: author.id,
      })),
    })
    for (let burst = 0; burst < 10; burst++) {
      await prisma.$cache.invalidateAll()
      const before = events.filter((e) => e.type === 'load').length
      const results = await Promise.all(
        Array.from({ length: 64 }, () =>
          prisma.post.findMany({
            include: { author: true },
            orderBy: { id: 'asc' },
            cacheStrategy: { ttl: 60 },
          }),
        ),
      )
      expect(results.every((r) => r.length === 60)).toBe(true)
      expect(events.filter((e) => e.type === 'load').length - before).toBe(1)
    }
    await prisma.$cache.close()
  })

  it('refresh loads now and stores the fresh result', async () => {
    const { prisma, base } = cachedClient(fixture.db, options())
    await prisma.user.create({ data: { email: 'h@x.io', name: 'H' } })
    await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
    await base.user.updateMany({ data: { name: 'H2' } }) // behind the cache's back
    expect((await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }))[0]?.name).toBe('H')
    const refreshed = await prisma.user
      .findMany({ cacheStrategy: { ttl: 60, refresh: true } })
      .withCacheInfo()
    expect(refreshed.info.status).toBe('miss')
    expect(refreshed.data[0]?.name).toBe('H2')
    const next = await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    expect(next.info.status).toBe('hit')
    expect(next.data[0]?.name).toBe('H2')
    await prisma.$cache.close()
  })
})

describe('which reads are cached', () => {
  it('no strategy and no model setting: bypass; cacheStrategy false: bypass even for a cached model', async () => {
    const { prisma, statements } = cachedClient(fixture.db, {
      regions: { reference: { ttl: 3600 } },
      models: { Country: { region: 'reference' } },
    })
    await prisma.country.create({ data: { code: 'DE', name: 'Germany' } })
    expect((await prisma.user.findMany().withCacheInfo()).info.status).toBe('bypass')
    expect((await prisma.user.findMany().withCacheInfo()).info.status).toBe('bypass')

    expect((await prisma.country.findMany().withCacheInfo()).info).toMatchObject({
      status: 'miss',
      region: 'reference',
    })
    expect((await prisma.country.findMany().withCacheInfo()).info.status).toBe('hit')
    const bypass = await prisma.country.findMany({ cacheStrategy: false }).withCacheInfo()
    expect(bypass.info.status).toBe('bypass')
    expect(await countDuring(statements, () => prisma.country.findMany({ cacheStrategy: false }))).toBe(1)
    await prisma.$cache.close()
  })

  it('model cache: false is not cached by default, but a query strategy wins', async () => {
    const { prisma } = cachedClient(fixture.db, { models: { AuditLog: { cache: false } } })
    expect((await prisma.auditLog.findMany().withCacheInfo()).info.status).toBe('bypass')
    await prisma.auditLog.findMany({ cacheStrategy: { ttl: 5 } })
    expect((await prisma.auditLog.findMany({ cacheStrategy: { ttl: 5 } }).withCacheInfo()).info.status).toBe(
      'hit',
    )
    await prisma.$cache.close()
  })

  it('the query region and ttl take precedence over the model region', async () => {
    const clock = new ManualClock()
    const { prisma } = cachedClient(fixture.db, {
      clock: clock.read,
      regions: { reference: { ttl: 3600 }, hot: { ttl: 5, tiers: ['memory'] } },
      models: { Country: { region: 'reference' } },
    })
    await prisma.country.findMany()
    const hot = await prisma.country.findMany({ cacheStrategy: { region: 'hot' } }).withCacheInfo()
    expect(hot.info).toMatchObject({ status: 'miss', region: 'hot' })
    clock.advance(6_000)
    expect(
      (await prisma.country.findMany({ cacheStrategy: { region: 'hot' } }).withCacheInfo()).info.status,
    ).toBe('miss')
    expect((await prisma.country.findMany().withCacheInfo()).info.status).toBe('hit')
    expect((await prisma.country.findMany({ cacheStrategy: { ttl: 1 } }).withCacheInfo()).info.status).toBe(
      'miss',
    )
    clock.advance(2_000)
    expect(
      (await prisma.country.findMany({ cacheStrategy: { ttl: 1, swr: 60 } }).withCacheInfo()).info.status,
    ).toBe('stale')
    await prisma.$cache.close()
  })

  it('every read operation is cached and answered from the cache', async () => {
    const { prisma, statements } = cachedClient(fixture.db)
    const user = await prisma.user.create({ data: { email: 'ops@x.io', name: 'O' } })
    const s = { cacheStrategy: { ttl: 60 } } as const
    const run = () =>
      Promise.all([
        prisma.user.findUnique({ where: { id: user.id }, ...s }),
        prisma.user.findUniqueOrThrow({ where: { id: user.id }, ...s }),
        prisma.user.findFirst({ where: { name: 'O' }, ...s }),
        prisma.user.findFirstOrThrow({ where: { name: 'O' }, ...s }),
        prisma.user.findMany(s),
        prisma.user.count(s),
        prisma.user.aggregate({ _max: { id: true }, ...s }),
        prisma.user.groupBy({ by: ['role'], _count: { _all: true }, ...s }),
      ])
    const first = await run()
    expect(await countDuring(statements, async () => expect(await run()).toEqual(first))).toBe(0)
    await prisma.$cache.close()
  })

  it('a null result is cached too', async () => {
    const { prisma, statements } = cachedClient(fixture.db)
    await prisma.user.findUnique({ where: { id: 424242 }, cacheStrategy: { ttl: 60 } })
    const again = await countDuring(statements, async () => {
      expect(await prisma.user.findUnique({ where: { id: 424242 }, cacheStrategy: { ttl: 60 } })).toBeNull()
    })
    expect(again).toBe(0)
    await prisma.$cache.close()
  })

  it('OrThrow errors are Prisma errors, passed through and never cached', async () => {
    const { prisma, statements } = cachedClient(fixture.db)
    const read = () => prisma.user.findUniqueOrThrow({ where: { id: 999 }, cacheStrategy: { ttl: 60 } })
    await expect(read()).rejects.toMatchObject({ code: 'P2025' })
    expect(await countDuring(statements, () => read().catch(() => undefined))).toBe(1)
    await prisma.$cache.close()
  })

  it('batch $transaction([...]) runs cached reads uncached inside the transaction', async () => {
    const { prisma } = cachedClient(fixture.db)
    await prisma.user.create({ data: { email: 'tx@x.io' } })
    const [users, count] = await prisma.$transaction([
      prisma.user.findMany({ cacheStrategy: { ttl: 60 } }),
      prisma.user.count({ cacheStrategy: { ttl: 60 } }),
    ])
    expect(users).toHaveLength(1)
    expect(count).toBe(1)
    expect((await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()).info.status).toBe(
      'miss',
    )
    await prisma.$cache.close()
  })

  it('interactive transactions bypass the cache and never populate it', async () => {
    const { prisma } = cachedClient(fixture.db)
    await prisma.user.create({ data: { email: 'itx@x.io', name: 'before' } })
    await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
    await prisma.$transaction(async (tx) => {
      await tx.user.updateMany({ data: { name: 'inside' } })
      const inside = await tx.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
      expect(inside.info.status).toBe('bypass')
      expect(inside.data[0]?.name).toBe('inside')
    })
    const after = await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    expect(after.data[0]?.name).toBe('inside')
    await prisma.$cache.close()
  })
})
