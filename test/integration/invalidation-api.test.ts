import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { ConfigError, type QueryCacheOptions, queryCache, StrategyError } from '../../src/index.ts'
import { cachedClient, countDuring, useFixture } from './helpers.ts'

const fixture = useFixture()

const SETUPS: { name: string; options: () => QueryCacheOptions }[] = [
  { name: 'memory only', options: () => ({}) },
  {
    name: 'memory + redis',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
  },
]

describe.each(SETUPS)('$cache.invalidate ($name)', ({ options }) => {
  function setup(extra: QueryCacheOptions = {}) {
    return cachedClient(fixture.db, {
      ...options(),
      regions: { reference: { ttl: 3600 }, other: { ttl: 3600 } },
      ...extra,
    })
  }

  it('by tags: only entries with the tag', async () => {
    const { prisma } = setup()
    const tagged = () =>
      prisma.user.findMany({ cacheStrategy: { ttl: 60, tags: ['active-users'] } }).withCacheInfo()
    const untagged = () => prisma.user.count({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await tagged()
    await untagged()
    await prisma.$cache.invalidate({ tags: ['active-users'] })
    expect((await tagged()).info.status).toBe('miss')
    expect((await untagged()).info.status).toBe('hit')
    await prisma.$cache.close()
  })

  it('by models: every read that depends on the model, through relations too', async () => {
    const { prisma } = setup()
    const users = () => prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    const postsWithAuthor = () =>
      prisma.post.findMany({ include: { author: true }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    const tags = () => prisma.tag.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await Promise.all([users(), postsWithAuthor(), tags()])
    await prisma.$cache.invalidate({ models: ['User'] })
    expect((await users()).info.status).toBe('miss')
    expect((await postsWithAuthor()).info.status).toBe('miss')
    expect((await tags()).info.status).toBe('hit')
    await prisma.$cache.close()
  })

  it('by regions, hard: never serves the old entry again', async () => {
    const { prisma, base } = setup()
    await base.country.create({ data: { code: 'IT', name: 'Italy' } })
    const ref = () => prisma.country.findMany({ cacheStrategy: { region: 'reference' } }).withCacheInfo()
    const other = () => prisma.country.findMany({ cacheStrategy: { region: 'other' } }).withCacheInfo()
    await ref()
    await other()
    await base.country.update({ where: { code: 'IT' }, data: { name: 'Italia' } }) // behind the cache's back
    await prisma.$cache.invalidate({ regions: ['reference'] })
    const after = await ref()
    expect(after.info.status).toBe('miss')
    expect(after.data[0]?.name).toBe('Italia')
    expect((await other()).info.status).toBe('hit')
    await prisma.$cache.close()
  })

  it('by regions, soft: serves the old entry while exactly one caller reloads, then the new one', async () => {
    const { prisma, base, statements } = setup()
    await base.country.create({ data: { code: 'ES', name: 'Spain' } })
    const ref = () => prisma.country.findMany({ cacheStrategy: { region: 'reference' } }).withCacheInfo()
    await ref()
    await base.country.update({ where: { code: 'ES' }, data: { name: 'España' } })
    await prisma.$cache.invalidate({ regions: ['reference'], mode: 'soft' })
    const used = await countDuring(statements, async () => {
      const during = await Promise.all([ref(), ref(), ref(), ref()])
      expect(during.map((r) => r.info.status)).toEqual(['stale', 'stale', 'stale', 'stale'])
      expect(during[0]?.data[0]?.name).toBe('Spain')
      await prisma.$cache.close() // waits for the one background reload
    })
    expect(used).toBe(1)
    const after = await ref()
    expect(after.info.status).toBe('hit')
    expect(after.data[0]?.name).toBe('España')
  })

  it('invalidateAll: every entry of the namespace', async () => {
    const { prisma } = setup()
    const a = () => prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    const b = () => prisma.country.findMany({ cacheStrategy: { region: 'reference' } }).withCacheInfo()
    await a()
    await b()
    await prisma.$cache.invalidateAll()
    expect((await a()).info.status).toBe('miss')
    expect((await b()).info.status).toBe('miss')
    expect(prisma.$cache.stats().invalidations).toBe(1)
    await prisma.$cache.close()
  })

  it('rejects bad input with a StrategyError before touching anything', async () => {
    const { prisma } = setup()
    const bad: [unknown, RegExp][] = [
      [{}, /at least one of tags, models, regions/],
      [{ tags: ['ok', 'not ok'] }, /tag "not ok"/],
      [{ models: ['Nope'] }, /'Nope' is not a model/],
      [{ regions: ['nope'] }, /'nope' is not a region/],
      [{ tags: ['a'], mode: 'soft' }, /soft' applies to regions only/],
      [{ regions: ['reference'], mode: 'gentle' }, /mode must be/],
      [{ model: ['User'] }, /model is not an option/],
    ]
    for (const [input, message] of bad) {
      const attempt = prisma.$cache.invalidate(input as never)
      await expect(attempt).rejects.toBeInstanceOf(StrategyError)
      await expect(prisma.$cache.invalidate(input as never)).rejects.toThrow(message)
    }
    expect(prisma.$cache.stats().invalidations).toBe(0)
    await prisma.$cache.close()
  })
})

/** Counts the commands a Redis connection sends. */
function countingRedis(redis: Redis): { redis: Redis; commands: () => number } {
  let commands = 0
  const original = redis.sendCommand.bind(redis)
  redis.sendCommand = ((
    command: Parameters<Redis['sendCommand']>[0],
    stream?: Parameters<Redis['sendCommand']>[1],
  ) => {
    commands++
    return original(command, stream)
  }) as Redis['sendCommand']
  return { redis, commands: () => commands }
}

describe('invalidation cost', () => {
  it('does not grow with the number of cached entries (one script call, no SCAN or KEYS)', async () => {
    const { redis, commands } = countingRedis(fixture.connection())
    const { prisma } = cachedClient(fixture.db, { redis, namespace: fixture.namespace() })
    const costWith = async (entries: number) => {
      await Promise.all(
        Array.from({ length: entries }, (_, i) =>
          prisma.user.findMany({ where: { id: i }, cacheStrategy: { ttl: 60 } }),
        ),
      )
      await prisma.$cache.close()
      const before = commands()
      await prisma.$cache.invalidate({ models: ['User'] })
      return commands() - before
    }
    const small = await costWith(2)
    const large = await costWith(400)
    expect(small).toBeLessThanOrEqual(2)
    expect(large).toBe(small)
    await prisma.$cache.close()
  })
})

describe('memory tier bounds', () => {
  it('holds at most maxEntries entries', async () => {
    const { prisma } = cachedClient(fixture.db, { memory: { maxEntries: 5 } })
    for (let i = 0; i < 20; i++) await prisma.user.findMany({ where: { id: i }, cacheStrategy: { ttl: 60 } })
    expect(prisma.$cache.stats().tiers.memory?.entries).toBe(5)
    // The most recent entries are the ones kept.
    expect(
      (await prisma.user.findMany({ where: { id: 19 }, cacheStrategy: { ttl: 60 } }).withCacheInfo()).info
        .status,
    ).toBe('hit')
    expect(
      (await prisma.user.findMany({ where: { id: 0 }, cacheStrategy: { ttl: 60 } }).withCacheInfo()).info
        .status,
    ).toBe('miss')
    await prisma.$cache.close()
  })

  it('holds at most maxBytes encoded bytes', async () => {
    const { prisma, base } = cachedClient(fixture.db, { memory: { maxEntries: 1000, maxBytes: 4096 } })
    await base.user.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({ email: `u${i}@x.io`, name: 'x'.repeat(40) })),
    })
    for (let i = 0; i < 20; i++) {
      await prisma.user.findMany({ where: { id: { gte: i } }, cacheStrategy: { ttl: 60 } })
    }
    const memory = prisma.$cache.stats().tiers.memory
    expect(memory?.bytes).toBeLessThanOrEqual(4096)
    expect(memory?.entries).toBeGreaterThan(0)
    expect(memory?.entries).toBeLessThan(20)
    await prisma.$cache.close()
  })
})

describe('options checked against the client', () => {
  it('an unknown model throws a ConfigError when $extends runs', () => {
    const { client } = fixture.db.createClient()
    expect(() => client.$extends(queryCache({ models: { Nope: { cache: true } } }))).toThrow(ConfigError)
    expect(() => client.$extends(queryCache({ models: { Nope: { cache: true } } }))).toThrow(
      /models\.Nope is not a model/,
    )
  })

  it('an invalid cacheStrategy rejects before any database or Redis call', async () => {
    const { redis, commands } = countingRedis(fixture.connection())
    const { prisma, statements } = cachedClient(fixture.db, {
      redis,
      namespace: fixture.namespace(),
    })
    await redis.ping() // the connection's own set-up commands are not the cache's
    const before = commands()
    const used = await countDuring(statements, async () => {
      await expect(prisma.user.findMany({ cacheStrategy: { ttl: -1 } })).rejects.toBeInstanceOf(StrategyError)
      await expect(prisma.user.findMany({ cacheStrategy: { region: 'nope' } })).rejects.toThrow(
        /not a region/,
      )
      await expect(prisma.user.findMany({ cacheStrategy: { tags: ['a b'] } })).rejects.toMatchObject({
        code: 'E_STRATEGY_INVALID',
      })
    })
    expect(used).toBe(0)
    expect(commands()).toBe(before)
    await prisma.$cache.close()
  })

  it('a Redis URL opens a connection that close() quits', async () => {
    const { prisma } = cachedClient(fixture.db, {
      redis: fixture.redis.url,
      namespace: fixture.namespace(),
    })
    await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
    const hit = await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    expect(hit.info.status).toBe('hit')
    await prisma.$cache.close()
    await prisma.$cache.close()
  })
})
