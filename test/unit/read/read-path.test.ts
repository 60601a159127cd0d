import { describe, expect, it, vi } from 'vitest'
import { softRegionDependency } from '../../../src/invalidation/dependency-ids.ts'
import type { Candidate, TierReader } from '../../../src/read/lookup.ts'
import { latch } from '../../support/latch.ts'
import {
  ADA,
  FakeDatabase,
  GRACE,
  PRISMA_ERRORS,
  planOf,
  readStack,
  regionOf,
  synchronous,
} from './read-stack.ts'

/** An asynchronous tier under the test's control: counts lookups, answers `reply`, may hold the next lookup. */
class SlowTier implements TierReader {
  readonly tier = 'redis' as const
  asked = 0
  used = true
  reply: Candidate | undefined
  #holds: Promise<void>[] = []

  /** Holds the next lookup until `open()`. */
  holdNext(): { open(): void } {
    const gate = latch()
    this.#holds.push(gate.promise)
    return gate
  }

  uses(): boolean {
    return this.used
  }

  async lookup(): Promise<Candidate | undefined> {
    this.asked++
    await this.#holds.shift()
    return this.reply
  }
}

describe('ReadPath over the memory tier', () => {
  it('answers a memory hit synchronously (not a Promise), without loading', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    const miss = await stack.read(plan, db.load)
    expect(miss).toEqual({
      data: ADA,
      info: { status: 'miss', region: 'default', key: plan.key, age: 0, reason: { kind: 'absent' } },
      basis: { dependencies: plan.dependencies, versions: expect.any(Array) },
    })
    stack.clock.advance(400)
    const hit = synchronous(stack.read(plan, db.load))
    expect(hit).toEqual({
      data: ADA,
      info: { status: 'hit', tier: 'memory', region: 'default', key: plan.key, age: 400 },
      basis: { dependencies: plan.dependencies, versions: expect.any(Array) },
    })
    expect(db.loads).toBe(1)
    expect(stack.stats.snapshot()).toMatchObject({
      hits: 1,
      misses: 1,
      loads: 1,
      tiers: { memory: { hits: 1 } },
    })
    expect(stack.eventsOf('hit')).toEqual([
      { type: 'hit', key: plan.key, region: 'default', model: 'User', tier: 'memory', age: 400 },
    ])
  })

  it.each<[string, number, 'hit' | 'stale' | 'miss']>([
    ['exactly at ttl', 1_000, 'hit'],
    ['just past ttl', 1_001, 'stale'],
    ['exactly at ttl + swr', 1_500, 'stale'],
    ['just past ttl + swr', 1_501, 'miss'],
  ])('ttl 1 s, swr 0.5 s, %s (%d ms): %s', async (_, age, status) => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ swrMs: 500 }))
    await stack.read(plan, db.load)
    db.rows = GRACE
    stack.clock.advance(age)
    const result = stack.read(plan, db.load)
    expect(result instanceof Promise).toBe(status === 'miss')
    const { data, info } = await result
    expect(info.status).toBe(status)
    expect(data).toEqual(status === 'miss' ? GRACE : ADA)
    await stack.background.drain()
    expect(db.loads).toBe(status === 'hit' ? 1 : 2)
  })

  it('expired: a miss that loads, stores, and answers the new rows', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    await stack.read(plan, db.load)
    db.rows = GRACE
    stack.clock.advance(1_001)
    const { data, info } = await stack.read(plan, db.load)
    expect(info).toEqual({
      status: 'miss',
      region: 'default',
      key: plan.key,
      age: 0,
      reason: { kind: 'expired', age: 1001 },
    })
    expect(data).toEqual(GRACE)
    expect(synchronous(stack.read(plan, db.load)).data).toEqual(GRACE)
    expect(db.loads).toBe(2)
    expect(stack.eventsOf('load').map((e) => e.stored)).toEqual([true, true])
  })

  it('stale within swr: served at once while exactly one background refresh runs, whose result replaces the entry', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ swrMs: 1_000 }))
    await stack.read(plan, db.load)
    db.rows = GRACE
    const refresh = db.pause()
    stack.clock.advance(1_500)

    const first = synchronous(stack.read(plan, db.load))
    expect(first).toEqual({
      data: ADA,
      info: { status: 'stale', tier: 'memory', region: 'default', key: plan.key, age: 1_500 },
      basis: { dependencies: plan.dependencies, versions: expect.any(Array) },
    })
    expect(stack.background.size).toBe(1)
    expect(synchronous(stack.read(plan, db.load)).data).toEqual(ADA)
    expect(stack.background.size).toBe(1)

    refresh.open()
    await stack.background.drain()
    const after = synchronous(stack.read(plan, db.load))
    expect(after).toEqual({
      data: GRACE,
      info: { status: 'hit', tier: 'memory', region: 'default', key: plan.key, age: 0 },
      basis: { dependencies: plan.dependencies, versions: expect.any(Array) },
    })
    expect(db.loads).toBe(2)
    expect(stack.stats.snapshot()).toMatchObject({ stale: 2, hits: 1, loads: 2 })
  })

  it('a background refresh that fails is reported, never thrown, and leaves the stale entry', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ swrMs: 1_000 }))
    await stack.read(plan, db.load)
    const failure = PRISMA_ERRORS.unreachable()
    db.fail(failure)
    stack.clock.advance(1_500)
    expect(synchronous(stack.read(plan, db.load)).info.status).toBe('stale')
    await stack.background.drain()
    expect(stack.eventsOf('error')).toEqual([
      { type: 'error', error: failure, operation: 'refresh', key: plan.key },
    ])
    expect(synchronous(stack.read(plan, db.load)).data).toEqual(ADA)
  })

  it('a soft invalidation makes a fresh entry stale (served while one reload runs); a hard one makes it unservable', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    await stack.read(plan, db.load)
    db.rows = GRACE
    await stack.invalidate([softRegionDependency('default')], 'soft')
    expect(synchronous(stack.read(plan, db.load))).toMatchObject({ data: ADA, info: { status: 'stale' } })
    await stack.background.drain()
    expect(synchronous(stack.read(plan, db.load))).toMatchObject({ data: GRACE, info: { status: 'hit' } })

    db.rows = ADA
    await stack.invalidate(['User'])
    const { data, info } = await stack.read(plan, db.load)
    expect(info.status).toBe('miss')
    expect(data).toEqual(ADA)
    expect(db.loads).toBe(3)
  })

  it('refresh: true loads even with a fresh entry, and stores what it loaded', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    await stack.read(plan, db.load)
    db.rows = GRACE
    const refreshed = stack.read({ ...plan, refresh: true }, db.load)
    expect(refreshed).toBeInstanceOf(Promise)
    expect(await refreshed).toMatchObject({ data: GRACE, info: { status: 'miss' } })
    expect(db.loads).toBe(2)
    expect(synchronous(stack.read(plan, db.load))).toMatchObject({ data: GRACE, info: { status: 'hit' } })
  })

  it('does not serve an entry the bus does not let this instance trust', async () => {
    const trusts = vi.fn(() => false)
    const stack = readStack({ trust: { stamp: () => 0, trusts } })
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    await stack.read(plan, db.load)
    const { info } = await stack.read(plan, db.load)
    expect(info.status).toBe('miss')
    expect(trusts).toHaveBeenCalled()
    expect(db.loads).toBe(2)
  })

  describe('results are private copies (G7)', () => {
    it('mutating a miss, a hit, or what the load answered never changes what the next caller gets', async () => {
      const stack = readStack()
      const db = new FakeDatabase()
      const plan = planOf(regionOf())
      const miss = (await stack.read(plan, db.load)).data as { name: string }[]
      ;(miss[0] as { name: string }).name = 'changed by the first caller'
      ;(db.lastAnswer as { name: string }[]).push({ name: 'changed by the driver' })
      const hit = synchronous(stack.read(plan, db.load)).data as { name: string }[]
      expect(hit).toEqual(ADA)
      hit.length = 0
      expect(synchronous(stack.read(plan, db.load)).data).toEqual(ADA)
    })

    it('a stale result is a private copy too', async () => {
      const stack = readStack()
      const db = new FakeDatabase()
      const plan = planOf(regionOf({ swrMs: 1_000 }))
      await stack.read(plan, db.load)
      db.pause()
      stack.clock.advance(1_500)
      const stale = synchronous(stack.read(plan, db.load)).data as { name: string }[]
      ;(stale[0] as { name: string }).name = 'changed'
      expect(synchronous(stack.read(plan, db.load)).data).toEqual(ADA)
    })
  })
})

describe('ReadPath with an asynchronous tier after memory', () => {
  const candidate = (value: unknown, storedAt: number, keep?: () => void): Candidate => ({
    tier: 'redis',
    storedAt,
    soft: false,
    value: () => structuredClone(value),
    ...(keep !== undefined ? { keep } : {}),
  })

  it('asks it only when memory missed', async () => {
    const slow = new SlowTier()
    const stack = readStack({ slowTier: slow })
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    await stack.read(plan, db.load)
    expect(slow.asked).toBe(1)
    synchronous(stack.read(plan, db.load))
    expect(slow.asked).toBe(1)
  })

  it('does not ask a tier the region does not use', async () => {
    const slow = new SlowTier()
    slow.used = false
    const stack = readStack({ slowTier: slow })
    const db = new FakeDatabase()
    await stack.read(planOf(regionOf()), db.load)
    expect(slow.asked).toBe(0)
    expect(db.loads).toBe(1)
  })

  it('serves its entry (asynchronously) and keeps it in memory', async () => {
    const slow = new SlowTier()
    const stack = readStack({ slowTier: slow })
    const keep = vi.fn()
    slow.reply = candidate(GRACE, stack.clock.now - 300, keep)
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    const result = stack.read(plan, db.load)
    expect(result).toBeInstanceOf(Promise)
    expect(await result).toEqual({
      data: GRACE,
      info: { status: 'hit', tier: 'redis', region: 'default', key: plan.key, age: 300 },
    })
    expect(keep).toHaveBeenCalledTimes(1)
    expect(db.loads).toBe(0)
  })

  it('uses what a concurrent load put in memory while it answered, instead of loading again', async () => {
    const slow = new SlowTier()
    const stack = readStack({ slowTier: slow })
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    const held = slow.holdNext()
    const waiting = stack.read(plan, db.load)
    expect(slow.asked).toBe(1)

    // Another caller misses both tiers, loads and fills memory while the first waits for the slow tier.
    expect(await stack.read(plan, db.load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(db.loads).toBe(1)

    held.open()
    expect(await waiting).toEqual({
      data: ADA,
      info: { status: 'hit', tier: 'memory', region: 'default', key: plan.key, age: 0 },
      basis: { dependencies: plan.dependencies, versions: expect.any(Array) },
    })
    expect(db.loads).toBe(1)
  })

  it('keeps an entry too old to serve as the fallback of a load that fails for the database (staleIfError)', async () => {
    const slow = new SlowTier()
    const stack = readStack({ slowTier: slow })
    slow.reply = candidate(GRACE, stack.clock.now - 3_000)
    const db = new FakeDatabase()
    db.fail(PRISMA_ERRORS.unreachable())
    const plan = planOf(regionOf({ staleIfErrorMs: 5_000 }))
    expect(await stack.read(plan, db.load)).toEqual({
      data: GRACE,
      info: { status: 'stale', tier: 'redis', region: 'default', key: plan.key, age: 3_000 },
    })
  })
})

describe('staleIfError', () => {
  /** An entry loaded 3 s ago in a region with ttl 1 s and staleIfError 5 s, and a database that now fails. */
  async function failingAfterTtl(error: unknown) {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ staleIfErrorMs: 5_000 }))
    await stack.read(plan, db.load)
    db.rows = GRACE
    db.fail(error)
    stack.clock.advance(3_000)
    return { stack, db, plan }
  }

  it.each([
    ['the database cannot be reached (P1001)', PRISMA_ERRORS.unreachable()],
    ['the connection was lost', PRISMA_ERRORS.connectionLost()],
    ['a plain network error', new Error('ECONNRESET')],
  ])('answers with the old entry when %s, and reports the failure', async (_, error) => {
    const { stack, db, plan } = await failingAfterTtl(error)
    expect(await stack.read(plan, db.load)).toEqual({
      data: ADA,
      info: { status: 'stale', tier: 'memory', region: 'default', key: plan.key, age: 3_000 },
    })
    expect(stack.eventsOf('error')).toEqual([{ type: 'error', error, operation: 'load', key: plan.key }])
    expect(stack.stats.snapshot()).toMatchObject({ stale: 1, errors: 1 })
  })

  it.each([
    ['not found (P2025)', PRISMA_ERRORS.notFound()],
    ['a validation error', PRISMA_ERRORS.invalidQuery()],
  ])('passes an answer of the database through untouched: %s', async (_, error) => {
    const { stack, db, plan } = await failingAfterTtl(error)
    await expect(stack.read(plan, db.load)).rejects.toBe(error)
    expect(stack.eventsOf('error')).toEqual([])
  })

  it('does not answer with an entry past ttl + swr + staleIfError', async () => {
    const { stack, db, plan } = await failingAfterTtl(PRISMA_ERRORS.unreachable())
    stack.clock.advance(3_001)
    await expect(stack.read(plan, db.load)).rejects.toThrow("Can't reach database server")
  })

  it('has no fallback without a staleIfError window', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    await stack.read(plan, db.load)
    db.fail(PRISMA_ERRORS.unreachable())
    stack.clock.advance(1_001)
    await expect(stack.read(plan, db.load)).rejects.toThrow("Can't reach database server")
  })
})
