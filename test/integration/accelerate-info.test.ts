import { describe, expect, it } from 'vitest'
import { ConfigError, StrategyError, withAccelerate } from '../../src/accelerate/index.ts'
import { READ_OPERATIONS } from '../../src/index.ts'
import { acceleratedClient } from './accelerate/client.ts'
import { countDuring, ManualClock, useFixture } from './helpers.ts'

// withAccelerate(): Accelerate's caching API on this cache. withAccelerateInfo() on every read, strategies read as
// Accelerate read them, and everything queryCache() adds still on.

const fixture = useFixture()

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('withAccelerateInfo(): cacheStatus', () => {
  it('miss, then ttl for a fresh hit, with the same data and no query', async () => {
    const { prisma, base, statements } = acceleratedClient(fixture.db)
    await base.user.create({ data: { email: 'a@x.io', name: 'Ann' } })
    const read = () => prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()
    const first = await read()
    expect(first.info.cacheStatus).toBe('miss')
    let second!: Awaited<ReturnType<typeof read>>
    expect(await countDuring(statements, async () => (second = await read()))).toBe(0)
    expect(second.info.cacheStatus).toBe('ttl')
    expect(second.data).toEqual(first.data)
    expect(second.data[0]?.name).toBe('Ann')
    await prisma.$cache.close()
  })

  it('none for a read without cacheStrategy, with false, and with neither ttl nor swr (Accelerate: no-cache)', async () => {
    const { prisma, statements } = acceleratedClient(fixture.db)
    const reads = [
      () => prisma.user.findMany().withAccelerateInfo(),
      () => prisma.user.findMany({ cacheStrategy: false }).withAccelerateInfo(),
      () => prisma.user.findMany({ cacheStrategy: { tags: ['users'] } }).withAccelerateInfo(),
      () => prisma.user.findMany({ cacheStrategy: {} }).withAccelerateInfo(),
    ]
    for (const read of reads) {
      for (let i = 0; i < 2; i++) {
        let status: string | undefined
        expect(await countDuring(statements, async () => (status = (await read()).info.cacheStatus))).toBe(1)
        expect(status).toBe('none')
      }
    }
    await prisma.$cache.close()
  })

  it('ttl without swr: a miss once ttl has passed (Accelerate: no stale window), whatever the region says', async () => {
    const clock = new ManualClock()
    const { prisma } = acceleratedClient(fixture.db, {
      clock: clock.read,
      regions: { default: { ttl: 60, swr: 3600 } },
    })
    const read = () => prisma.user.count({ cacheStrategy: { ttl: 10 } }).withAccelerateInfo()
    await read()
    clock.advance(10_000)
    expect((await read()).info.cacheStatus).toBe('ttl')
    clock.advance(1)
    expect((await read()).info.cacheStatus).toBe('miss')
    await prisma.$cache.close()
  })

  it('swr: the stored result served stale while one refresh runs, then the refreshed one', async () => {
    const clock = new ManualClock()
    const { prisma, base, statements, next } = acceleratedClient(fixture.db, { clock: clock.read })
    const user = await base.user.create({ data: { email: 's@x.io', name: 'old' } })
    const read = () =>
      prisma.user
        .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 10, swr: 60 } })
        .withAccelerateInfo()
    expect((await read()).info.cacheStatus).toBe('miss')
    await base.user.update({ where: { id: user.id }, data: { name: 'new' } }) // behind the cache's back
    clock.advance(30_000)
    const refreshed = next((e) => e.type === 'load')
    let stale!: Awaited<ReturnType<typeof read>>
    const used = await countDuring(statements, async () => {
      stale = await read()
      await refreshed
    })
    expect(stale.info.cacheStatus).toBe('swr')
    expect(stale.data?.name).toBe('old')
    expect(used).toBe(1)
    const after = await read()
    expect(after.info.cacheStatus).toBe('ttl')
    expect(after.data?.name).toBe('new')
    expect(after.info.lastModified.getTime()).toBe(clock.now)
    await prisma.$cache.close()
  })

  it('swr alone (ttl 0): every later read is served stale and refreshed behind it', async () => {
    const clock = new ManualClock()
    const { prisma, next } = acceleratedClient(fixture.db, { clock: clock.read })
    const read = async () =>
      (await prisma.user.findMany({ cacheStrategy: { swr: 60 } }).withAccelerateInfo()).info.cacheStatus
    const statuses = [await read()]
    clock.advance(1)
    const refreshed = next((e) => e.type === 'load')
    statuses.push(await read())
    await refreshed
    clock.advance(1)
    statuses.push(await read())
    expect(statuses).toEqual(['miss', 'swr', 'swr'])
    await prisma.$cache.close()
  })

  it('every read operation has it, cached or not', async () => {
    const { prisma, base } = acceleratedClient(fixture.db)
    const user = await base.user.create({ data: { email: 'op@x.io', name: 'Op' } })
    const strategy = { ttl: 60 }
    const reads = {
      findUnique: () => prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: strategy }),
      findUniqueOrThrow: () =>
        prisma.user.findUniqueOrThrow({ where: { id: user.id }, cacheStrategy: strategy }),
      findFirst: () => prisma.user.findFirst({ cacheStrategy: strategy }),
      findFirstOrThrow: () => prisma.user.findFirstOrThrow({ cacheStrategy: strategy }),
      findMany: () => prisma.user.findMany({ cacheStrategy: strategy }),
      count: () => prisma.user.count({ cacheStrategy: strategy }),
      aggregate: () => prisma.user.aggregate({ _max: { id: true }, cacheStrategy: strategy }),
      groupBy: () => prisma.user.groupBy({ by: ['role'], _count: true, cacheStrategy: strategy }),
    } satisfies Record<(typeof READ_OPERATIONS)[number], unknown>
    expect(Object.keys(reads).sort()).toEqual([...READ_OPERATIONS].sort())
    for (const read of Object.values(reads)) {
      const statuses = []
      for (let i = 0; i < 2; i++) statuses.push((await read().withAccelerateInfo()).info.cacheStatus)
      expect(statuses).toEqual(['miss', 'ttl'])
    }
    const uncached = await prisma.user.aggregate({ _count: true }).withAccelerateInfo()
    expect(uncached).toMatchObject({ data: { _count: 1 }, info: { cacheStatus: 'none' } })
    await prisma.$cache.close()
  })
})

describe('withAccelerateInfo(): lastModified, signature, requestId, region', () => {
  it('lastModified is when the served result was loaded, from memory and from Redis', async () => {
    const clock = new ManualClock()
    const namespace = fixture.namespace()
    const options = { clock: clock.read, redis: fixture.connection(), namespace }
    const writer = acceleratedClient(fixture.db, options)
    const a = acceleratedClient(fixture.db, { ...options, redis: fixture.connection() })
    const loadedAt = clock.now
    const miss = await writer.prisma.user.findMany({ cacheStrategy: { ttl: 3600 } }).withAccelerateInfo()
    expect(miss.info.cacheStatus).toBe('miss')
    expect(miss.info.lastModified).toEqual(new Date(loadedAt))
    await writer.prisma.$cache.close() // the entry is in Redis
    clock.advance(5_000)
    for (const tier of ['redis', 'memory']) {
      const hit = a.prisma.user.findMany({ cacheStrategy: { ttl: 3600 } })
      const [cacheInfo, accelerated] = await Promise.all([hit.withCacheInfo(), hit.withAccelerateInfo()])
      expect(cacheInfo.info.tier).toBe(tier)
      expect(accelerated.info.cacheStatus).toBe('ttl')
      expect(accelerated.info.lastModified).toEqual(new Date(loadedAt))
    }
    const none = await a.prisma.user.findMany().withAccelerateInfo()
    expect(none.info.lastModified).toEqual(new Date(clock.now))
    await a.prisma.$cache.close()
  })

  it('signature: the same for the same query whatever its strategy, different for another', async () => {
    const { prisma } = acceleratedClient(fixture.db)
    const signature = async (promise: {
      withAccelerateInfo(): PromiseLike<{ info: { signature: string } }>
    }) => (await promise.withAccelerateInfo()).info.signature
    const byName = await signature(prisma.user.findMany({ where: { name: 'x' }, cacheStrategy: { ttl: 60 } }))
    expect(byName).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(await signature(prisma.user.findMany({ where: { name: 'x' }, cacheStrategy: { ttl: 60 } }))).toBe(
      byName,
    )
    expect(await signature(prisma.user.findMany({ where: { name: 'x' } }))).toBe(byName)
    expect(
      await signature(prisma.user.findMany({ where: { name: 'x' }, cacheStrategy: { swr: 5, tags: ['t'] } })),
    ).toBe(byName)
    const others = [
      await signature(prisma.user.findMany({ where: { name: 'y' }, cacheStrategy: { ttl: 60 } })),
      await signature(prisma.user.findFirst({ where: { name: 'x' }, cacheStrategy: { ttl: 60 } })),
      await signature(prisma.post.findMany({ where: { title: 'x' }, cacheStrategy: { ttl: 60 } })),
    ]
    expect(new Set([byName, ...others]).size).toBe(4)
    await prisma.$cache.close()
  })

  it('requestId: a new UUID on every call, hit or not', async () => {
    const { prisma } = acceleratedClient(fixture.db)
    const ids = []
    for (let i = 0; i < 3; i++) {
      ids.push((await prisma.user.count({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()).info.requestId)
    }
    ids.push((await prisma.user.count().withAccelerateInfo()).info.requestId)
    for (const id of ids) expect(id).toMatch(UUID)
    expect(new Set(ids).size).toBe(ids.length)
    await prisma.$cache.close()
  })

  it("region: the cache region's name, from the strategy, the model or default", async () => {
    const { prisma } = acceleratedClient(fixture.db, {
      regions: { hot: { ttl: 5 }, reference: { ttl: 3600 } },
      models: { Country: { region: 'reference' } },
    })
    const regionOf = async (promise: { withAccelerateInfo(): PromiseLike<{ info: { region: string } }> }) =>
      (await promise.withAccelerateInfo()).info.region
    expect(await regionOf(prisma.user.findMany({ cacheStrategy: { ttl: 1 } }))).toBe('default')
    expect(await regionOf(prisma.user.findMany({ cacheStrategy: { region: 'hot' } }))).toBe('hot')
    expect(await regionOf(prisma.country.findMany())).toBe('reference')
    expect(await regionOf(prisma.user.findMany())).toBe('default')
    await prisma.$cache.close()
  })
})

describe('withAccelerate(): what queryCache() adds stays on', () => {
  it('a write invalidates the cached reads it changes (Accelerate served them until ttl ran out)', async () => {
    const { prisma } = acceleratedClient(fixture.db)
    const read = () => prisma.user.findMany({ cacheStrategy: { ttl: 3600, swr: 3600 } }).withAccelerateInfo()
    expect((await read()).data).toEqual([])
    await prisma.user.create({ data: { email: 'w@x.io', name: 'Written' } })
    const after = await read()
    expect(after.info.cacheStatus).toBe('miss')
    expect(after.data.map((u) => u.name)).toEqual(['Written'])
    await prisma.$cache.close()
  })

  it('$cache, withCacheInfo(), regions and the fluent API', async () => {
    const { prisma, base } = acceleratedClient(fixture.db, { regions: { hot: { ttl: 5 } } })
    const user = await base.user.create({ data: { email: 'f@x.io', posts: { create: { title: 'P' } } } })
    const read = () => prisma.user.findMany({ cacheStrategy: { region: 'hot', tags: ['t'] } }).withCacheInfo()
    expect((await read()).info).toMatchObject({ status: 'miss', region: 'hot' })
    expect((await read()).info).toMatchObject({ status: 'hit', tier: 'memory' })
    await prisma.$cache.invalidate({ tags: ['t'] })
    expect((await read()).info.status).toBe('miss')
    const posts = () => prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).posts()
    expect((await posts())?.map((p) => p.title)).toEqual(['P'])
    expect((await posts().withCacheInfo()).info.status).toBe('hit')
    expect(prisma.$cache.stats().hits).toBe(2)
    await prisma.$cache.close()
  })

  it('a read awaited and asked for its info runs once', async () => {
    const { prisma, statements } = acceleratedClient(fixture.db)
    const used = await countDuring(statements, async () => {
      const read = prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
      const [data, withInfo] = await Promise.all([read, read.withAccelerateInfo()])
      expect(withInfo.data).toEqual(data)
      expect(withInfo.info.cacheStatus).toBe('miss')
    })
    expect(used).toBe(1)
    await prisma.$cache.close()
  })
})

describe('withAccelerate(): transactions', () => {
  it('batch $transaction([...]): reads run uncached in the batch, with info none, and store nothing', async () => {
    const { prisma, base } = acceleratedClient(fixture.db)
    await base.user.create({ data: { email: 'b@x.io', name: 'Batch' } })
    const strategy = { ttl: 60 }
    const [users, counted] = await prisma.$transaction([
      prisma.user.findMany({ cacheStrategy: strategy }),
      prisma.user.count({ cacheStrategy: strategy }).withAccelerateInfo(),
    ])
    expect(users.map((u) => u.name)).toEqual(['Batch'])
    expect(counted.data).toBe(1)
    expect(counted.info).toMatchObject({ cacheStatus: 'none', region: 'default' })
    expect(counted.info.requestId).toMatch(UUID)
    expect(counted.info.signature).toBe(
      (await prisma.user.count({ cacheStrategy: strategy }).withAccelerateInfo()).info.signature,
    )
    expect(
      (await prisma.user.findMany({ cacheStrategy: strategy }).withAccelerateInfo()).info.cacheStatus,
    ).toBe('miss')
    await prisma.$cache.close()
  })

  it('interactive $transaction: reads are not cached (none)', async () => {
    const { prisma } = acceleratedClient(fixture.db)
    const statuses = await prisma.$transaction(async (tx) => {
      const first = await tx.user.findMany({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()
      const second = await tx.user.findMany({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()
      return [first.info.cacheStatus, second.info.cacheStatus]
    })
    expect(statuses).toEqual(['none', 'none'])
    await prisma.$cache.close()
  })
})

describe('withAccelerate(): bad input', () => {
  it('rejects bad strategies with a StrategyError before any SQL, Accelerate-uncached ones too', async () => {
    const { prisma, statements } = acceleratedClient(fixture.db)
    const bad: [unknown, RegExp][] = [
      [{ ttl: -1 }, /User\.findMany: cacheStrategy\.ttl must be a finite number/],
      [{ swr: '60' }, /cacheStrategy\.swr must be/],
      [{ ttl: 60, tll: 1 }, /cacheStrategy\.tll is not an option/],
      [{ tags: ['not ok'] }, /tag "not ok"/],
      [{ tags: 'users' }, /tags must be an array/],
      [{ region: 'nope' }, /'nope' is not a region/],
      [true, /must be an object or false/],
    ]
    const used = await countDuring(statements, async () => {
      for (const [strategy, message] of bad) {
        const read = prisma.user.findMany({ cacheStrategy: strategy as never })
        await expect(read).rejects.toBeInstanceOf(StrategyError)
        await expect(read.withAccelerateInfo()).rejects.toThrow(message)
      }
    })
    expect(used).toBe(0)
    await prisma.$cache.close()
  })

  it('rejects bad options with a ConfigError, Accelerate fetch included', () => {
    const { client } = fixture.db.createClient()
    expect(() => withAccelerate({ fetch } as never)).toThrow(ConfigError)
    expect(() => withAccelerate({ fetch } as never)).toThrow(/fetch is Accelerate's HTTP client option/)
    expect(() => withAccelerate(null as never)).toThrow(/options must be an object/)
    expect(() => withAccelerate({ regions: { default: { ttl: -1 } } })).toThrow(/regions\.default\.ttl/)
    expect(() => client.$extends(withAccelerate({ models: { Nope: { cache: true } } }))).toThrow(
      /models\.Nope is not a model/,
    )
  })
})
