import { describe, expect, it, vi } from 'vitest'
import type { LoaderHooks } from '../../../src/read/loader.ts'
import type { ReadResult } from '../../../src/read/lookup.ts'
import type { ReadPlan } from '../../../src/read/planner.ts'
import { FakeRedis } from '../../support/fake-redis.ts'
import { latch } from '../../support/latch.ts'
import {
  ADA,
  FakeDatabase,
  GRACE,
  PRISMA_ERRORS,
  planOf,
  readStack,
  regionOf,
  storeAsAnotherInstance,
  synchronous,
} from './read-stack.ts'

describe('flights: one load per key on this instance (G5)', () => {
  it('concurrent identical misses share one load, and each caller gets its own copy', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    const answer = db.pause()
    const reads = [stack.read(plan, db.load), stack.read(plan, db.load), stack.read(plan, db.load)]
    answer.open()
    const results = await Promise.all(reads)
    expect(db.loads).toBe(1)
    for (const result of results) expect(result).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(new Set(results.map((result) => result.data)).size).toBe(3)
    ;((results[1] as ReadResult).data as { name: string }[]).push({ name: 'added by one caller' })
    expect(results[2]?.data).toEqual(ADA)
    expect(stack.stats.snapshot()).toMatchObject({ misses: 3, loads: 1 })
  })

  it('different keys load separately', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const region = regionOf()
    const answer = db.pause()
    const reads = [stack.read(planOf(region), db.load), stack.read(planOf(region, { key: 'other' }), db.load)]
    answer.open()
    await Promise.all(reads)
    expect(db.loads).toBe(2)
  })

  it('a caller that arrives after a write does not join a load that captured before it (G1)', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    const answer = db.pause()
    const reading = db.nextLoad()
    const before = stack.read(plan, db.load)
    await reading
    db.rows = GRACE
    await stack.invalidate(['User'])
    const after = stack.read(plan, db.load)
    answer.open()
    expect((await before).data).toEqual(ADA)
    expect((await after).data).toEqual(GRACE)
    expect(db.loads).toBe(2)
    // The load that began before the write could not store its result either.
    expect(synchronous(stack.read(plan, db.load)).data).toEqual(GRACE)
  })

  it.each([
    ['nothing changed: it joins', false, 1],
    ['this instance learnt of a write: it loads itself', true, 2],
  ])(
    'a caller that arrives while the load has not captured its versions yet (Redis): %s',
    async (_, write, loads) => {
      const redis = new FakeRedis()
      const stack = readStack({ redis })
      const db = new FakeDatabase()
      const plan = planOf(regionOf({ redis: true, lock: false }))
      const capture = redis.hold('current')
      const first = stack.read(plan, db.load)
      await capture.issued
      if (write) await stack.invalidate(['User'])
      const second = stack.read(plan, db.load)
      capture.release()
      await Promise.all([first, second])
      expect(db.loads).toBe(loads)
    },
  )

  it('a failed load is not stored: the callers that shared it get its error, and the next caller loads', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    const failure = PRISMA_ERRORS.unreachable()
    db.fail(failure)
    const answer = db.pause()
    const reads = [stack.read(plan, db.load), stack.read(plan, db.load)]
    answer.open()
    for (const read of reads) await expect(read).rejects.toBe(failure)
    expect(db.loads).toBe(1)
    expect(stack.memory.size).toBe(0)
    expect(stack.eventsOf('load')).toEqual([])

    db.fail(undefined)
    expect(await stack.read(plan, db.load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(db.loads).toBe(2)
    expect(synchronous(stack.read(plan, db.load)).info.status).toBe('hit')
  })

  it('refresh: true never joins a load in flight', async () => {
    const stack = readStack()
    const db = new FakeDatabase()
    const plan = planOf(regionOf())
    const answer = db.pause()
    const first = stack.read(plan, db.load)
    const refresh = stack.read({ ...plan, refresh: true }, db.load)
    answer.open()
    await Promise.all([first, refresh])
    expect(db.loads).toBe(2)
  })
})

describe('capture (G1): a write between the capture and the store leaves nothing servable', () => {
  /** Hooks that run `write` once, at `point` of the next load. */
  function writeAt(point: keyof LoaderHooks, write: () => Promise<void>): LoaderHooks {
    let armed = true
    return {
      [point]: async () => {
        if (!armed) return
        armed = false
        await write()
      },
    }
  }

  it.each(['afterCapture', 'beforeStore'] as const)('memory tier, write at %s', async (point) => {
    const db = new FakeDatabase()
    const stack = readStack({
      hooks: writeAt(point, async () => {
        db.rows = GRACE
        await stack.invalidate(['User'])
      }),
    })
    const plan = planOf(regionOf())
    await stack.read(plan, db.load)
    const { data, info } = await stack.read(plan, db.load)
    expect(info.status).toBe('miss')
    expect(data).toEqual(GRACE)
    expect(db.loads).toBe(2)
  })

  it.each(['afterCapture', 'beforeStore'] as const)(
    'both tiers, on another instance and on this one, write at %s',
    async (point) => {
      const redis = new FakeRedis()
      const db = new FakeDatabase()
      const stack = readStack({
        redis,
        hooks: writeAt(point, async () => {
          db.rows = GRACE
          await stack.invalidate(['User'])
        }),
      })
      // No lease lock: each instance loads for itself, so each one meets the entry written under old versions.
      const plan = planOf(regionOf({ redis: true, lock: false }))
      await stack.read(plan, db.load)
      await stack.background.drain()
      expect(redis.data.has(plan.key)).toBe(true)
      const laterWrites = [redis.hold('SET', plan.key), redis.hold('SET', plan.key)]

      const another = readStack({ redis })
      expect(await another.read(plan, db.load)).toMatchObject({ data: GRACE, info: { status: 'miss' } })
      expect(await stack.read(plan, db.load)).toMatchObject({ data: GRACE, info: { status: 'miss' } })
      expect(db.loads).toBe(3)
      for (const write of laterWrites) write.release()
      await Promise.all([stack.background.drain(), another.background.drain()])
    },
  )
})

describe('lease lock: one load per key across instances (G5)', () => {
  it('a caller whose lock is refused polls Redis and takes the entry the holder stored', async () => {
    const redis = new FakeRedis()
    redis.locksHeldElsewhere = true
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))
    const afterLockWait = vi.fn(async () => {
      if (afterLockWait.mock.calls.length > 3) throw new Error('the waiter never took the stored entry')
      if (afterLockWait.mock.calls.length === 1) await storeAsAnotherInstance(redis, stack.clock, plan, GRACE)
    })
    const stack = readStack({ redis, hooks: { afterLockWait } })
    const polls = () => redis.issued('MGET', plan.key).length

    expect(await stack.read(plan, db.load)).toMatchObject({ data: GRACE, info: { status: 'miss' } })
    expect(db.loads).toBe(0)
    expect(afterLockWait).toHaveBeenCalledTimes(1)
    expect(redis.issued('SET NX')).toHaveLength(2)
    // One lookup, then one poll after each refused lock.
    expect(polls()).toBe(3)
    // The entry taken is kept in memory.
    expect(synchronous(stack.read(plan, db.load))).toMatchObject({ data: GRACE, info: { tier: 'memory' } })
  })

  it('after the lease deadline on the injected clock, it loads itself', async () => {
    const redis = new FakeRedis()
    redis.locksHeldElsewhere = true
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true, lockLeaseMs: 2_000 }))
    const afterLockWait = vi.fn(() => {
      if (afterLockWait.mock.calls.length > 3) throw new Error('still waiting after the lease deadline')
      stack.clock.advance(1_000)
    })
    const stack = readStack({ redis, hooks: { afterLockWait } })

    expect(await stack.read(plan, db.load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(db.loads).toBe(1)
    expect(afterLockWait).toHaveBeenCalledTimes(2)
    expect(redis.issued('release')).toEqual([])
  })

  it('two instances: the second waits for the first one’s load and takes its entry', async () => {
    const redis = new FakeRedis()
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))
    const loading = latch()
    const waiting = latch()
    const first = readStack({ redis, hooks: { afterCapture: loading.open } })
    let waits = 0
    const afterLockWait = () => {
      waiting.open()
      if (++waits > 20) throw new Error('the waiter never took the first instance’s entry')
    }
    const second = readStack({ redis, hooks: { afterLockWait } })
    const answer = db.pause()

    const fromFirst = first.read(plan, db.load)
    await loading.promise
    const fromSecond = second.read(plan, db.load)
    // The second instance waits for the lock (or, wrongly, loads: then fail at once rather than hang).
    await Promise.race([waiting.promise, db.nextLoad()])
    expect(db.loads).toBe(1)
    answer.open()
    expect(await fromFirst).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(await fromSecond).toMatchObject({ data: ADA })
    expect(db.loads).toBe(1)
  })
})

describe('Redis trouble never fails a read', () => {
  it('a failed lookup makes a miss: the read loads, asks Redis nothing more, and stores nothing', async () => {
    const redis = new FakeRedis()
    const failure = new Error('ECONNRESET')
    redis.before = (command) => {
      if (command.name === 'MGET') throw failure
    }
    const stack = readStack({ redis })
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))

    expect(await stack.read(plan, db.load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    await stack.background.drain()
    expect(redis.commands.map((c) => c.name)).toEqual(['MGET'])
    expect(stack.eventsOf('error').map((e) => e.operation)).toEqual(['read'])
    expect(stack.eventsOf('load').map((e) => e.stored)).toEqual([false])
    expect(stack.memory.size).toBe(0)
  })

  it('a failed load releases its lock at once, so that the next caller loads', async () => {
    const redis = new FakeRedis()
    const stack = readStack({ redis })
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))
    const failure = PRISMA_ERRORS.unreachable()
    db.fail(failure)

    await expect(stack.read(plan, db.load)).rejects.toBe(failure)
    await stack.background.drain()
    expect(redis.issued('release')).toHaveLength(1)
    expect(redis.data.has(`${plan.key}:lock`)).toBe(false)
    expect(redis.data.has(plan.key)).toBe(false)

    db.fail(undefined)
    expect(await stack.read(plan, db.load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(db.loads).toBe(2)
  })
})

describe('write-behind: Redis is written after the caller has its answer', () => {
  const lockOf = (plan: ReadPlan) => `${plan.key}:lock`

  it('the caller is answered before the Redis write is issued; the write follows on a later turn', async () => {
    const redis = new FakeRedis()
    const stack = readStack({ redis })
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))

    expect(await stack.read(plan, db.load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(redis.issued('SET', plan.key)).toEqual([])
    expect(stack.redis?.writeBehind.unlanded(plan.key)?.data).toEqual(ADA)

    await stack.background.drain()
    expect(redis.issued('SET', plan.key)).toHaveLength(1)
    expect(stack.redis?.writeBehind.unlanded(plan.key)).toBeUndefined()
    const stored = await stack.redis?.tier.get(plan.key)
    expect(stored?.value).toEqual(ADA)
    expect(stored?.versions).toEqual(plan.dependencies.map((d) => stack.versions.peek(d)))
  })

  it('until the write lands, a read on this instance is served the unlanded result; a write makes it unservable', async () => {
    const redis = new FakeRedis()
    const stack = readStack({ redis })
    const db = new FakeDatabase()
    // No lease lock: the lock would be held until the write lands, and the last read would wait for it.
    const plan = planOf(regionOf({ memory: false, redis: true, lock: false }))
    const write = redis.hold('SET', plan.key)

    await stack.read(plan, db.load)
    await write.issued
    expect(redis.data.has(plan.key)).toBe(false)
    expect(await stack.read(plan, db.load)).toMatchObject({
      data: ADA,
      info: { status: 'hit', tier: 'redis' },
    })
    expect(db.loads).toBe(1)

    db.rows = GRACE
    await stack.invalidate(['User'])
    expect(await stack.read(plan, db.load)).toMatchObject({ data: GRACE, info: { status: 'miss' } })
    expect(db.loads).toBe(2)
    write.release()
    await stack.background.drain()
  })

  it('the lock holder releases its lock only once its write has landed', async () => {
    const redis = new FakeRedis()
    const stack = readStack({ redis })
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))
    const write = redis.hold('SET', plan.key)

    await stack.read(plan, db.load)
    await write.issued
    expect(redis.data.has(lockOf(plan))).toBe(true)
    expect(redis.issued('release')).toEqual([])

    write.release()
    await stack.background.drain()
    const order = redis.commands.map((c) => c.name).filter((name) => name === 'SET' || name === 'release')
    expect(order).toEqual(['SET', 'release'])
    expect(redis.data.has(lockOf(plan))).toBe(false)
    expect(redis.data.has(plan.key)).toBe(true)
  })

  it('a write that fails is reported, never thrown, and the lock is released all the same', async () => {
    const redis = new FakeRedis()
    const failure = new Error('OOM command not allowed')
    redis.before = (command) => {
      if (command.name === 'SET') throw failure
    }
    const stack = readStack({ redis })
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))

    expect(await stack.read(plan, db.load)).toMatchObject({ data: ADA })
    await stack.background.drain()
    expect(stack.eventsOf('error').map((e) => [e.operation, (e.error.cause as Error).message])).toEqual([
      ['write', failure.message],
    ])
    expect(redis.data.has(lockOf(plan))).toBe(false)
  })
})
