import { describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../src/index.ts'
import { Chaos } from './chaos.ts'
import { observedClient, useFixture } from './helpers.ts'

// A write whose bump failed holds its dependencies on the writing instance until the retry lands: no entry that
// records one of them is served, a memoized result (which records its reads' dependencies) included.

const fixture = useFixture()

const isBump = (command: string, args: readonly unknown[]) =>
  command === 'evalsha' && String(args[2 + Number(args[1])]) === '60000'

async function eventually(check: () => Promise<boolean> | boolean, ms = 2_000): Promise<void> {
  const deadline = performance.now() + ms
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe.each([
  { name: 'redis only', memory: false as const },
  { name: 'memory + redis', memory: undefined },
])('memoized calls, a failed bump ($name)', ({ memory }) => {
  it('the writing instance never serves a memoized result older than its write while the bump is pending', async () => {
    const chaos = new Chaos(1)
    const options: QueryCacheOptions = {
      redis: chaos.wrap(fixture.connection()),
      namespace: fixture.namespace(),
    }
    if (memory === false) options.memory = false
    const a = observedClient(fixture.db, options)
    const user = await a.prisma.user.create({ data: { email: 'held@x.io', name: 'old' } })
    const page = a.prisma.$cache.memoize('held-page', async (id: number) => {
      const found = await a.prisma.user.findUnique({ where: { id }, cacheStrategy: { ttl: 3600 } })
      return found?.name
    })
    const first = await page.withCacheInfo(user.id)
    expect(first.data).toBe('old')
    const raw = fixture.connection()
    await eventually(async () => (await raw.exists(first.info.key)) === 1)
    const failed = chaos.next('fail', isBump) // the write's bump fails once (retried later)
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    await failed
    expect(a.prisma.$cache.stats().pendingInvalidations).toBeGreaterThan(0)
    // The plain read on the writing instance reads its own write.
    const plain = await a.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } })
    expect(plain?.name).toBe('new')
    const now = await page.withCacheInfo(user.id)
    expect(now.data, JSON.stringify(now.info)).toBe('new')
    await a.prisma.$cache.close()
  })
})
