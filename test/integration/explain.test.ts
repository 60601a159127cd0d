import { describe, expect, it } from 'vitest'
import {
  type CacheExplanation,
  type QueryCacheOptions,
  StrategyError,
  type TierEntryState,
} from '../../src/index.ts'
import { cachedClient, countDuring, ManualClock, useFixture } from './helpers.ts'

// $cache.explain(read): key, region, tiers, dependencies and the state of the entry on each tier, without running
// the read; on the memory tier, on Redis, and on both.

const fixture = useFixture()

describe.each([
  { name: 'memory only', redis: false, memory: true, tiers: ['memory'] },
  { name: 'redis only', redis: true, memory: false, tiers: ['redis'] },
  { name: 'memory + redis', redis: true, memory: true, tiers: ['memory', 'redis'] },
] as const)('$cache.explain ($name)', ({ redis, memory, tiers }) => {
  const options = (clock: ManualClock): QueryCacheOptions => ({
    clock: clock.read,
    ...(redis ? { redis: fixture.connection(), namespace: fixture.namespace() } : {}),
    ...(memory ? {} : { memory: false as const }),
  })
  it('absent, fresh, stale, expired, invalid: without running the read', async () => {
    const clock = new ManualClock()
    const { prisma, statements } = cachedClient(fixture.db, options(clock))
    const user = await prisma.user.create({ data: { email: 'explain@x.io' } })
    const read = () =>
      prisma.user.findUnique({
        where: { id: user.id },
        include: { posts: true },
        cacheStrategy: { ttl: 10, swr: 20, tags: ['people'] },
      })

    let explained = await prisma.$cache.explain(read())
    expect(explained).toMatchObject({
      model: 'User',
      operation: 'findUnique',
      cached: true,
      region: 'default',
      tiers,
      ttl: 10,
      swr: 20,
    })
    expect(states(explained.entries)).toEqual(tiers.map((tier) => [tier, 'absent']))
    expect(explained.dependencies.models).toEqual(expect.arrayContaining(['User', 'Post']))
    // The user's row, and the posts loaded through the relation, pinned by their author.
    expect([...explained.dependencies.rows].sort()).toEqual([
      `=Post.authorId=${user.id}`,
      `=User.id=${user.id}`,
    ])
    expect(explained.dependencies.tags).toEqual(['people'])
    expect(explained.dependencies.ids).toEqual(expect.arrayContaining(['#people', '@default', '*']))

    const { info } = await read().withCacheInfo()
    expect(explained.key).toBe(info.key)
    await landed(() => prisma.$cache.explain(read()))
    const stored = clock.now
    clock.advance(5_000)
    const quiet = await countDuring(statements, async () => {
      explained = await prisma.$cache.explain(read())
    })
    expect(quiet).toBe(0)
    expect(states(explained.entries)).toEqual(tiers.map((tier) => [tier, 'fresh']))
    for (const entry of explained.entries) {
      expect(entry).toMatchObject({
        storedAt: stored,
        expiresAt: stored + 10_000,
        staleUntil: stored + 30_000,
      })
    }
    clock.advance(10_000)
    expect(states((await prisma.$cache.explain(read())).entries)).toEqual(tiers.map((t) => [t, 'stale']))
    clock.advance(20_000)
    expect(states((await prisma.$cache.explain(read())).entries)).toEqual(tiers.map((t) => [t, 'expired']))

    clock.advance(-30_000)
    await prisma.user.update({ where: { id: user.id }, data: { name: 'changed' } })
    explained = await prisma.$cache.explain(read())
    expect(states(explained.entries)).toEqual(tiers.map((tier) => [tier, 'invalid']))
    for (const entry of explained.entries) {
      expect(entry.reason).toMatchObject({
        kind: 'invalidated',
        cause: 'write',
        model: 'User',
        operation: 'update',
      })
    }
    // Explaining never ran the read nor stored anything: the next read still misses.
    expect((await read().withCacheInfo()).info.status).toBe('miss')
    await prisma.$cache.close()
  })

  it('a read that bypasses the cache, and anything that is not a read', async () => {
    const { prisma } = cachedClient(fixture.db, options(new ManualClock()))
    const explained = await prisma.$cache.explain(prisma.post.findMany({ cacheStrategy: false }))
    expect(explained).toMatchObject({ cached: false, bypass: 'strategy', key: '', entries: [] })
    expect((await prisma.$cache.explain(prisma.post.count())).bypass).toBe('uncached-model')
    await expect(prisma.$cache.explain(Promise.resolve(1) as never)).rejects.toThrow(StrategyError)
    await expect(prisma.$cache.explain(prisma.user.findMany({ cacheStrategy: { ttl: -1 } }))).rejects.toThrow(
      StrategyError,
    )
    await prisma.$cache.close()
  })
})

describe('$cache.explain, memory + redis', () => {
  it('a memory-only region lists the memory tier alone; the entry a Redis read kept in memory is fresh there', async () => {
    const clock = new ManualClock()
    const namespace = fixture.namespace()
    const base = { clock: clock.read, redis: fixture.connection(), namespace }
    const { prisma } = cachedClient(fixture.db, { ...base, regions: { hot: { ttl: 5, tiers: ['memory'] } } })
    const hot = await prisma.$cache.explain(prisma.user.count({ cacheStrategy: { region: 'hot' } }))
    expect(hot).toMatchObject({ region: 'hot', tiers: ['memory'], ttl: 5 })
    const other = cachedClient(fixture.db, base)
    const read = (client: typeof prisma) => client.user.count({ cacheStrategy: { ttl: 60 } })
    await read(prisma)
    await landed(() => prisma.$cache.explain(read(prisma)))
    const before = await other.prisma.$cache.explain(read(other.prisma))
    expect(states(before.entries)).toEqual([
      ['memory', 'absent'],
      ['redis', 'fresh'],
    ])
    await read(other.prisma)
    const after = await other.prisma.$cache.explain(read(other.prisma))
    expect(states(after.entries)).toEqual([
      ['memory', 'fresh'],
      ['redis', 'fresh'],
    ])
    await prisma.$cache.close()
    await other.prisma.$cache.close()
  })
})

/** Waits until the Redis write of a load (behind its caller) has landed: no tier says `absent` any more. */
async function landed(explain: () => Promise<CacheExplanation>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await explain()).entries.every((entry) => entry.state !== 'absent')) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error('the entry never landed on every tier')
}

function states(entries: readonly TierEntryState[]) {
  return entries.map((e) => [e.tier, e.state])
}
