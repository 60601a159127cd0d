import { PrismaPg } from '@prisma/adapter-pg'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { PrismaClient } from '../../generated/prisma/client.ts'
import { queryCache } from '../../src/index.ts'
import { silentServer } from '../setup/silent-server.ts'
import { cachedClient, countDuring, ManualClock, useFixture } from './helpers.ts'

// Cache trouble never fails a query: Redis errors and undecodable entries become misses, reported through
// onEvent and stats(). Failed loads are never cached and do not poison the next caller.

const fixture = useFixture()

/** A Redis client pointed at a port where nothing listens: every command fails at once. */
function deadRedis(): Redis {
  const redis = new Redis({
    host: '127.0.0.1',
    port: 1,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  redis.on('error', () => {})
  return redis
}

describe('Redis unavailable', () => {
  it('reads and writes still answer correctly from the database; errors are counted and emitted', async () => {
    const redis = deadRedis()
    const { prisma, events } = cachedClient(fixture.db, {
      redis,
      namespace: fixture.namespace(),
      memory: false,
    })
    const user = await prisma.user.create({ data: { email: 'r@x.io', name: 'one' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    const first = await read()
    expect(first.data?.name).toBe('one')
    expect(first.info.status).toBe('miss')
    await prisma.user.update({ where: { id: user.id }, data: { name: 'two' } })
    expect((await read()).data?.name).toBe('two')
    const stats = prisma.$cache.stats()
    expect(stats.errors).toBeGreaterThan(0)
    expect(stats.tiers.redis?.errors).toBeGreaterThan(0)
    expect(events.some((e) => e.type === 'error')).toBe(true)
    await prisma.$cache.close()
    redis.disconnect()
  })

  it('with the memory tier on, the memory tier keeps serving and stays correct across writes', async () => {
    const redis = deadRedis()
    const { prisma, statements } = cachedClient(fixture.db, {
      redis,
      namespace: fixture.namespace(),
    })
    const user = await prisma.user.create({ data: { email: 'm@x.io', name: 'one' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await read()
    // Without versions from Redis nothing can be proven current, so nothing is stored: every read loads.
    expect(await countDuring(statements, read)).toBe(1)
    await prisma.user.update({ where: { id: user.id }, data: { name: 'two' } })
    expect((await read()).data?.name).toBe('two')
    await prisma.$cache.close()
    redis.disconnect()
  })
})

describe('Redis that never answers', () => {
  it('adds at most redisTimeout per command; reads and writes stay correct', async () => {
    const silent = await silentServer()
    const redis = new Redis({ host: '127.0.0.1', port: silent.port, maxRetriesPerRequest: null })
    redis.on('error', () => {})
    const { prisma } = cachedClient(fixture.db, { redis, namespace: fixture.namespace(), redisTimeout: 50 })
    const user = await prisma.user.create({ data: { email: 'slow@x.io', name: 'one' } })
    const read = () => prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } })
    const started = performance.now()
    expect((await read())?.name).toBe('one')
    await prisma.user.update({ where: { id: user.id }, data: { name: 'two' } })
    expect((await read())?.name).toBe('two')
    const elapsed = performance.now() - started
    // Two reads (lookup, capture) and one invalidation: a handful of timeouts, far from ioredis' own retries.
    expect(elapsed).toBeLessThan(5_000)
    expect(prisma.$cache.stats().tiers.redis?.errors).toBeGreaterThanOrEqual(3)
    await prisma.$cache.close()
    redis.disconnect()
    await silent.close()
  })
})

describe('a read whose Redis command failed', () => {
  it('skips Redis for the rest of the read, so it adds at most one redisTimeout', async () => {
    const silent = await silentServer()
    const redis = new Redis({ host: '127.0.0.1', port: silent.port, maxRetriesPerRequest: null })
    redis.on('error', () => {})
    const timeout = 150
    const { prisma, events } = cachedClient(fixture.db, {
      redis,
      namespace: fixture.namespace(),
      redisTimeout: timeout,
    })
    const user = await prisma.user.create({ data: { email: 'once@x.io', name: 'one' } })
    await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }) // waits for the bus to settle (once per client)
    // Errors of reads (the failed invalidation of the create is retried meanwhile and reports its own).
    const readErrors = () => events.filter((e) => e.type === 'error' && e.key !== undefined).length
    const before = readErrors()
    const started = performance.now()
    expect((await prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }))?.name).toBe(
      'one',
    )
    const elapsed = performance.now() - started
    // The lookup timed out; the lock and the version capture would each have waited as long again.
    expect(readErrors() - before).toBe(1)
    expect(elapsed).toBeLessThan(2 * timeout)
    await prisma.$cache.close()
    redis.disconnect()
    await silent.close()
  })
})

describe('circuit breaker', () => {
  it('after repeated failures Redis is not asked at all for a while, so a down Redis adds no latency', async () => {
    const silent = await silentServer()
    const redis = new Redis({ host: '127.0.0.1', port: silent.port, maxRetriesPerRequest: null })
    redis.on('error', () => {})
    let sent = 0
    const methods = redis as unknown as Record<string, (...args: unknown[]) => unknown>
    for (const method of ['mgetBuffer', 'getBuffer', 'mget', 'evalsha', 'eval', 'evalshaBuffer', 'set']) {
      const original = (methods[method] as (...args: unknown[]) => unknown).bind(redis)
      methods[method] = (...args: unknown[]) => {
        sent++
        return original(...args)
      }
    }
    const { prisma } = cachedClient(fixture.db, { redis, namespace: fixture.namespace(), redisTimeout: 20 })
    await prisma.user.create({ data: { email: 'breaker@x.io' } })
    for (let i = 0; i < 20; i++) {
      expect(
        await prisma.user.findMany({ where: { id: { gt: i } }, cacheStrategy: { ttl: 60 } }),
      ).toBeDefined()
    }
    // Twenty reads, each a lookup, a lock and a capture: without the breaker about 60 commands would wait 20 ms each.
    expect(sent).toBeLessThanOrEqual(6)
    expect(prisma.$cache.stats().tiers.redis?.errors).toBeGreaterThanOrEqual(20)
    await prisma.$cache.close()
    redis.disconnect()
    await silent.close()
  })
})

describe('Redis metadata is bounded (G8)', () => {
  it('every version key expires, and outlives the entries that depend on it', async () => {
    const raw = fixture.connection()
    const namespace = fixture.namespace()
    const { prisma } = cachedClient(fixture.db, { redis: fixture.connection(), namespace, memory: false })
    await prisma.user.findMany({ include: { posts: true }, cacheStrategy: { ttl: 120, tags: ['t1'] } })
    await prisma.$cache.invalidate({ tags: ['never-read'] })
    await prisma.$cache.close()
    const versionKeys = await raw.keys(`{${namespace}}:v:*`)
    expect(versionKeys.length).toBeGreaterThanOrEqual(5)
    const entryKeys = (await raw.keys(`${namespace}:*`)).filter((key) => !key.startsWith('{'))
    expect(entryKeys).toHaveLength(1)
    const entryTtl = await raw.pttl(entryKeys[0] as string)
    for (const key of versionKeys) {
      const ttl = await raw.pttl(key)
      expect(ttl).toBeGreaterThan(0)
      if (!key.endsWith(':#never-read')) expect(ttl).toBeGreaterThanOrEqual(entryTtl)
    }
  })
})

describe('undecodable entries', () => {
  it('garbage in Redis becomes a miss, counted and emitted, and the entry is replaced', async () => {
    const { prisma, events } = cachedClient(fixture.db, {
      redis: fixture.connection(),
      namespace: fixture.namespace(),
      memory: false,
    })
    await prisma.user.create({ data: { email: 'g@x.io', name: 'G' } })
    const read = () => prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    const { info } = await read()
    await prisma.$cache.close() // the Redis write is not awaited by the read; wait for it
    const raw = fixture.connection()
    for (const garbage of [
      Buffer.from('not msgpack at all'),
      Buffer.from([0xc1, 0x01, 0xff, 0x00]),
      Buffer.alloc(0),
    ]) {
      await raw.set(info.key, garbage)
      const again = await read()
      expect(again.info.status).toBe('miss')
      expect(again.data[0]?.name).toBe('G')
      await prisma.$cache.close()
    }
    expect(
      events.filter((e) => e.type === 'error' && e.operation === 'decode').length,
    ).toBeGreaterThanOrEqual(2)
    expect((await read()).info.status).toBe('hit')
  })
})

describe('staleIfError', () => {
  it('serves an entry past ttl + swr when the database fails, within the window; never after a write', async () => {
    const clock = new ManualClock()
    const namespace = fixture.namespace()
    const regions = { default: { ttl: 10, swr: 5, staleIfError: 60 } }
    const { prisma } = cachedClient(fixture.db, {
      redis: fixture.connection(),
      namespace,
      clock: clock.read,
      regions,
    })
    const user = await prisma.user.create({ data: { email: 'sie@x.io', name: 'cached' } })
    const read = (client: typeof prisma) =>
      client.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 10 } }).withCacheInfo()
    await read(prisma)
    await prisma.$cache.close()

    // Another instance whose database is unreachable (nothing listens on port 1).
    const down = new PrismaClient({
      adapter: new PrismaPg({
        connectionString: 'postgresql://postgres@127.0.0.1:1/test',
        connectionTimeoutMillis: 500,
      }),
    }).$extends(
      queryCache({ redis: fixture.connection(), namespace, clock: clock.read, regions, memory: false }),
    )
    clock.advance(30_000)
    const stale = await read(down)
    expect(stale.info.status).toBe('stale')
    expect(stale.data?.name).toBe('cached')
    expect(down.$cache.stats().errors).toBeGreaterThan(0)

    clock.advance(60_000) // beyond ttl + swr + staleIfError
    await expect(read(down)).rejects.toThrow()

    clock.advance(-60_000)
    await prisma.user.update({ where: { id: user.id }, data: { name: 'changed' } }) // invalidates: never served again
    await expect(read(down)).rejects.toThrow()
    await down.$cache.close()
    await prisma.$cache.close()
  })

  it('does not hide answers about the data (not found is not a database failure)', async () => {
    const clock = new ManualClock()
    const { prisma, base } = cachedClient(fixture.db, {
      clock: clock.read,
      regions: { default: { staleIfError: 600 } },
    })
    const user = await base.user.create({ data: { email: 'nf@x.io' } })
    const read = () => prisma.user.findUniqueOrThrow({ where: { id: user.id }, cacheStrategy: { ttl: 1 } })
    await read()
    await base.user.delete({ where: { id: user.id } }) // behind the cache's back
    clock.advance(5_000)
    await expect(read()).rejects.toMatchObject({ code: 'P2025' })
    await prisma.$cache.close()
  })
})

describe('failed loads', () => {
  it('are not cached and do not poison the next caller', async () => {
    const { prisma, statements } = cachedClient(fixture.db)
    const read = () =>
      prisma.user.findUniqueOrThrow({ where: { email: 'later@x.io' }, cacheStrategy: { ttl: 60 } })
    const failures = await Promise.allSettled([read(), read(), read()])
    expect(failures.every((r) => r.status === 'rejected')).toBe(true)
    await prisma.user.create({ data: { email: 'later@x.io' } })
    expect((await read()).email).toBe('later@x.io')
    expect(await countDuring(statements, read)).toBe(0)
    await prisma.$cache.close()
  })

  it('a throwing onEvent listener never breaks a query', async () => {
    const { prisma } = cachedClient(fixture.db, {
      onEvent: () => {
        throw new Error('listener bug')
      },
    })
    await prisma.user.create({ data: { email: 'l@x.io' } })
    expect(await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })).toHaveLength(1)
    expect(await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })).toHaveLength(1)
    await prisma.$cache.close()
  })
})
