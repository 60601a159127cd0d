import { describe, expect, it } from 'vitest'
import { Prisma } from '../../generated/prisma/client.ts'
import { type CacheEvent, type QueryCacheOptions, StrategyError } from '../../src/index.ts'
import { latch, ManualClock, observedClient, useFixture } from './helpers.ts'

// $cache.memoize and $cache.getOrSet (issue 13): a function's result is cached under its name and arguments and
// invalidated by writes to whatever its Prisma reads read, on every tier and instance.

const fixture = useFixture()

const fromBus = (e: CacheEvent) => e.type === 'invalidate' && e.cause === 'bus'

type Setup = { name: string; options: () => QueryCacheOptions; twoInstances: boolean }

const SETUPS: Setup[] = [
  { name: 'memory', options: () => ({}), twoInstances: false },
  {
    name: 'memory + redis',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
    twoInstances: false,
  },
  {
    name: 'redis only',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace(), memory: false }),
    twoInstances: false,
  },
  {
    name: 'two instances, memory + redis',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
    twoInstances: true,
  },
]

describe.each(SETUPS)('memoize ($name)', ({ options, twoInstances }) => {
  /** `a` calls, `b` writes (another instance when `twoInstances`); `written` waits until `a` heard of b's writes. */
  function instances() {
    const shared = options()
    const a = observedClient(fixture.db, shared)
    const b = twoInstances
      ? observedClient(fixture.db, {
          ...shared,
          redis: shared.redis === undefined ? undefined : fixture.connection(),
        })
      : a
    const write = async <T>(fn: () => Promise<T>): Promise<T> => {
      const delivered = twoInstances ? a.next(fromBus) : Promise.resolve()
      const result = await fn()
      await delivered
      return result
    }
    const close = async () => {
      await a.prisma.$cache.close()
      if (b !== a) await b.prisma.$cache.close()
    }
    return { a, b, write, close }
  }

  it('runs once per argument list; its reads, cached or not, make the dependencies; a write elsewhere keeps it', async () => {
    const { a, b, write, close } = instances()
    const ann = await b.base.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    const bob = await b.base.user.create({ data: { email: 'bob@x.io', name: 'Bob' } })
    const category = await b.base.category.create({ data: { name: 'c' } })
    await b.base.post.create({ data: { title: 'p1', authorId: ann.id, categoryId: category.id } })
    let runs = 0
    const page = a.prisma.$cache.memoize('user-page', async (id: number) => {
      runs++
      const user = await a.prisma.user.findUnique({ where: { id }, cacheStrategy: { ttl: 60 } })
      const posts = await a.prisma.post.findMany({ where: { authorId: id }, orderBy: { id: 'asc' } })
      return { name: user?.name, titles: posts.map((p) => p.title) }
    })
    expect(await page(ann.id)).toEqual({ name: 'Ann', titles: ['p1'] })
    const hit = await page.withCacheInfo(ann.id)
    expect(hit.data).toEqual({ name: 'Ann', titles: ['p1'] })
    expect(hit.info.status).toBe('hit')
    expect(runs).toBe(1)
    expect(await page(bob.id)).toEqual({ name: 'Bob', titles: [] })
    expect(runs).toBe(2)

    // A write to another user's row leaves Ann's page valid (both reads are pinned to her rows).
    await write(() => b.prisma.user.update({ where: { id: bob.id }, data: { name: 'Bobby' } }))
    expect((await page.withCacheInfo(ann.id)).info.status).toBe('hit')
    // A write to what the cached read read invalidates it.
    await write(() => b.prisma.user.update({ where: { id: ann.id }, data: { name: 'Anna' } }))
    expect(await page(ann.id)).toEqual({ name: 'Anna', titles: ['p1'] })
    expect(runs).toBe(3)
    // A write to what the uncached read read invalidates it too.
    await write(() =>
      b.prisma.post.create({ data: { title: 'bob', authorId: bob.id, categoryId: category.id } }),
    )
    expect((await page.withCacheInfo(ann.id)).info.status).toBe('hit')
    await write(() =>
      b.prisma.post.create({ data: { title: 'p2', authorId: ann.id, categoryId: category.id } }),
    )
    expect(await page(ann.id)).toEqual({ name: 'Anna', titles: ['p1', 'p2'] })
    expect(runs).toBe(4)
    expect((await page.withCacheInfo(bob.id)).data).toEqual({ name: 'Bobby', titles: ['bob'] })
    await close()
  })

  it('raw reads and nested memoized calls (hits included) add their dependencies', async () => {
    const { a, b, write, close } = instances()
    const ann = await b.base.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    await b.base.team.create({ data: { name: 'red' } })
    const inner = a.prisma.$cache.memoize('inner', async (id: number) => {
      const user = await a.prisma.user.findUniqueOrThrow({ where: { id } })
      return user.name
    })
    const teams = a.prisma.$cache.memoize('teams', async () => {
      const rows = await a.prisma.$queryRaw<{ name: string }[]>`SELECT name FROM "Team" ORDER BY name`
      return rows.map((row) => row.name)
    })
    let outerRuns = 0
    const outer = a.prisma.$cache.memoize('outer', async (id: number) => {
      outerRuns++
      return { name: await inner(id), teams: await teams() }
    })
    await inner(ann.id) // the outer call's inner call will be a hit
    expect(await outer(ann.id)).toEqual({ name: 'Ann', teams: ['red'] })
    expect((await outer.withCacheInfo(ann.id)).info.status).toBe('hit')
    await write(() => b.prisma.user.update({ where: { id: ann.id }, data: { name: 'Anna' } }))
    expect(await outer(ann.id)).toEqual({ name: 'Anna', teams: ['red'] })
    expect(outerRuns).toBe(2)
    await write(() => b.prisma.team.create({ data: { name: 'blue' } }))
    expect(await outer(ann.id)).toEqual({ name: 'Anna', teams: ['blue', 'red'] })
    expect(outerRuns).toBe(3)
    await close()
  })

  it('G1: a write that lands after a read inside the call never leaves the old result valid', async () => {
    const { a, b, write, close } = instances()
    const ann = await b.base.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    const read = latch()
    const resume = latch()
    let pause = true
    const name = a.prisma.$cache.memoize('name', async (id: number) => {
      const user = await a.prisma.user.findUniqueOrThrow({ where: { id }, cacheStrategy: { ttl: 60 } })
      if (pause) {
        pause = false
        read.open()
        await resume.promise
      }
      return user.name
    })
    const first = name(ann.id)
    await read.promise
    await write(() => b.prisma.user.update({ where: { id: ann.id }, data: { name: 'Anna' } }))
    resume.open()
    expect(await first).toBe('Ann') // what it read when it ran
    const after = await name.withCacheInfo(ann.id)
    expect(after.data).toBe('Anna')
    expect(after.info.status).toBe('miss')
    await close()
  })

  it('G1: a call that starts after a write never shares a call in flight that read before it', async () => {
    const { a, b, write, close } = instances()
    const ann = await b.base.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    const read = latch()
    const resume = latch()
    let runs = 0
    const name = a.prisma.$cache.memoize('name', async (id: number) => {
      runs++
      const user = await a.prisma.user.findUniqueOrThrow({ where: { id } })
      if (runs === 1) {
        read.open()
        await resume.promise
      }
      return user.name
    })
    const first = name(ann.id)
    await read.promise
    await write(() => b.prisma.user.update({ where: { id: ann.id }, data: { name: 'Anna' } }))
    const second = name(ann.id)
    resume.open()
    expect(await first).toBe('Ann')
    expect(await second).toBe('Anna')
    expect(await name(ann.id)).toBe('Anna')
    await close()
  })

  it('tags, models, invalidate(args), invalidateAll(), refresh() and $cache.invalidate reach it', async () => {
    const { a, b, write, close } = instances()
    let runs = 0
    const fx = a.prisma.$cache.memoize(
      'fx',
      async (currency: string) => {
        runs++
        return `${currency}:${runs}`
      },
      { ttl: 300, tags: (currency) => [`fx-${currency}`], models: ['Country'] },
    )
    const expectRuns = async (currency: string, expected: number) => {
      await fx(currency)
      expect(runs).toBe(expected)
    }
    await expectRuns('EUR', 1)
    await expectRuns('USD', 2)
    await expectRuns('EUR', 2)
    await write(() => b.prisma.$cache.invalidate({ tags: ['fx-EUR'] }))
    await expectRuns('EUR', 3)
    await expectRuns('USD', 3)
    await write(() => b.prisma.country.create({ data: { code: 'FR', name: 'France' } }))
    await expectRuns('EUR', 4)
    await write(() => b.prisma.$cache.invalidate({ models: ['Country'] }))
    await expectRuns('EUR', 5)
    await expectRuns('USD', 6)
    await expectRuns('USD', 6)
    const other = b.prisma.$cache.memoize('fx', async (currency: string) => currency)
    await write(() => other.invalidate('EUR'))
    await expectRuns('EUR', 7)
    await expectRuns('USD', 7)
    await write(() => other.invalidateAll())
    await expectRuns('USD', 8)
    await expectRuns('EUR', 9)
    expect(await fx.refresh('USD')).toBe('USD:10')
    expect(await fx('USD')).toBe('USD:10')
    await write(() => b.prisma.$cache.invalidateAll())
    await expectRuns('USD', 11)
    await close()
  })

  it('ttl and swr: stale results are served while exactly one background call runs; expired ones run again', async () => {
    const clock = new ManualClock()
    const { prisma } = observedClient(fixture.db, { ...options(), clock: clock.read })
    let runs = 0
    const gate = latch()
    const counter = prisma.$cache.memoize(
      'counter',
      async () => {
        runs++
        if (runs === 2) await gate.promise
        return runs
      },
      { ttl: 10, swr: 20 },
    )
    expect(await counter()).toBe(1)
    clock.advance(15_000)
    const stale = await Promise.all([counter.withCacheInfo(), counter.withCacheInfo()])
    expect(stale.map((r) => [r.info.status, r.data])).toEqual([
      ['stale', 1],
      ['stale', 1],
    ])
    gate.open()
    await prisma.$cache.close() // waits for the background call
    expect(runs).toBe(2)
    expect(await counter.withCacheInfo()).toMatchObject({ data: 2, info: { status: 'hit' } })
    clock.advance(40_000)
    expect(await counter.withCacheInfo()).toMatchObject({ data: 3, info: { status: 'miss' } })
    await prisma.$cache.close()
  })

  it('a call that writes is not stored and says so; errors reach the caller and are not stored', async () => {
    const { a, close } = instances()
    let runs = 0
    const signUp = a.prisma.$cache.memoize('sign-up', async (email: string) => {
      runs++
      const existing = await a.prisma.user.findUnique({ where: { email } })
      return existing ?? (await a.prisma.user.create({ data: { email } }))
    })
    await signUp('new@x.io')
    await signUp('new@x.io')
    expect(runs).toBe(2)
    expect(a.events).toContainEqual(
      expect.objectContaining({
        type: 'uncacheable',
        name: 'sign-up',
        reason: 'write',
        model: 'User',
        operation: 'create',
      }),
    )
    let rawRuns = 0
    const rawWrite = a.prisma.$cache.memoize('raw-write', async () => {
      rawRuns++
      return a.prisma.$executeRaw`UPDATE users SET name = name WHERE id = -1`
    })
    await rawWrite()
    await rawWrite()
    expect(rawRuns).toBe(2)
    // A nested call that wrote makes the outer one unstorable too.
    let outerRuns = 0
    const outer = a.prisma.$cache.memoize('outer-of-write', async () => {
      outerRuns++
      return signUp('nested@x.io')
    })
    await outer()
    await outer()
    expect(outerRuns).toBe(2)
    let attempts = 0
    const flaky = a.prisma.$cache.memoize('flaky', async () => {
      attempts++
      if (attempts === 1) throw new Error('boom')
      return attempts
    })
    await expect(flaky()).rejects.toThrow('boom')
    expect(await flaky()).toBe(2)
    expect(await flaky()).toBe(2)
    await close()
  })

  it('concurrent identical calls run the function once per instance', async () => {
    const { a, b, close } = instances()
    const gate = latch()
    let runs = 0
    const make = (client: typeof a) =>
      client.prisma.$cache.memoize('slow', async (n: number) => {
        runs++
        await gate.promise
        return n * 2
      })
    const fa = make(a)
    const calls = Array.from({ length: 16 }, () => fa(21))
    const fb = make(b)
    const others = twoInstances ? Array.from({ length: 16 }, () => fb(21)) : []
    gate.open()
    expect(new Set([...(await Promise.all(calls)), ...(await Promise.all(others))])).toEqual(new Set([42]))
    // With Redis and two instances, the lease lock makes it once per cluster.
    expect(runs).toBe(1)
    await close()
  })

  it('results keep their types on every tier and callers get private copies', async () => {
    const { a, b, close } = instances()
    const value = {
      date: new Date('2024-01-02T03:04:05.678Z'),
      big: 12345678901234567890n,
      dec: new Prisma.Decimal('1234.5678901234'),
      bytes: Uint8Array.of(1, 2, 3),
      nested: { list: [1, 'two', null] },
    }
    const make = (client: typeof a) =>
      client.prisma.$cache.memoize('types-all', async () => ({
        ...value,
        dec: new Prisma.Decimal(value.dec),
        bytes: Uint8Array.from(value.bytes),
        nested: { list: [...value.nested.list] },
      }))
    const first = await make(a)()
    first.nested.list.push('mutated')
    first.date.setFullYear(1999)
    const again = await make(b)()
    for (const got of [again, await make(a)()]) {
      expect(got.date).toEqual(value.date)
      expect(got.big).toBe(value.big)
      expect(Prisma.Decimal.isDecimal(got.dec) && got.dec.equals(value.dec)).toBe(true)
      expect(Buffer.from(got.bytes)).toEqual(Buffer.from(value.bytes))
      expect(got.nested).toEqual({ list: [1, 'two', null] })
    }
    await close()
  })

  it('arguments are keyed canonically; unkeyable arguments and bad names are StrategyErrors before it runs', async () => {
    const { a, close } = instances()
    let runs = 0
    const echo = a.prisma.$cache.memoize('echo', async (value: unknown) => {
      runs++
      return value
    })
    await echo(1)
    await echo('1')
    await echo(1n)
    await echo({ a: 1, b: 2 })
    await echo({ b: 2, a: 1 })
    expect(runs).toBe(4)
    class Point {
      x = 1
    }
    for (const bad of [() => 1, Symbol('s'), new Point(), new Map(), { nested: [() => 1] }]) {
      await expect(echo(bad)).rejects.toBeInstanceOf(StrategyError)
    }
    expect(runs).toBe(4)
    expect(() => a.prisma.$cache.memoize('bad name!', async () => 1)).toThrow(StrategyError)
    expect(() => a.prisma.$cache.memoize('x', async () => 1, { region: 'nope' })).toThrow(StrategyError)
    expect(() => a.prisma.$cache.memoize('x', async () => 1, { models: ['Nope'] })).toThrow(StrategyError)
    await close()
  })

  it('inside a $transaction callback it runs uncached, and a call reading in a transaction is not stored', async () => {
    const { a, close } = instances()
    let runs = 0
    const count = a.prisma.$cache.memoize('count', async () => {
      runs++
      return a.prisma.user.count()
    })
    await a.prisma.$transaction(async () => {
      expect((await count.withCacheInfo()).info.status).toBe('bypass')
      await count()
    })
    expect(runs).toBe(2)
    await count()
    expect((await count.withCacheInfo()).info.status).toBe('hit')
    let txRuns = 0
    const inTx = a.prisma.$cache.memoize('in-tx', async () => {
      txRuns++
      return a.prisma.$transaction(async (tx) => tx.user.count())
    })
    await inTx()
    await inTx()
    expect(txRuns).toBe(2)
    expect(a.events).toContainEqual(
      expect.objectContaining({ type: 'uncacheable', name: 'in-tx', reason: 'transaction' }),
    )
    await close()
  })

  it('getOrSet caches a value under a name, with its reads as dependencies', async () => {
    const { a, b, write, close } = instances()
    await b.base.user.create({ data: { email: 'ann@x.io', name: 'Ann' } })
    let runs = 0
    const names = () =>
      a.prisma.$cache.getOrSet(
        'names',
        async () => {
          runs++
          return (await a.prisma.user.findMany({ orderBy: { id: 'asc' } })).map((u) => u.name)
        },
        { ttl: 60 },
      )
    expect(await names()).toEqual(['Ann'])
    expect(await names()).toEqual(['Ann'])
    expect(runs).toBe(1)
    await write(() => b.prisma.user.create({ data: { email: 'bob@x.io', name: 'Bob' } }))
    expect(await names()).toEqual(['Ann', 'Bob'])
    expect(runs).toBe(2)
    await close()
  })
})
