import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { queryCache } from '../../src/index.ts'
import { useFixture } from './helpers.ts'

const fixture = useFixture()

/**
 * Clients that share a namespace in one process are one instance: one memory tier, one set of versions, one bus.
 * These clients are made without the test helpers, which keep every client an instance of its own.
 */
describe.each([
  { name: 'memory only', redis: () => undefined },
  { name: 'memory + redis', redis: () => fixture.connection() },
])('clients in one process ($name)', ({ redis }) => {
  function clients(namespace: string, extra: Parameters<typeof queryCache>[0] = {}) {
    const made = [0, 1].map(() => {
      const { client } = fixture.db.createClient({ errorFormat: 'minimal' })
      const connection = redis()
      return client.$extends(
        queryCache({ namespace, ...(connection === undefined ? {} : { redis: connection }), ...extra }),
      )
    })
    return made as [(typeof made)[0], (typeof made)[0]]
  }

  it('a write through one invalidates for the other before it returns: 0 stale reads in 300 rounds', async () => {
    const [a, b] = clients(fixture.namespace())
    const user = await b.user.create({ data: { email: 'shared@x.io', name: 'n-1' } })
    let stale = 0
    let hits = 0
    for (let round = 0; round < 300; round++) {
      const read = await a.user
        .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } })
        .withCacheInfo()
      if (read.info.status === 'hit') hits++
      if (read.data?.name !== `n${round - 1}`) stale++
      await b.user.update({ where: { id: user.id }, data: { name: `n${round}` } })
    }
    expect(stale).toBe(0)
    // The other client's loads are shared: a read through b right after one through a is a hit.
    await a.user.findMany({ cacheStrategy: { ttl: 3600 } })
    expect((await b.user.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo()).info).toMatchObject({
      status: 'hit',
      tier: 'memory',
    })
    expect(hits).toBe(0)
    await a.$cache.close()
    await b.$cache.close()
  })

  it('with different regions and scopes, entries stay apart and invalidation reaches every one', async () => {
    const namespace = fixture.namespace()
    const [a] = clients(namespace, { regions: { hot: { ttl: 5, tiers: ['memory'] } } })
    const [b] = clients(namespace, { scope: () => 'tenant-1' })
    const user = await a.user.create({ data: { email: 'scoped@x.io', name: 'before' } })
    const readA = () =>
      a.user.findUnique({ where: { id: user.id }, cacheStrategy: { region: 'hot' } }).withCacheInfo()
    const readB = () =>
      b.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await readA()
    await readB()
    expect((await readA()).info).toMatchObject({ status: 'hit', region: 'hot' })
    expect((await readB()).info).toMatchObject({ status: 'hit', region: 'default' })
    expect((await readA()).info.key).not.toBe((await readB()).info.key)
    await a.user.update({ where: { id: user.id }, data: { name: 'after' } })
    expect((await readB()).data?.name).toBe('after')
    await b.user.update({ where: { id: user.id }, data: { name: 'again' } })
    expect((await readA()).data?.name).toBe('again')
    await a.$cache.close()
    await b.$cache.close()
  })

  it('closing one client leaves the other working; the namespace starts a new instance after the last', async () => {
    const namespace = fixture.namespace()
    const [a, b] = clients(namespace)
    const user = await a.user.create({ data: { email: 'close@x.io', name: 'x' } })
    await a.$cache.close()
    await b.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } })
    await b.user.update({ where: { id: user.id }, data: { name: 'y' } })
    expect((await b.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }))?.name).toBe('y')
    await b.$cache.close()
    const [c] = clients(namespace)
    // A new instance: what the closed ones kept in memory is gone (Redis, when there is one, keeps its entries).
    const read = await c.user
      .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60 } })
      .withCacheInfo()
    expect(read.info.tier).not.toBe('memory')
    expect(read.data?.name).toBe('y')
    await c.$cache.close()
  })
})

describe('a process that reads through a Redis-backed cache and disconnects', () => {
  it.each(['owned-url', 'own-client', 'quit-first'])('exits by itself within a second (%s)', async (mode) => {
    const script = fileURLToPath(new URL('./processes/exits.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        script,
        fixture.db.url,
        fixture.db.schema,
        fixture.redis.url,
        fixture.namespace(),
        mode,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let output = ''
    let doneAt: number | undefined
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (doneAt === undefined && output.includes('done')) doneAt = performance.now()
    })
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      child.once('exit', (exitCode) => {
        clearTimeout(killer)
        resolve(exitCode)
      })
    })
    expect(output).toContain('done')
    expect(code).toBe(0)
    expect(performance.now() - (doneAt ?? Number.NaN)).toBeLessThan(1_000)
  })
})
