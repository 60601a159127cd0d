import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CacheEvent, QueryCacheOptions } from '../../src/index.ts'
import { cachedClient, createFixture, type Fixture } from './helpers.ts'

// G6, first part: an invalidation on one instance reaches every other instance's memory tier (Redis pub/sub),
// and an instance whose subscription was lost does not serve from memory what it may have missed.

let fixture: Fixture & { dispose(): Promise<void> }

beforeAll(async () => {
  fixture = await createFixture()
})
afterAll(async () => {
  await fixture.dispose()
})
beforeEach(async () => {
  await fixture.db.truncateAll()
})

/** An instance: an extended client with its own Redis connection and memory tier, and its events. */
function instance(options: QueryCacheOptions) {
  const events: CacheEvent[] = []
  const waiters: { match: (e: CacheEvent) => boolean; resolve: () => void }[] = []
  const setup = cachedClient(fixture.db, {
    ...options,
    onEvent: (event) => {
      events.push(event)
      for (const waiter of [...waiters]) {
        if (waiter.match(event)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
    },
  })
  /** Resolves at the next event that matches (registered before the action that causes it). */
  const next = (match: (e: CacheEvent) => boolean) =>
    new Promise<void>((resolve) => {
      waiters.push({ match, resolve })
    })
  return { ...setup, events, next }
}

const fromBus = (e: CacheEvent) => e.type === 'invalidate' && e.cause === 'bus'

describe('coherent memory tiers', () => {
  it("another instance's write reaches this memory tier; its own messages are ignored", async () => {
    const namespace = fixture.namespace()
    const a = instance({ redis: fixture.connection(), namespace })
    const b = instance({ redis: fixture.connection(), namespace })
    const user = await a.prisma.user.create({ data: { email: 'bus@x.io', name: 'old' } })
    const read = () =>
      b.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
    await read()
    expect((await read()).info).toMatchObject({ status: 'hit', tier: 'memory' })

    const delivered = b.next(fromBus)
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    await delivered
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data?.name).toBe('new')
    expect(a.events.filter(fromBus)).toEqual([])
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })

  it('tags, models, regions and invalidateAll reach every instance', async () => {
    const namespace = fixture.namespace()
    const a = instance({ redis: fixture.connection(), namespace, regions: { reference: {} } })
    const b = instance({ redis: fixture.connection(), namespace, regions: { reference: {} } })
    const read = () =>
      b.prisma.user
        .findMany({ cacheStrategy: { ttl: 3600, tags: ['t'], region: 'reference' } })
        .withCacheInfo()
    const inputs = [{ tags: ['t'] }, { models: ['User'] }, { regions: ['reference'] }, undefined] as const
    for (const input of inputs) {
      await read()
      expect((await read()).info.tier).toBe('memory')
      const delivered = b.next(fromBus)
      if (input === undefined) await a.prisma.$cache.invalidateAll()
      else await a.prisma.$cache.invalidate(input)
      await delivered
      expect((await read()).info.status).toBe('miss')
    }
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })

  it('late, duplicated or reordered messages never roll an instance back', async () => {
    const namespace = fixture.namespace()
    const b = instance({ redis: fixture.connection(), namespace })
    const a = instance({ redis: fixture.connection(), namespace })
    const user = await a.prisma.user.create({ data: { email: 'order@x.io', name: 'v1' } })
    const raw = fixture.connection()
    const versionKey = `{${namespace}}:v:User`
    const old = (await raw.get(versionKey)) as string
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'v2' } })
    const read = () =>
      b.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
    await read()
    expect((await read()).info.tier).toBe('memory')
    // Replay an old message, as a late or reordered delivery would: it carries a version older than B knows.
    const channel = `{${namespace}}:bus`
    const replayed = b.next(fromBus)
    await raw.publish(channel, JSON.stringify({ i: 'someone-else', d: ['User'], v: [old] }))
    await replayed
    const still = await read()
    expect(still.info).toMatchObject({ status: 'hit', tier: 'memory' })
    expect(still.data?.name).toBe('v2')
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })
})

/** A private Redis on a free loopback port, so that killing its clients disturbs no other test file. */
async function privateRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer()
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const url = `redis://127.0.0.1:${port}`
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    probe.on('error', () => {})
    try {
      await probe.connect()
      await probe.ping()
      probe.disconnect()
      break
    } catch (error) {
      probe.disconnect()
      if (attempt > 100) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.once('exit', () => resolve())
        server.kill('SIGTERM')
      }),
  }
}

describe('a lost subscription', () => {
  it('after a dropped subscription and a write it missed, the instance does not serve the old value', async () => {
    const redis = await privateRedis()
    const connections: Redis[] = []
    const connect = () => {
      const connection = new Redis(redis.url)
      connection.on('error', () => {})
      connections.push(connection)
      return connection
    }
    try {
      const namespace = fixture.namespace()
      const a = instance({ redis: connect(), namespace })
      const b = instance({ redis: connect(), namespace })
      const user = await a.prisma.user.create({ data: { email: 'lost@x.io', name: 'old' } })
      const read = () =>
        b.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
      await read()
      expect((await read()).info.tier).toBe('memory')

      const down = b.next((e) => e.type === 'bus' && e.state === 'down')
      const up = b.next((e) => e.type === 'bus' && e.state === 'up')
      await connect().call('CLIENT', 'KILL', 'TYPE', 'pubsub')
      await down
      await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } }) // B cannot hear this
      await up
      const after = await read()
      expect(after.data?.name).toBe('new')
      expect(after.info.tier).not.toBe('memory')
      await a.prisma.$cache.close()
      await b.prisma.$cache.close()
    } finally {
      for (const connection of connections) connection.disconnect()
      await redis.stop()
    }
  })
})
