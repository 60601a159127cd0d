import { describe, expect, it } from 'vitest'
import type { CacheEvent, MissReason } from '../../src/index.ts'
import { deadRedis } from '../setup/private-redis.ts'
import { cachedClient, ManualClock, useFixture } from './helpers.ts'

// "Why was this a miss?": withCacheInfo() and the miss event say it, for each cause, on both tiers and across
// instances; and every cached read reports a `read` event with its duration.

const fixture = useFixture()
const TTL = { ttl: 60 } as const

describe.each([
  { name: 'memory only', redis: false, memory: true },
  { name: 'redis only', redis: true, memory: false },
  { name: 'memory + redis', redis: true, memory: true },
])('miss reasons ($name)', ({ redis, memory }) => {
  const options = () => ({
    ...(redis ? { redis: fixture.connection(), namespace: fixture.namespace() } : {}),
    ...(memory ? {} : { memory: false as const }),
  })

  it('absent, then invalidated by a write (the pin of the row, the model and operation), a tag, raw SQL', async () => {
    const clock = new ManualClock()
    const { prisma } = cachedClient(fixture.db, { ...options(), clock: clock.read })
    const user = await prisma.user.create({ data: { email: 'why@x.io', name: 'a' } })
    const read = () =>
      prisma.user
        .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60, tags: ['people'] } })
        .withCacheInfo()
    expect((await read()).info.reason).toEqual({ kind: 'absent' })
    clock.advance(5)
    await prisma.user.update({ where: { id: user.id }, data: { name: 'b' } })
    const afterWrite = (await read()).info.reason
    expect(afterWrite).toMatchObject({
      kind: 'invalidated',
      cause: 'write',
      model: 'User',
      operation: 'update',
      at: clock.now,
    })
    expect((afterWrite as Extract<MissReason, { kind: 'invalidated' }>).dependency).toMatch(
      /^=User\.id=|^!User$|^%User/,
    )
    await prisma.$cache.invalidate({ tags: ['people'] })
    expect((await read()).info.reason).toMatchObject({
      kind: 'invalidated',
      dependency: '#people',
      cause: 'api',
    })
    await prisma.$executeRaw`UPDATE "users" SET "name" = 'c' WHERE "id" = ${user.id}`
    expect((await read()).info.reason).toMatchObject({ kind: 'invalidated', cause: 'raw-sql' })
    expect((await read()).info.status).toBe('hit')
    await prisma.$cache.close()
  })

  it('expired, and refresh', async () => {
    const clock = new ManualClock()
    const { prisma } = cachedClient(fixture.db, { ...options(), clock: clock.read })
    const read = (strategy: object = TTL) => prisma.user.findMany({ cacheStrategy: strategy }).withCacheInfo()
    await read()
    clock.advance(61_000)
    expect((await read()).info.reason).toEqual({ kind: 'expired', age: 61_000 })
    expect((await read({ ttl: 60, refresh: true })).info.reason).toEqual({ kind: 'refresh' })
    await prisma.$cache.close()
  })
})

describe('miss reasons, memory tier', () => {
  it('evicted: the memory tier dropped the entry to stay within its bounds', async () => {
    const { prisma } = cachedClient(fixture.db, { memory: { maxEntries: 1 } })
    const one = () => prisma.user.findMany({ where: { name: 'one' }, cacheStrategy: TTL }).withCacheInfo()
    const two = () => prisma.user.findMany({ where: { name: 'two' }, cacheStrategy: TTL }).withCacheInfo()
    await one()
    await two()
    expect((await one()).info.reason).toEqual({ kind: 'evicted' })
    await prisma.$cache.close()
  })

  it("another instance's write, heard over the bus", async () => {
    const namespace = fixture.namespace()
    const heard: CacheEvent[] = []
    const a = cachedClient(fixture.db, {
      redis: fixture.connection(),
      namespace,
      onEvent: (e) => heard.push(e),
    })
    const b = cachedClient(fixture.db, { redis: fixture.connection(), namespace })
    const user = await a.prisma.user.create({ data: { email: 'bus@x.io' } })
    const read = () =>
      a.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: TTL }).withCacheInfo()
    await read()
    await b.prisma.user.update({ where: { id: user.id }, data: { name: 'x' } })
    for (let i = 0; i < 200 && !heard.some((e) => e.type === 'invalidate' && e.cause === 'bus'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const { info } = await read()
    expect(info.reason).toMatchObject({ kind: 'invalidated', cause: 'bus' })
    expect(heard.filter((e) => e.type === 'miss').at(-1)).toMatchObject({ reason: info.reason })
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })
})

describe('events', () => {
  it('every cached read reports a read event with its status, tier, operation and duration', async () => {
    const { prisma, events } = cachedClient(fixture.db, {})
    await prisma.user.count({ cacheStrategy: TTL })
    await prisma.user.count({ cacheStrategy: TTL })
    const reads = events.filter((e): e is Extract<CacheEvent, { type: 'read' }> => e.type === 'read')
    expect(reads.map((e) => [e.status, e.tier, e.operation, e.model])).toEqual([
      ['miss', undefined, 'count', 'User'],
      ['hit', 'memory', 'count', 'User'],
    ])
    for (const read of reads) expect(read.duration).toBeGreaterThan(0)
    await prisma.$cache.close()
  })

  it('the circuit breaker reports opening', async () => {
    const down = deadRedis()
    const { prisma, events } = cachedClient(fixture.db, {
      redis: down,
      namespace: fixture.namespace(),
      memory: false,
      redisTimeout: 50,
    })
    for (let i = 0; i < 8; i++) await prisma.user.findMany({ cacheStrategy: TTL })
    expect(events).toContainEqual({ type: 'breaker', state: 'open' })
    await prisma.$cache.close()
    down.disconnect()
  })

  it('$cache.subscribe() adds a listener and its return removes it', async () => {
    const { prisma } = cachedClient(fixture.db, {})
    const seen: string[] = []
    const stop = prisma.$cache.subscribe((event) => seen.push(event.type))
    await prisma.user.count({ cacheStrategy: TTL })
    stop()
    await prisma.user.count({ cacheStrategy: TTL })
    expect(seen).toEqual(['miss', 'load', 'read'])
    await prisma.$cache.close()
  })
})
