import { describe, expect, it } from 'vitest'
import type { CacheEvent, QueryCacheOptions } from '../../src/index.ts'
import { INTERNAL_HOOKS } from '../../src/prisma/extension.ts'
import type { LoaderHooks as StackHooks } from '../../src/read/loader.ts'
import { Chaos } from './chaos.ts'
import { countDuring, latch, observedClient, useFixture } from './helpers.ts'

// Graceful degradation under a misbehaving Redis (issue 4): commands that fail, replies that are lost after
// the command ran, commands and bus messages held back, subscriptions that drop. Whatever Redis does, the
// writing instance reads its own writes, and once Redis behaves again every instance reads them too.

const fixture = useFixture()

/** An instance behind its own chaos: its own connection, memory tier and events. */
function instance(chaos: Chaos, options: QueryCacheOptions) {
  return observedClient(fixture.db, { redis: chaos.wrap(fixture.connection()), ...options })
}

const fromBus = (e: CacheEvent) => e.type === 'invalidate' && e.cause === 'bus'
const busUp = (e: CacheEvent) => e.type === 'bus' && e.state === 'up'

/** The bump script is the EVALSHA whose first argument after the keys is the new-version lifetime (60 s). */
const isBump = (command: string, args: readonly unknown[]) =>
  command === 'evalsha' && String(args[2 + Number(args[1])]) === '60000'

/** The lookup script: the entry, its versions and the lease lock in one round trip. */
const isLookup = (command: string) => command === 'evalshaBuffer'

/** Polls `check` every 5 ms until it holds; fails after `ms`. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 2_000): Promise<void> {
  const deadline = performance.now() + ms
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A cached user on instance `a`, its entry landed in Redis; `read` reads it through `a`. */
async function cachedUser(a: ReturnType<typeof instance>, email: string) {
  const user = await a.prisma.user.create({ data: { email, name: 'old' } })
  const read = () =>
    a.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
  const { info } = await read()
  const raw = fixture.connection()
  await eventually(async () => (await raw.exists(info.key)) === 1)
  return { user, read }
}

/** Hooks that stop the first load after its database read, before it stores, until `proceed` opens. */
function pauseFirstStore() {
  const entered = latch()
  const proceed = latch()
  let pauses = 1
  const hooks: StackHooks = {
    beforeStore: async () => {
      if (pauses-- <= 0) return
      entered.open()
      await proceed.promise
    },
  }
  return { hooks, entered, proceed }
}

describe('a failed invalidation on the writing instance', () => {
  it('never lets it serve the old value from Redis while the bump waits for its retry', async () => {
    const chaos = new Chaos(1)
    const a = instance(chaos, { namespace: fixture.namespace() })
    const { user, read } = await cachedUser(a, 'ryw@x.io')
    expect((await read()).info).toMatchObject({ status: 'hit', tier: 'memory' })

    const failed = chaos.next('fail', isBump)
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    await failed
    expect(a.prisma.$cache.stats().pendingInvalidations).toBeGreaterThan(0)
    for (let i = 0; i < 3; i++) expect((await read()).data?.name).toBe('new')
    await eventually(() => a.prisma.$cache.stats().pendingInvalidations === 0)
    expect((await read()).data?.name).toBe('new')
    await a.prisma.$cache.close()
  })

  it('does not forget the pending bump when its subscription comes back before the retry lands', async () => {
    const chaos = new Chaos(3)
    const a = instance(chaos, { namespace: fixture.namespace() })
    const { user, read } = await cachedUser(a, 'resub@x.io')
    // Every bump fails until the subscription is back.
    chaos.outage = true
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    const up = a.next(busUp)
    chaos.dropSubscriptions()
    await up
    const stillPending = a.prisma.$cache.stats().pendingInvalidations
    chaos.outage = false
    expect(stillPending).toBeGreaterThan(0)
    expect((await read()).data?.name).toBe('new')
    await eventually(() => a.prisma.$cache.stats().pendingInvalidations === 0)
    expect((await read()).data?.name).toBe('new')
    await a.prisma.$cache.close()
  })
})

describe('a load whose version capture failed', () => {
  it('is not shared with a read that comes after a write', async () => {
    const chaos = new Chaos(6)
    const { hooks, entered, proceed } = pauseFirstStore()
    const a = instance(chaos, {
      namespace: fixture.namespace(),
      [INTERNAL_HOOKS]: hooks,
    } as QueryCacheOptions)
    const user = await a.prisma.user.create({ data: { email: 'join@x.io', name: 'old' } })
    // Started at once (a Prisma promise is lazy until awaited).
    const read = () =>
      a.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).then((row) => row)

    // The lookup is the capture too (one round trip before the load).
    const captureFailed = chaos.next('fail', isLookup)
    const before = read() // captures nothing, reads 'old', then waits before storing
    await captureFailed
    await entered.promise
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    const missed = a.next((e) => e.type === 'miss')
    const after = read()
    await missed // it found the first load still running
    proceed.open()
    expect((await before)?.name).toBe('old')
    expect((await after)?.name).toBe('new')
    await a.prisma.$cache.close()
  })
})

describe('loads while Redis fails', () => {
  it('concurrent identical reads still share one load while an invalidation is pending (G5)', async () => {
    const chaos = new Chaos(7)
    const a = instance(chaos, { namespace: fixture.namespace() })
    const user = await a.prisma.user.create({ data: { email: 'share@x.io', name: 'old' } })
    chaos.outage = true
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } }) // its bump is pending
    expect(a.prisma.$cache.stats().pendingInvalidations).toBeGreaterThan(0)
    const statements = await countDuring(a.statements, async () => {
      const rows = await Promise.all(
        Array.from({ length: 10 }, () =>
          // findMany: Prisma would batch identical findUnique calls by itself.
          a.prisma.user.findMany({ where: { id: user.id }, cacheStrategy: { ttl: 60 } }),
        ),
      )
      expect(rows.every((found) => found[0]?.name === 'new')).toBe(true)
    })
    expect(statements).toBe(1)
    chaos.outage = false
    await a.prisma.$cache.close()
  })

  it('a load that captured nothing is not shared after a write, even once a resubscription forgot it', async () => {
    const chaos = new Chaos(8)
    const { hooks, entered, proceed } = pauseFirstStore()
    const namespace = fixture.namespace()
    const a = instance(chaos, { namespace, [INTERNAL_HOOKS]: hooks } as QueryCacheOptions)
    const user = await a.base.user.create({ data: { email: 'forgot@x.io', name: 'old' } })
    await a.prisma.$cache.stats() // the instance exists and has never heard of User
    const read = () =>
      a.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).then((row) => row)
    const lookupFails = () => chaos.next('fail', isLookup)

    let failed = lookupFails()
    const before = read() // its lookup fails: no lock, no capture; it reads 'old' and waits before storing
    await failed
    await entered.promise
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    const up = a.next(busUp)
    chaos.dropSubscriptions()
    await up // the instance forgot every version it knew, User's new one included
    failed = lookupFails()
    const missed = a.next((e) => e.type === 'miss')
    const after = read()
    await failed
    await missed
    proceed.open()
    expect((await before)?.name).toBe('old')
    expect((await after)?.name).toBe('new')
    await a.prisma.$cache.close()
  })
})

describe('a lock whose reply was lost', () => {
  it('is released at once, not left to its lease', async () => {
    const chaos = new Chaos(13)
    const a = instance(chaos, { namespace: fixture.namespace(), memory: false })
    const raw = fixture.connection()
    await a.prisma.user.create({ data: { email: 'orphan@x.io' } })
    // The lookup takes the lease lock in its round trip; its reply is lost after the script ran.
    const lost = chaos.next('lose', isLookup)
    const { info } = await a.prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await lost
    // The lease is 2 s; the owner's release of its own token frees it long before.
    await eventually(async () => (await raw.exists(`${info.key}:lock`)) === 0, 500)
    await a.prisma.$cache.close()
  })
})

describe('a reply that arrives after a later write', () => {
  it('never hands a load waiting for the lock an entry older than what the instance knows', async () => {
    // As on a Cluster, where the entry and the versions come from different nodes: the reply to a poll of a
    // waiting load arrives after this instance's write returned, and a read that started after the write joined
    // that load.
    const namespace = fixture.namespace()
    const raw = fixture.connection()
    const chaos = new Chaos(11)
    const a = instance(chaos, { namespace, memory: false })
    const b = instance(new Chaos(12), { namespace, memory: false, regions: { default: { lock: false } } })
    const user = await a.prisma.user.create({ data: { email: 'late@x.io', name: 'old' } })
    const read = (i: typeof a) =>
      i.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
    const { info } = await read(b) // b stores the entry for 'old'
    await b.prisma.$cache.close()
    const entry = (await raw.getBuffer(info.key)) as Buffer
    await raw.del(info.key)
    await raw.set(`${info.key}:lock`, 'another instance', 'PX', 1_000)

    // A waiting load polls with a plain read (MGET of the entry and its versions).
    let polls = 0
    const isPoll = (command: string, args: readonly unknown[]) =>
      command === 'mgetBuffer' && args[0] === info.key
    const poll = chaos.holdReply((command, args) => isPoll(command, args) && ++polls === 2)
    const waiting = read(a).then((result) => result) // misses, finds the lock taken, polls
    await eventually(() => polls >= 1)
    await raw.set(info.key, entry, 'PX', 3_600_000) // the entry is back before the poll
    await poll.sent // the poll's reply (the old entry, valid at the old versions) is held
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    const after = read(a).then((result) => result)
    await new Promise((resolve) => setTimeout(resolve, 20)) // the later read reached the running load
    poll.release()
    await waiting // it started before the write: either value is right for it
    expect((await after).data?.name).toBe('new')
    await a.prisma.$cache.close()
  })
})

describe('a lost bus message', () => {
  it('is published again, so the other instance stops serving the old value from memory', async () => {
    const namespace = fixture.namespace()
    const chaosA = new Chaos(4)
    const a = instance(chaosA, { namespace })
    const b = instance(new Chaos(5), { namespace })
    const { user } = await cachedUser(a, 'publish@x.io')
    const readB = () =>
      b.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
    await readB()
    expect((await readB()).info).toMatchObject({ status: 'hit', tier: 'memory' })

    const lost = chaosA.next('fail', (command) => command === 'publish')
    const delivered = b.next(fromBus)
    await a.prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    await lost
    await delivered
    expect((await readB()).data?.name).toBe('new')
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })
})

describe('a PUBLISH that keeps failing', () => {
  it('keeps at most a bounded set of versions; receivers forget what they know when it overflows (G8)', async () => {
    const namespace = fixture.namespace()
    const chaosA = new Chaos(9, { refuse: ['publish'] })
    const a = instance(chaosA, { namespace })
    const b = instance(new Chaos(10), { namespace })
    const user = await b.prisma.user.create({ data: { email: 'overflow@x.io', name: 'old' } })
    const readB = () =>
      b.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
    await readB()
    expect((await readB()).info.tier).toBe('memory')

    for (let first = 0; first < 10_001; first += 64) {
      const tags = Array.from({ length: Math.min(64, 10_001 - first) }, (_, i) => `overflow-${first + i}`)
      await a.prisma.$cache.invalidate({ tags })
    }
    expect(a.prisma.$cache.stats().pendingInvalidations).toBe(1) // one resync, not 10,001 versions
    const resynced = b.next(fromBus)
    chaosA.policy = {}
    await resynced
    expect((await readB()).info.tier).toBe('redis') // validated against Redis again, not served from memory
    await eventually(() => a.prisma.$cache.stats().pendingInvalidations === 0)
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })
})

// A read's one round trip is a binary-safe EVALSHA: under chaos it fails, loses its reply and waits as others do.
describe('the chaos wrapper reaches the read path', () => {
  it('during a Redis outage (every command refused), a read reports its Redis lookup as failed', async () => {
    const chaos = new Chaos(1)
    const namespace = fixture.namespace()
    const { prisma, base, events } = instance(chaos, { namespace, memory: false })
    await prisma.user.findMany({ where: { id: -1 }, cacheStrategy: { ttl: 60 } }) // the bus is up
    await base.user.create({ data: { email: 'chaos@x.io', name: 'a' } })
    chaos.outage = true
    events.length = 0
    await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
    const failed = events.flatMap((event) => (event.type === 'error' ? [event.operation] : []))
    expect(failed).toContain('read')
    chaos.outage = false
    await prisma.$cache.close()
  })
})
