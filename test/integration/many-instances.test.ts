import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import type { CacheEvent, QueryCacheOptions } from '../../src/index.ts'
import { INTERNAL_HOOKS } from '../../src/prisma/extension.ts'
import type { LoaderHooks as StackHooks } from '../../src/read/loader.ts'
import { privateRedis } from '../setup/private-redis.ts'
import { ManualClock, observedClient, useFixture } from './helpers.ts'

// G6, first part: an invalidation on one instance reaches every other instance's memory tier (Redis pub/sub),
// and an instance whose subscription was lost does not serve from memory what it may have missed.

const fixture = useFixture()

/** An instance: an extended client with its own Redis connection and memory tier, and its events. */
function instance(options: QueryCacheOptions) {
  return observedClient(fixture.db, options)
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

/** Waits for a condition that another process makes true (a reconnect, a retry); bounded, never a race. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('a memory-only region on instances that share Redis', () => {
  it('follows the versions in Redis: a write on either instance invalidates it', async () => {
    const namespace = fixture.namespace()
    const regions = { hot: { tiers: ['memory'] as const } }
    const a = instance({ redis: fixture.connection(), namespace, regions })
    const user = await a.prisma.user.create({ data: { email: 'hot@x.io', name: 'v1' } }) // Redis knows User
    // A new instance has never heard of User when it first loads into the memory-only region.
    const b = instance({ redis: fixture.connection(), namespace, regions })
    const read = () =>
      b.prisma.user
        .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600, region: 'hot' } })
        .withCacheInfo()
    await read()
    expect((await read()).info).toMatchObject({ status: 'hit', tier: 'memory' })

    await b.prisma.user.update({ where: { id: user.id }, data: { name: 'v2' } })
    expect((await read()).data?.name).toBe('v2')

    const delivered = b.next(fromBus)
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'v3' } })
    await delivered
    expect((await read()).data?.name).toBe('v3')
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })
})

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
      await redis.dispose()
    }
  })
})

describe('no invalidation lost to an outage', () => {
  it.each([
    { name: 'Redis restarted with its data', persistent: true },
    { name: 'Redis restarted empty', persistent: false },
  ])('$name: after a write during the outage every instance reads the new value', async ({ persistent }) => {
    const redis = await privateRedis({ persistent })
    const connections: Redis[] = []
    const connect = () => {
      const connection = new Redis(redis.url, { retryStrategy: () => 50 })
      connection.on('error', () => {})
      connections.push(connection)
      return connection
    }
    try {
      const namespace = fixture.namespace()
      const a = instance({ redis: connect(), namespace })
      const b = instance({ redis: connect(), namespace })
      const c = instance({ redis: connect(), namespace, memory: false })
      const user = await a.prisma.user.create({ data: { email: `outage${persistent}@x.io`, name: 'old' } })
      const reads = [a, b, c].map(
        (i) => () =>
          i.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo(),
      )
      for (const read of reads) await read()
      // The entry has landed in Redis once the memory-less instance hits it.
      for (let i = 0; (await reads[2]!()).info.status !== 'hit'; i++)
        if (i > 100) throw new Error('no Redis hit')
      expect((await reads[1]!()).info.status).toBe('hit')

      await redis.stop()
      await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } }) // Redis cannot hear this
      expect(a.prisma.$cache.stats().pendingInvalidations).toBeGreaterThan(0)
      expect((await reads[0]!()).data?.name).toBe('new') // its own memory tier knew at once

      const bBack = b.next((e) => e.type === 'bus' && e.state === 'up')
      await redis.start()
      await bBack
      // Whether or not its retry has landed yet, the writer never serves the old value from Redis.
      expect((await reads[0]!()).data?.name).toBe('new')
      await until(() => a.prisma.$cache.stats().pendingInvalidations === 0, 'the retried invalidation')
      for (const read of reads) expect((await read()).data?.name).toBe('new')
      for (const i of [a, b, c]) await i.prisma.$cache.close()
    } finally {
      for (const connection of connections) connection.disconnect()
      await redis.dispose()
    }
  })

  it('version keys evicted under a real maxmemory never validate an old entry', async () => {
    const redis = await privateRedis({ args: ['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru'] })
    const raw = new Redis(redis.url)
    const connection = new Redis(redis.url)
    try {
      const namespace = fixture.namespace()
      const a = instance({ redis: connection, namespace, memory: false })
      const user = await a.prisma.user.create({ data: { email: 'maxmemory@x.io', name: 'old' } })
      const read = () =>
        a.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
      const { info } = await read()
      await a.prisma.$cache.close() // the entry has landed
      expect((await read()).info.status).toBe('hit')
      // The row changes behind the cache's back: only a lost version validating the old entry could hide it.
      await a.base.user.update({ where: { id: user.id }, data: { name: 'new' } })
      const versionKeys = await raw.keys(`{${namespace}}:v:*`)
      expect(versionKeys.length).toBeGreaterThan(0)
      // Fill Redis past maxmemory while keeping the entry recently used, until LRU evicted the version keys.
      // LRU is approximate: should it take the entry too, the entry is put back (the case under test is an
      // entry that outlived its versions).
      const entry = (await raw.getBuffer(info.key)) as Buffer
      const junk = Buffer.alloc(16_384, 1)
      for (let i = 0; (await raw.exists(...versionKeys)) > 0; i++) {
        if (i > 20_000) throw new Error('the version keys were never evicted')
        await raw.set(`junk:${i}`, junk)
        if ((await raw.getBuffer(info.key)) === null) await raw.set(info.key, entry, 'PX', 3_600_000)
      }
      if ((await raw.exists(info.key)) === 0) await raw.set(info.key, entry, 'PX', 3_600_000)
      expect(Number(/evicted_keys:(\d+)/.exec(await raw.info('stats'))?.[1])).toBeGreaterThan(0)
      const after = await read()
      expect(after.info.status).toBe('miss')
      expect(after.data?.name).toBe('new')
      await a.prisma.$cache.close()
    } finally {
      raw.disconnect()
      connection.disconnect()
      await redis.dispose()
    }
  })

  it('evicted version keys never validate an old entry', async () => {
    const namespace = fixture.namespace()
    const a = instance({ redis: fixture.connection(), namespace, memory: false })
    const user = await a.prisma.user.create({ data: { email: 'evicted@x.io', name: 'old' } })
    const read = () =>
      a.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
    await read()
    await a.prisma.$cache.close()
    expect((await read()).info.status).toBe('hit')
    const raw = fixture.connection()
    // As maxmemory eviction would: the version keys go, the entry stays.
    for (const key of await raw.keys(`{${namespace}}:v:*`)) await raw.del(key)
    expect((await read()).info.status).toBe('miss')
    await a.prisma.$cache.close()
  })
})

describe('stampede lock across instances (G5)', () => {
  const loads = (events: CacheEvent[]) => events.filter((e) => e.type === 'load').length

  it('concurrent identical cold reads on 4 instances cause one database query in total', async () => {
    const namespace = fixture.namespace()
    const instances = Array.from({ length: 4 }, () => instance({ redis: fixture.connection(), namespace }))
    const [first] = instances
    await first!.prisma.user.create({ data: { email: 'stampede@x.io' } })
    for (const i of instances) await i.prisma.$cache.stats() // all constructed
    const statementsBefore = instances.map((i) => i.statements.count)
    const results = await Promise.all(
      instances.flatMap((i) =>
        Array.from({ length: 25 }, () => i.prisma.user.findMany({ cacheStrategy: { ttl: 60 } })),
      ),
    )
    expect(results.every((r) => r.length === 1)).toBe(true)
    expect(instances.reduce((sum, i) => sum + loads(i.events), 0)).toBe(1)
    const statements = instances.reduce(
      (sum, i, n) => sum + i.statements.count - (statementsBefore[n] ?? 0),
      0,
    )
    expect(statements).toBe(1)
    for (const i of instances) await i.prisma.$cache.close()
  })

  it('with a stale value available (swr), every instance serves it at once and one reloads for the cluster', async () => {
    const namespace = fixture.namespace()
    const clock = new ManualClock()
    const instances = Array.from({ length: 4 }, () =>
      instance({ redis: fixture.connection(), namespace, clock: clock.read }),
    )
    const [first] = instances
    const user = await first!.prisma.user.create({ data: { email: 'dogpile@x.io', name: 'old' } })
    const read = (i: (typeof instances)[number]) =>
      i.prisma.user
        .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 10, swr: 600 } })
        .withCacheInfo()
    await read(first!)
    await first!.prisma.$cache.close() // its Redis write has landed
    for (const i of instances.slice(1)) expect((await read(i)).info.tier).toBe('redis')
    // The row changes behind the cache's back, so that a reload shows; then the entry goes stale.
    await first!.base.user.update({ where: { id: user.id }, data: { name: 'reloaded' } })
    clock.advance(15_000)
    const statementsBefore = instances.map((i) => i.statements.count)
    const results = await Promise.all(instances.flatMap((i) => Array.from({ length: 25 }, () => read(i))))
    expect(results.every((r) => r.info.status === 'stale' && r.data?.name === 'old')).toBe(true)
    for (const i of instances) await i.prisma.$cache.close() // the background reloads have finished
    const statements = instances.reduce(
      (sum, i, n) => sum + i.statements.count - (statementsBefore[n] ?? 0),
      0,
    )
    expect(statements).toBe(1)
    for (const i of instances) {
      const after = await read(i)
      expect(after.data?.name).toBe('reloaded')
      expect(after.info.status).toBe('hit')
    }
    for (const i of instances) await i.prisma.$cache.close()
  })

  it('a waiter that gets the lock after the holder stored its entry takes the entry instead of loading again', async () => {
    const namespace = fixture.namespace()
    const raw = fixture.connection()
    let lockKey = ''
    const hooks: StackHooks = {
      // Between the waiter's last look and its next try for the lock, the holder stores the entry and releases.
      afterLockWait: async () => {
        await holder.prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
        await holder.prisma.$cache.close() // its Redis write has landed
        await raw.del(lockKey)
      },
    }
    const holder = instance({ redis: fixture.connection(), namespace, regions: { default: { lock: false } } })
    // Redis tier only, so that the waiter cannot answer from its own memory before the bus catches up.
    const waiter = instance({
      redis: fixture.connection(),
      namespace,
      memory: false,
      [INTERNAL_HOOKS]: hooks,
    } as QueryCacheOptions)
    await holder.prisma.user.create({ data: { email: 'handover@x.io' } })
    const { info } = await waiter.prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    lockKey = `${info.key}:lock`
    await holder.prisma.$cache.invalidate({ models: ['User'] })
    await raw.set(lockKey, 'holder', 'PX', 60_000)
    const loadsBefore = loads(waiter.events)
    let waited = false
    const handOver = hooks.afterLockWait
    hooks.afterLockWait = async (key) => {
      waited = true
      await handOver?.(key)
    }
    const result = await waiter.prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
    expect(waited).toBe(true)
    expect(result).toHaveLength(1)
    expect(loads(waiter.events)).toBe(loadsBefore)
    expect(await raw.get(lockKey)).toBeNull() // it released the lock it took
    await holder.prisma.$cache.close()
    await waiter.prisma.$cache.close()
  })

  it('with the lock off, each instance loads', async () => {
    const namespace = fixture.namespace()
    const regions = { default: { lock: false } }
    const instances = Array.from({ length: 3 }, () =>
      instance({ redis: fixture.connection(), namespace, regions }),
    )
    await Promise.all(instances.map((i) => i.prisma.user.findMany({ cacheStrategy: { ttl: 60 } })))
    expect(instances.reduce((sum, i) => sum + loads(i.events), 0)).toBe(3)
    for (const i of instances) await i.prisma.$cache.close()
  })

  it("a crashed holder's lease expires and the next caller loads", async () => {
    const namespace = fixture.namespace()
    const regions = { default: { lockLease: 0.3 } }
    const a = instance({ redis: fixture.connection(), namespace, regions })
    await a.prisma.user.create({ data: { email: 'crashed@x.io', name: 'n' } })
    const read = () => a.prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    const { info } = await read()
    await a.prisma.$cache.invalidate({ models: ['User'] })
    // A holder that took the lease and died: nobody will release it.
    await fixture.connection().set(`${info.key}:lock`, 'crashed-owner', 'PX', 300)
    const started = performance.now()
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data[0]?.name).toBe('n')
    expect(performance.now() - started).toBeGreaterThanOrEqual(200) // it waited for the lease, then loaded
    expect(loads(a.events)).toBe(2)
    await a.prisma.$cache.close()
  })

  it('a release never deletes a lease that expired and was taken by someone else', async () => {
    const raw = fixture.connection()
    const { RedisTier } = await import('../../src/storage/redis-tier.ts')
    const { GuardedCall } = await import('../../src/storage/guarded-call.ts')
    const { createCodec } = await import('../../src/storage/codec.ts')
    const guard = new GuardedCall({ timeoutMs: 1000, clock: Date.now })
    const tier = new RedisTier({ client: raw, namespace: fixture.namespace(), codec: createCodec(), guard })
    const key = `${fixture.namespace()}:lock`
    expect(await tier.acquireLock(key, 'slow-owner', 50)).toBe(true)
    expect(await tier.acquireLock(key, 'other', 5000)).toBe(false)
    await raw.del(key) // the slow owner's lease expired...
    expect(await tier.acquireLock(key, 'other', 5000)).toBe(true) // ...and another owner took it
    await tier.releaseLock(key, 'slow-owner')
    expect(await raw.get(key)).toBe('other')
    await tier.releaseLock(key, 'other')
    expect(await raw.get(key)).toBeNull()
  })
})
