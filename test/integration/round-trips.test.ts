import { describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../src/index.ts'
import { recordCommands } from '../support/redis-commands.ts'
import { cachedClient, observedClient, useFixture } from './helpers.ts'

// Redis round trips per path, counted command by command against the database statements, so that a change
// cannot add one silently. On a single Redis: a hit is one command; a miss is one command before the database
// query (the lookup that also captures the versions and takes the lease lock), and the store follows the answer.

const fixture = useFixture()
const MEMORY_ONLY = { default: { tiers: ['memory'] } } satisfies QueryCacheOptions['regions']

/** A cached client whose own Redis connection's commands are recorded; scripts are loaded on that Redis. */
async function recorded(options: QueryCacheOptions = {}, namespace = fixture.namespace()) {
  // Named, so that a test can find the bus's subscriber (a duplicate, same name) among all clients of the Redis.
  const redis = fixture.redis.connect({ connectionName: namespace })
  const setup = cachedClient(fixture.db, { redis, namespace, ...options })
  // Loads the scripts (a Redis that does not know one costs one more trip, once) and waits for the bus.
  await setup.prisma.user.findMany({ where: { id: -1 }, cacheStrategy: { ttl: 60 } })
  await setup.prisma.$cache.invalidate({ models: ['User'] })
  const log = recordCommands(redis, setup.statements)
  return { ...setup, log, redis }
}

/** Holds every EVALSHA `redis` is asked for until `release()`: a command nobody may wait for. */
function holdScripts(redis: { evalsha: (...args: never[]) => unknown }) {
  const original = redis.evalsha
  let open: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    open = resolve
  })
  let held = 0
  redis.evalsha = ((...args: never[]) => {
    held++
    return gate.then(() => original.apply(redis, args))
  }) as typeof original
  return {
    held: () => held,
    release() {
      redis.evalsha = original
      open()
    },
  }
}

async function settled(prisma: { $cache: { close(): Promise<void> } }) {
  // Background work (stores, releases) is done once close() has drained it.
  await prisma.$cache.close()
}

describe('Redis round trips per path (single Redis)', () => {
  it('a Redis hit is one command and writes nothing', async () => {
    const { prisma, base, log } = await recorded({ memory: false })
    const user = await base.user.create({ data: { email: 'hit@x.io', name: 'a' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await read()
    await new Promise((resolve) => setTimeout(resolve, 20)) // the store lands
    log.reset()
    expect((await read()).info).toMatchObject({ status: 'hit', tier: 'redis' })
    await settled(prisma)
    expect(log.names()).toEqual(['evalsha'])
  })

  it('a miss: one command before the database query; the store and the release after the answer', async () => {
    const { prisma, base, log, statements } = await recorded({ memory: false })
    const user = await base.user.create({ data: { email: 'miss@x.io', name: 'a' } })
    const read = () => prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } })
    // A cold key whose versions do not exist yet, then a key whose entry a write made invalid.
    for (const step of ['cold', 'after a write'] as const) {
      if (step === 'after a write') {
        await prisma.user.update({ where: { id: user.id }, data: { name: 'b' } })
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      log.reset()
      let atAnswer: string[] = []
      await read().then(() => {
        atAnswer = log.names()
      })
      expect(statements.count).toBeGreaterThan(0)
      expect(log.before(0), step).toEqual(['evalsha'])
      expect(atAnswer, step).toEqual(['evalsha'])
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(log.names(), step).toEqual(['evalsha', 'set', 'evalsha'])
    }
    await settled(prisma)
  })

  it('a memory hit sends nothing; a write sends its bump and its bus message', async () => {
    const { prisma, base, log } = await recorded()
    const user = await base.user.create({ data: { email: 'mem@x.io', name: 'a' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await read()
    await new Promise((resolve) => setTimeout(resolve, 20)) // the store lands
    log.reset()
    expect((await read()).info).toMatchObject({ status: 'hit', tier: 'memory' })
    expect(log.names()).toEqual([])
    await prisma.user.update({ where: { id: user.id }, data: { name: 'b' } })
    await settled(prisma)
    expect(log.names()).toEqual(['evalsha', 'publish'])
  })
})

describe('memory-only region with Redis configured', () => {
  it('a miss asks Redis nothing before the database once this instance knows the versions (bus up)', async () => {
    const { prisma, base, log, redis, statements } = await recorded({ regions: MEMORY_ONLY })
    const user = await base.user.create({ data: { email: 'local@x.io', name: 'a' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    // First read of these dependencies: their versions come from Redis.
    log.reset()
    expect((await read()).info.status).toBe('miss')
    expect(log.before(0)).toEqual(['evalsha'])
    // Its own write moved them, and it learnt the new versions: the next miss needs no round trip.
    await prisma.user.update({ where: { id: user.id }, data: { name: 'b' } })
    log.reset()
    // Beside the query, Redis keeps the version keys alive as long as the entry: the query does not wait for it.
    const scripts = holdScripts(redis)
    const statementsBefore = statements.count
    const pending = read()
    while (statements.count === statementsBefore) await new Promise((resolve) => setTimeout(resolve, 1))
    expect(scripts.held()).toBe(1)
    scripts.release()
    const { data, info } = await pending
    expect(info.status).toBe('miss')
    expect(data?.name).toBe('b')
    expect(log.names()).toEqual(['evalsha'])
    expect((await read()).info.status).toBe('hit')
    await settled(prisma)
  })

  it("another instance's write reaches it through the bus: the next miss loads the new row, still without a trip (G6)", async () => {
    const namespace = fixture.namespace()
    const reader = await recorded({ regions: MEMORY_ONLY }, namespace)
    const writer = observedClient(fixture.db, { redis: fixture.connection(), namespace })
    const user = await reader.base.user.create({ data: { email: 'bus@x.io', name: 'a' } })
    const read = () =>
      reader.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await read()
    for (const name of ['b', 'c', 'd']) {
      const delivered = new Promise<void>((resolve) => {
        const unsubscribe = reader.prisma.$cache.subscribe((event) => {
          if (event.type === 'invalidate' && event.cause === 'bus') {
            unsubscribe()
            resolve()
          }
        })
      })
      await writer.prisma.user.update({ where: { id: user.id }, data: { name } })
      await delivered
      reader.log.reset()
      const { data, info } = await read()
      expect(data?.name).toBe(name)
      expect(info.status).toBe('miss')
      // The keep-alive of the version keys beside the query (see above), nothing more.
      expect(reader.log.names()).toEqual(['evalsha'])
      expect((await read()).data?.name).toBe(name)
    }
    await settled(writer.prisma)
    await settled(reader.prisma)
  })

  it('after the subscription is lost and back, versions are read from Redis again before they are trusted', async () => {
    const namespace = fixture.namespace()
    const { prisma, base, log } = await recorded({ regions: MEMORY_ONLY }, namespace)
    const user = await base.user.create({ data: { email: 'epoch@x.io', name: 'a' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await read()
    await prisma.user.update({ where: { id: user.id }, data: { name: 'b' } })
    // Drop the bus's subscriber connection: ioredis reconnects and subscribes again (a new epoch).
    const up = new Promise<void>((resolve) => {
      const unsubscribe = prisma.$cache.subscribe((event) => {
        if (event.type === 'bus' && event.state === 'up') {
          unsubscribe()
          resolve()
        }
      })
    })
    const raw = fixture.connection()
    const clients = String(await raw.client('LIST'))
    const subscriber = clients
      .split('\n')
      .find((line) => line.includes(` name=${namespace} `) && / sub=1 /.test(line))
    expect(subscriber).toBeDefined()
    await raw.client('KILL', 'ID', (/id=(\d+)/.exec(subscriber as string) as RegExpExecArray)[1] as string)
    await up
    log.reset()
    expect((await read()).data?.name).toBe('b')
    expect(log.before(0)).toEqual(['evalsha'])
    await settled(prisma)
  })
})

describe('an ioredis client with keyPrefix', () => {
  it('a Redis hit is one command and writes nothing, as without a prefix', async () => {
    const namespace = fixture.namespace()
    const redis = fixture.redis.connect({ keyPrefix: 'app:' })
    const { prisma, base, statements } = cachedClient(fixture.db, { redis, namespace, memory: false })
    const user = await base.user.create({ data: { email: 'prefix@x.io', name: 'a' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await read()
    await new Promise((resolve) => setTimeout(resolve, 50)) // the store lands
    const log = recordCommands(redis, statements)
    const second = await read()
    expect(second.info).toMatchObject({ status: 'hit', tier: 'redis' })
    await prisma.$cache.close()
    // One command, as without a prefix: the script finds the version keys it names itself under the prefix.
    expect(log.names()).toHaveLength(1)
  })
})

// The script checks the pins the result gave from the entry's header; this instance learns them as read.
describe('a Redis hit on an entry with pins from its result', () => {
  it("is kept in the reader's memory tier: the next read is a memory hit", async () => {
    const namespace = fixture.namespace()
    const writer = cachedClient(fixture.db, { redis: fixture.connection(), namespace })
    const reader = cachedClient(fixture.db, { redis: fixture.connection(), namespace })
    const ada = await writer.base.user.create({ data: { email: 'pins-a@x.io', name: 'a' } })
    await writer.base.post.create({ data: { title: 'p', authorId: ada.id } })
    const query = { where: { active: true }, include: { posts: true }, cacheStrategy: { ttl: 60 } } as const
    // Another instance loads and stores the entry (its pins come from the result: the returned users' posts).
    expect((await writer.prisma.user.findMany(query).withCacheInfo()).info.status).toBe('miss')
    await new Promise((resolve) => setTimeout(resolve, 100)) // the store lands
    const first = await reader.prisma.user.findMany(query).withCacheInfo()
    expect(first.info).toMatchObject({ status: 'hit', tier: 'redis' })
    const second = await reader.prisma.user.findMany(query).withCacheInfo()
    expect(second.info).toMatchObject({ status: 'hit', tier: 'memory' })
    await writer.prisma.$cache.close()
    await reader.prisma.$cache.close()
  })
})
