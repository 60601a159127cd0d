import { describe, expect, it } from 'vitest'
import { recordCommands } from '../support/redis-commands.ts'
import { cachedClient, useFixture } from './helpers.ts'

// A memory-only region's load does not wait for Redis when this instance knows the versions under the live bus
// subscription, yet the version keys must outlive its entry: versions learnt from bumps live `newVersionTtlMs`
// (60 s), and a key that expired starts again at a fresh, time-based value; from an instance whose clock is behind
// that value could be below the one this instance holds (versions only move forward), and the entry would be
// served after the write for the rest of its ttl (G6). Redis extends the keys beside the load.

const fixture = useFixture()
const REGIONS = { hot: { ttl: 3600, tiers: ['memory'] as const } }

async function versionTtls(namespace: string): Promise<Map<string, number>> {
  const raw = fixture.connection()
  const ttls = new Map<string, number>()
  let cursor = '0'
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `{${namespace}}:v:*`, 'COUNT', 1000)
    cursor = next
    for (const key of keys) ttls.set(key, await raw.pttl(key))
  } while (cursor !== '0')
  return ttls
}

/** An instance that learnt every version a `hot` read of User depends on from its own bumps, not from a read. */
async function readerWithBumpedVersions(namespace: string, clock?: () => number) {
  const redis = fixture.redis.connect()
  const setup = cachedClient(fixture.db, {
    redis,
    namespace,
    regions: REGIONS,
    ...(clock === undefined ? {} : { clock }),
  })
  const { prisma, events } = setup
  // Bumps made while the bus is up are learnt "confirmed".
  while (!events.some((event) => event.type === 'bus' && event.state === 'up')) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  await prisma.$cache.invalidateAll()
  await prisma.$cache.invalidate({ regions: ['hot'] })
  await prisma.$cache.invalidate({ regions: ['hot'], mode: 'soft' })
  await prisma.$cache.invalidate({ models: ['User'] })
  return { ...setup, redis }
}

describe('memory-only region, versions known without a round trip', () => {
  it('the version keys of a stored memory-only entry live at least as long as the entry (ttl 3600 s)', async () => {
    const namespace = fixture.namespace()
    const { prisma, base, redis, statements } = await readerWithBumpedVersions(namespace)
    await base.user.create({ data: { email: 'ttl@x.io', name: 'a' } })
    const log = recordCommands(redis, statements)
    const first = await prisma.user.findMany({ cacheStrategy: { region: 'hot' } }).withCacheInfo()
    expect(first.info.status).toBe('miss')
    const sent = log.names()
    const ttls = await versionTtls(namespace)
    expect(ttls.size).toBeGreaterThan(0)
    // The entry's dependencies: User, the region, the namespace, the region's soft counter.
    const dependencies = ['User', '@hot', '*', '~hot'].map((d) => `{${namespace}}:v:${d}`)
    const short = [...ttls].filter(([key, ttl]) => dependencies.includes(key) && ttl >= 0 && ttl < 3_600_000)
    expect(short, `version keys that expire before the entry (commands sent by the load: ${sent})`).toEqual(
      [],
    )
    await prisma.$cache.close()
  })

  it('a write from an instance whose clock is 5 minutes behind, after a version key expired, reaches the memory-only entry (G6)', async () => {
    const namespace = fixture.namespace()
    const reader = await readerWithBumpedVersions(namespace)
    const user = await reader.base.user.create({ data: { email: 'skew@x.io', name: 'a' } })
    const read = () => reader.prisma.user.findMany({ cacheStrategy: { region: 'hot' } })
    expect((await read())[0]?.name).toBe('a')
    expect((await read())[0]?.name).toBe('a')
    // Every version key that would expire before the entry does (within its hour), as Redis would expire it.
    const raw = fixture.connection()
    for (const [key, ttl] of await versionTtls(namespace)) if (ttl >= 0 && ttl < 3_600_000) await raw.del(key)
    const skewed = cachedClient(fixture.db, {
      redis: fixture.connection(),
      namespace,
      regions: REGIONS,
      clock: () => Date.now() - 5 * 60_000,
    })
    const heard = new Promise<void>((resolve) => {
      const off = reader.prisma.$cache.subscribe((event) => {
        if (event.type === 'invalidate' && event.cause === 'bus') {
          off()
          resolve()
        }
      })
    })
    await skewed.prisma.user.update({ where: { id: user.id }, data: { name: 'b' } })
    await heard
    expect((await read())[0]?.name).toBe('b')
    await skewed.prisma.$cache.close()
    await reader.prisma.$cache.close()
  })
})

describe('memoized results', () => {
  it('the version keys of what the reads inside depended on live at least as long as the memoized result', async () => {
    const namespace = fixture.namespace()
    const { prisma, base } = cachedClient(fixture.db, { redis: fixture.connection(), namespace })
    const user = await base.user.create({ data: { email: 'memo-ttl@x.io', name: 'a' } })
    // The read inside lives 1 s: its versions were kept alive for that long only.
    const page = prisma.$cache.memoize(
      'page',
      async (id: number) => prisma.user.findUnique({ where: { id }, cacheStrategy: { ttl: 1 } }),
      { ttl: 3600 },
    )
    expect((await page.withCacheInfo(user.id)).info.status).toBe('miss')
    expect((await page.withCacheInfo(user.id)).info.status).toBe('hit')
    const ttls = await versionTtls(namespace)
    expect(ttls.size).toBeGreaterThan(3)
    const short = [...ttls].filter(([, ttl]) => ttl >= 0 && ttl < 3_600_000)
    expect(short).toEqual([])
    await prisma.$cache.close()
  })
})
