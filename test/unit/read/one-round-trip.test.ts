import { describe, expect, it, vi } from 'vitest'
import { freshVersion } from '../../../src/invalidation/versions.ts'
import { entryLifetime } from '../../../src/read/freshness.ts'
import { createCodec } from '../../../src/storage/codec.ts'
import { FakeRedis } from '../../support/fake-redis.ts'
import {
  ADA,
  FakeDatabase,
  GRACE,
  planOf,
  readStack,
  redisTierOn,
  regionOf,
  storeAsAnotherInstance,
} from './read-stack.ts'

// On a single Redis a read asks Redis once before its load: the LOOKUP script judges the entry from its header
// and, when nothing is servable, returns the load's capture and tries its lease lock in the same round trip.

/** A database whose loads note the Redis commands sent before each of them. */
function observedDatabase(redis: FakeRedis) {
  const db = new FakeDatabase()
  const before: string[][] = []
  const load = () => {
    before.push(redis.commands.map((c) => c.name))
    return db.load()
  }
  return { db, load, before }
}

describe('one round trip before the load', () => {
  it('a miss sends one command before the load (capture and lock with it); the store and release follow', async () => {
    const redis = new FakeRedis({ lookupScript: true })
    const stack = readStack({ redis })
    const { db, load, before } = observedDatabase(redis)
    const plan = planOf(regionOf({ redis: true, memory: false }))

    expect(await stack.read(plan, load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(before).toEqual([['lookup']])
    await stack.background.drain()
    expect(redis.commands.map((c) => c.name)).toEqual(['lookup', 'SET', 'release'])
    expect(redis.data.has(`${plan.key}:lock`)).toBe(false)
    // What was stored is current under the versions the lookup created.
    expect(await stack.read(plan, load)).toMatchObject({ data: ADA, info: { status: 'hit', tier: 'redis' } })
    expect(db.loads).toBe(1)
  })

  it('a servable entry costs one command and writes nothing', async () => {
    const redis = new FakeRedis({ lookupScript: true })
    const stack = readStack({ redis })
    const plan = planOf(regionOf({ redis: true }))
    await storeAsAnotherInstance(redis, stack.clock, plan, GRACE)
    redis.commands.length = 0
    const written = new Map(redis.data)

    expect(await stack.read(plan, new FakeDatabase().load)).toMatchObject({
      data: GRACE,
      info: { status: 'hit', tier: 'redis' },
    })
    await stack.background.drain()
    expect(redis.commands.map((c) => c.name)).toEqual(['lookup'])
    expect(redis.data).toEqual(written)
  })

  it('an entry past ttl + swr is not servable: the lookup takes the lock, the read loads and replaces it', async () => {
    const redis = new FakeRedis({ lookupScript: true })
    const stack = readStack({ redis })
    const { load, before } = observedDatabase(redis)
    const plan = planOf(regionOf({ redis: true, ttlMs: 1_000 }))
    await storeAsAnotherInstance(redis, stack.clock, plan, GRACE)
    stack.clock.advance(1_001)
    redis.commands.length = 0

    expect(await stack.read(plan, load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    expect(before).toEqual([['lookup']])
    await stack.background.drain()
    expect(redis.commands.map((c) => c.name)).toEqual(['lookup', 'SET', 'release'])
  })

  it('a lock another instance holds: the read waits without trying it again first, and takes the stored entry', async () => {
    const redis = new FakeRedis({ lookupScript: true })
    redis.locksHeldElsewhere = true
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))
    const afterLockWait = vi.fn(async () => {
      if (afterLockWait.mock.calls.length > 3) throw new Error('the waiter never took the stored entry')
      await storeAsAnotherInstance(redis, stack.clock, plan, GRACE)
    })
    const stack = readStack({ redis, hooks: { afterLockWait } })

    expect(await stack.read(plan, db.load)).toMatchObject({ data: GRACE, info: { status: 'miss' } })
    expect(db.loads).toBe(0)
    // The lookup, one poll that found nothing, the lock tried again (held), a poll that found the entry.
    expect(redis.commands.map((c) => c.name)).toEqual(['lookup', 'MGET', 'current', 'SET', 'SET NX', 'MGET'])
  })

  it('a lookup that fails releases the lease it may have taken with its reply lost, and the read loads', async () => {
    const redis = new FakeRedis({ lookupScript: true })
    redis.before = (command) => {
      if (command.name === 'lookup') throw new Error('ECONNRESET')
    }
    const stack = readStack({ redis })
    const db = new FakeDatabase()
    const plan = planOf(regionOf({ redis: true }))

    expect(await stack.read(plan, db.load)).toMatchObject({ data: ADA, info: { status: 'miss' } })
    await stack.background.drain()
    expect(redis.commands.map((c) => c.name)).toEqual(['lookup', 'release'])
    expect(redis.issued('release')[0]?.keys).toEqual([`${plan.key}:lock`])
    expect(stack.eventsOf('load').map((e) => e.stored)).toEqual([false])
  })

  it('a region without the lock asks for none', async () => {
    const redis = new FakeRedis({ lookupScript: true })
    const stack = readStack({ redis })
    const plan = planOf(regionOf({ redis: true, lock: false }))

    await stack.read(plan, new FakeDatabase().load)
    await stack.background.drain()
    expect(redis.commands.map((c) => c.name)).toEqual(['lookup', 'SET'])
    expect([...redis.data.keys()].some((key) => key.endsWith(':lock'))).toBe(false)
  })
})

describe('a Redis entry in the layout of an earlier version', () => {
  it('is judged by the reader, as before: a hit that takes no lease, one command, nothing written', async () => {
    const redis = new FakeRedis({ lookupScript: true })
    const stack = readStack({ redis })
    const plan = planOf(regionOf({ redis: true, memory: false }))
    const other = redisTierOn(redis, stack.clock)
    const dependencies = [...plan.dependencies, plan.softDependency]
    const versions = await other.currentVersions(
      dependencies,
      () => freshVersion(stack.clock.now),
      entryLifetime(plan),
    )
    const legacy = createCodec().encode([
      1,
      plan.dependencies,
      versions.slice(0, -1),
      versions[versions.length - 1],
      stack.clock.now,
      GRACE,
    ])
    await other.setBytes(plan.key, legacy, entryLifetime(plan))
    redis.commands.length = 0

    expect(await stack.read(plan, new FakeDatabase().load)).toMatchObject({
      data: GRACE,
      info: { status: 'hit', tier: 'redis' },
    })
    await stack.background.drain()
    expect(redis.commands.map((c) => c.name)).toEqual(['lookup'])
  })
})
