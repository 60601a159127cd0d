import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../src/index.ts'
import { freePort, privateRedis } from '../setup/private-redis.ts'
import { silentServer } from '../setup/silent-server.ts'
import { cachedClient, useFixture } from './helpers.ts'

// A Redis that is known to be down costs a read nothing: no wait for a subscription that cannot come, no
// command held in ioredis' offline queue until a timeout. The timeout is long here (5 s), so any wait shows.

const fixture = useFixture()
const LONG_TIMEOUT = 5_000
/** Generous per-read bound on a shared machine; the failure it guards against is a 5 s wait. */
const MAX_READ_MS = 150

/** A client as a new user writes it: default ioredis options, errors logged elsewhere. */
function userRedis(target: string | { path: string }): Redis {
  const redis = typeof target === 'string' ? new Redis(target) : new Redis(target)
  redis.on('error', () => {})
  return redis
}

/** The commands ioredis holds until it connects (its offline queue). */
function queued(redis: Redis): number {
  return (redis as unknown as { offlineQueue: { length: number } }).offlineQueue.length
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

/**
 * Times `rounds` cached reads (the first one on a client that has done nothing yet), each beside an uncached
 * read of the same row, and checks the answers.
 */
async function timeReads(options: QueryCacheOptions, rounds = 40) {
  const { prisma, base } = cachedClient(fixture.db, { namespace: fixture.namespace(), ...options })
  const user = await base.user.create({ data: { email: `down-${Math.random()}@x.io`, name: 'one' } })
  await base.user.findUnique({ where: { id: user.id } }) // the pool is warm for both clients alike
  const cached: number[] = []
  const uncached: number[] = []
  for (let i = 0; i < rounds; i++) {
    let started = performance.now()
    const read = await prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } })
    cached.push(performance.now() - started)
    expect(read?.name).toBe('one')
    started = performance.now()
    await base.user.findUnique({ where: { id: user.id } })
    uncached.push(performance.now() - started)
  }
  return { prisma, user, cached, uncached }
}

describe('Redis refused or unreachable', () => {
  const cases = [
    ['refused (nothing listens on the port)', async () => userRedis(`redis://127.0.0.1:${await freePort()}`)],
    ['unreachable (no such socket)', async () => userRedis({ path: '/nonexistent/pqc-redis.sock' })],
  ] as const

  for (const [name, connect] of cases) {
    for (const memory of [true, false]) {
      it(`${name}, memory tier ${memory ? 'on' : 'off'}: every read within uncached + a few ms, the first one too`, async () => {
        const redis = await connect()
        const { prisma, cached, uncached } = await timeReads({
          redis,
          redisTimeout: LONG_TIMEOUT,
          ...(memory ? {} : { memory: false }),
        })
        expect(cached[0]).toBeLessThan(MAX_READ_MS)
        expect(Math.max(...cached)).toBeLessThan(MAX_READ_MS)
        expect(median(cached) - median(uncached)).toBeLessThan(5)
        // Cache commands are not left in the client's queue to pile up while Redis stays down.
        expect(queued(redis)).toBeLessThanOrEqual(3)
        expect(prisma.$cache.stats().tiers.redis?.errors).toBeGreaterThan(0)
        await prisma.$cache.close()
        redis.disconnect()
      })
    }
  }
})

describe('Redis closed mid-run', () => {
  it('reads stay fast and correct while it is down, and use it again once it is back', async () => {
    const server = await privateRedis()
    const redis = userRedis(server.url)
    const { prisma, base } = cachedClient(fixture.db, {
      redis,
      namespace: fixture.namespace(),
      memory: false,
      redisTimeout: LONG_TIMEOUT,
    })
    try {
      const user = await base.user.create({ data: { email: 'midrun@x.io', name: 'one' } })
      const read = () =>
        prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
      await read()
      expect((await read()).info.status).toBe('hit')

      await server.stop()
      const during: number[] = []
      for (let i = 0; i < 30; i++) {
        const started = performance.now()
        const { data } = await read()
        during.push(performance.now() - started)
        expect(data?.name).toBe('one')
      }
      expect(Math.max(...during)).toBeLessThan(MAX_READ_MS)
      // A write while Redis is down: no read may return the old name, then or after Redis is back.
      await prisma.user.update({ where: { id: user.id }, data: { name: 'two' } })
      expect((await read()).data?.name).toBe('two')
      expect(queued(redis)).toBeLessThanOrEqual(3)

      await server.start()
      const deadline = performance.now() + 10_000
      let status = ''
      while (status !== 'hit' && performance.now() < deadline) {
        const { data, info } = await read()
        expect(data?.name).toBe('two')
        status = info.status
        if (status !== 'hit') await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(status).toBe('hit')
    } finally {
      await prisma.$cache.close()
      redis.disconnect()
      await server.dispose()
    }
  })
})

describe('Redis that accepts and never answers', () => {
  it('the first read of a new client pays one redisTimeout, not one for the subscription and one more', async () => {
    const silent = await silentServer()
    const redis = new Redis({ host: '127.0.0.1', port: silent.port })
    redis.on('error', () => {})
    const timeout = 300
    try {
      const { cached } = await timeReads({ redis, redisTimeout: timeout }, 1)
      expect(cached[0]).toBeGreaterThanOrEqual(timeout - 5)
      expect(cached[0]).toBeLessThan(1.5 * timeout)
    } finally {
      redis.disconnect()
      await silent.close()
    }
  })
})
