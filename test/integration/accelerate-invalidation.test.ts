import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { StrategyError } from '../../src/accelerate/index.ts'
import type { CacheEvent } from '../../src/index.ts'
import { acceleratedClient } from './accelerate/client.ts'
import { useFixture } from './helpers.ts'

// $accelerate.invalidate({ tags }) and invalidateAll(): global, like $cache's, on every tier and every instance.

const fixture = useFixture()

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const fromBus = (e: CacheEvent) => e.type === 'invalidate' && e.cause === 'bus'

/**
 * Two instances `a` and `b` on one Redis namespace (`memory: false`: they read Redis only), and `fill`: loads
 * reads on a third instance and closes it, so that their entries are in Redis.
 */
function twoInstances(memory: boolean) {
  const namespace = fixture.namespace()
  const options = (redis: Redis) => ({ redis, namespace, ...(memory ? {} : { memory: false as const }) })
  const instance = () => acceleratedClient(fixture.db, options(fixture.connection()))
  const fill = async (reads: (prisma: ReturnType<typeof instance>['prisma']) => Promise<unknown>[]) => {
    const writer = instance()
    await Promise.all(reads(writer.prisma))
    await writer.prisma.$cache.close()
  }
  return { a: instance(), b: instance(), fill }
}

describe.each([
  { tier: 'memory', memory: true },
  { tier: 'redis', memory: false },
])('$accelerate on two instances, served from $tier', ({ tier, memory }) => {
  it('invalidate({ tags }): the tagged reads miss on the other instance, the others still hit', async () => {
    const { a, b, fill } = twoInstances(memory)
    const taggedRead = { cacheStrategy: { ttl: 3600, tags: ['active_users'] } }
    const untaggedRead = { cacheStrategy: { ttl: 3600 } }
    await fill((prisma) => [prisma.user.findMany(taggedRead), prisma.user.count(untaggedRead)])
    const tagged = () => b.prisma.user.findMany(taggedRead).withCacheInfo()
    const untagged = () => b.prisma.user.count(untaggedRead).withCacheInfo()
    for (const read of [tagged, untagged]) {
      expect((await read()).info).toMatchObject({ status: 'hit', tier: 'redis' })
      expect((await read()).info).toMatchObject({ status: 'hit', tier })
    }
    const delivered = b.next(fromBus)
    const answer = await a.prisma.$accelerate.invalidate({ tags: ['active_users'] })
    expect(answer.requestId).toMatch(UUID)
    if (memory) await delivered
    expect((await b.prisma.user.findMany(taggedRead).withAccelerateInfo()).info.cacheStatus).toBe('miss')
    expect((await untagged()).info).toMatchObject({ status: 'hit', tier })
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })

  it('invalidateAll(): every read of the namespace misses on the other instance', async () => {
    const { a, b, fill } = twoInstances(memory)
    const usersRead = { cacheStrategy: { ttl: 3600, tags: ['t'] } }
    const postsRead = { cacheStrategy: { ttl: 60, swr: 60 } }
    await fill((prisma) => [prisma.user.findMany(usersRead), prisma.post.count(postsRead)])
    const reads = [
      () => b.prisma.user.findMany(usersRead).withAccelerateInfo(),
      () => b.prisma.post.count(postsRead).withAccelerateInfo(),
    ]
    for (const read of reads) expect((await read()).info.cacheStatus).toBe('ttl')
    const delivered = b.next(fromBus)
    const answer = await a.prisma.$accelerate.invalidateAll()
    expect(answer.requestId).toMatch(UUID)
    if (memory) await delivered
    for (const read of reads) expect((await read()).info.cacheStatus).toBe('miss')
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })
})

describe('$accelerate.invalidate: bad input', () => {
  it('rejects with a StrategyError and invalidates nothing', async () => {
    const { prisma } = acceleratedClient(fixture.db)
    const read = () => prisma.user.findMany({ cacheStrategy: { ttl: 60, tags: ['t'] } }).withAccelerateInfo()
    await read()
    const bad: [unknown, RegExp][] = [
      [undefined, /input must be \{ tags: string\[\] \}/],
      [{}, /tags must be an array/],
      [{ tags: 't' }, /tags must be an array/],
      [{ tags: [] }, /at least one tag/],
      [{ tags: ['t', 'not ok'] }, /tag "not ok"/],
      [{ tags: ['x'.repeat(65)] }, /1–64 characters/],
      [{ tags: ['t'], models: ['User'] }, /models is not an option; known: tags/],
    ]
    for (const [input, message] of bad) {
      const attempt = prisma.$accelerate.invalidate(input as never)
      await expect(attempt).rejects.toBeInstanceOf(StrategyError)
      await expect(prisma.$accelerate.invalidate(input as never)).rejects.toThrow(message)
    }
    expect(prisma.$cache.stats().invalidations).toBe(0)
    expect((await read()).info.cacheStatus).toBe('ttl')
    await prisma.$cache.close()
  })

  it('accepts every tag Accelerate accepted, and more than its 5 per call', async () => {
    const { prisma } = acceleratedClient(fixture.db)
    const tags = ['a', 'Z_9', 'x'.repeat(64), ...Array.from({ length: 10 }, (_, i) => `tag_${i}`)]
    const read = () => prisma.user.findMany({ cacheStrategy: { ttl: 60, tags } }).withAccelerateInfo()
    await read()
    expect((await read()).info.cacheStatus).toBe('ttl')
    await prisma.$accelerate.invalidate({ tags: ['tag_9'] })
    expect((await read()).info.cacheStatus).toBe('miss')
    await prisma.$cache.close()
  })
})
