import { describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../src/index.ts'
import { observedClient, useFixture } from './helpers.ts'

// Ways a memoized call's result could outlive what its reads read: a read in a batch transaction, a read that
// failed and was caught, a read served stale. Each must leave the call a dependency or not stored.

const fixture = useFixture()

const SETUPS: { name: string; options: () => QueryCacheOptions }[] = [
  { name: 'memory', options: () => ({}) },
  {
    name: 'memory + redis',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
  },
]

describe.each(SETUPS)('memoized calls: reads that leave no trace ($name)', ({ options }) => {
  it('a read made through a batch $transaction inside the call is a dependency (or the call is not stored)', async () => {
    const { prisma, base } = observedClient(fixture.db, options())
    await base.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    let runs = 0
    const names = prisma.$cache.memoize('batch-names', async () => {
      runs++
      const [users] = await prisma.$transaction([prisma.user.findMany({ orderBy: { id: 'asc' } })])
      return users.map((u) => u.name)
    })
    expect(await names()).toEqual(['Ann'])
    // A write through the cached client, which has returned.
    await prisma.user.create({ data: { email: 'bob@x.io', name: 'Bob' } })
    const now = await names.withCacheInfo()
    // Running the function now gives ['Ann', 'Bob'].
    expect(now.data, `status ${now.info.status}, runs ${runs}`).toEqual(['Ann', 'Bob'])
    await prisma.$cache.close()
  })

  it('a findUniqueOrThrow that fails (caught inside the call) is a dependency (or the call is not stored)', async () => {
    const { prisma } = observedClient(fixture.db, options())
    let runs = 0
    const nameOf = prisma.$cache.memoize('name-of', async (email: string) => {
      runs++
      try {
        const user = await prisma.user.findUniqueOrThrow({ where: { email } })
        return user.name
      } catch {
        return 'nobody'
      }
    })
    expect(await nameOf('ann@x.io')).toBe('nobody')
    await prisma.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    const now = await nameOf.withCacheInfo('ann@x.io')
    expect(now.data, `status ${now.info.status}, runs ${runs}`).toBe('Ann')
    await prisma.$cache.close()
  })

  it('a findFirstOrThrow that fails (caught inside the call), cacheStrategy given, is a dependency', async () => {
    const { prisma } = observedClient(fixture.db, options())
    const active = prisma.$cache.memoize('first-active', async () => {
      try {
        const user = await prisma.user.findFirstOrThrow({
          where: { active: true },
          cacheStrategy: { ttl: 60 },
        })
        return user.email
      } catch {
        return null
      }
    })
    expect(await active()).toBeNull()
    await prisma.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    const now = await active.withCacheInfo()
    expect(now.data, `status ${now.info.status}`).toBe('ann@x.io')
    await prisma.$cache.close()
  })

  it('a call made while a read inside it is soft-stale does not keep the old value as fresh', async () => {
    const { prisma, base } = observedClient(fixture.db, {
      ...options(),
      regions: { reference: { ttl: 3600 } },
    })
    const ann = await base.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    const read = () =>
      prisma.user.findUnique({ where: { id: ann.id }, cacheStrategy: { region: 'reference' } })
    expect((await read())?.name).toBe('Ann')
    await base.user.update({ where: { id: ann.id }, data: { name: 'Anna' } })
    await prisma.$cache.invalidate({ regions: ['reference'], mode: 'soft' })
    const page = prisma.$cache.memoize('soft-page-2', async () => (await read())?.name, { ttl: 3600 })
    const firstCall = await page.withCacheInfo()
    await new Promise((r) => setTimeout(r, 300))
    expect((await read())?.name).toBe('Anna')
    const now = await page.withCacheInfo()
    expect(now.data, `first ${firstCall.info.status} ${firstCall.data}; now ${now.info.status}`).toBe('Anna')
    await prisma.$cache.close()
  })
})
