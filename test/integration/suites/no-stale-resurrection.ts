/**
 * G1, on one provider (run per provider by `no-stale-resurrection*.test.ts`): a load that read the database
 * before a write must never leave its result readable after that write's invalidation. The interleaving is
 * forced with the stack's test hooks, never with sleeps.
 */
import { describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../../src/index.ts'
import { INTERNAL_HOOKS } from '../../../src/prisma/extension.ts'
import type { LoaderHooks as StackHooks } from '../../../src/read/loader.ts'
import type { Provider } from '../../setup/providers.ts'
import { cachedClient, latch, useFixture } from '../helpers.ts'

/** Hooks that pause the next load of a given key at one point until released. */
function pausable() {
  const state: {
    armed: 'beforeStore' | 'afterCapture' | undefined
    reached: ReturnType<typeof latch>
    release: ReturnType<typeof latch>
  } = {
    armed: undefined,
    reached: latch(),
    release: latch(),
  }
  const pauseAt = (point: 'beforeStore' | 'afterCapture') => async () => {
    if (state.armed !== point) return
    state.armed = undefined
    state.reached.open()
    await state.release.promise
  }
  const hooks: StackHooks = { beforeStore: pauseAt('beforeStore'), afterCapture: pauseAt('afterCapture') }
  return {
    hooks,
    arm(point: 'beforeStore' | 'afterCapture') {
      state.armed = point
      state.reached = latch()
      state.release = latch()
      return { reached: state.reached.promise, release: state.release.open }
    },
  }
}

type Setup = { name: string; reader: () => QueryCacheOptions; writerOnOtherInstance: boolean }

/** Registers the G1 suite on `provider`. */
export function describeNoStaleResurrection(provider: Provider): void {
  const fixture = useFixture({ provider })

  const SETUPS: Setup[] = [
    { name: 'memory tier, same instance', reader: () => ({}), writerOnOtherInstance: false },
    {
      name: 'redis tier, same instance',
      reader: () => ({ redis: fixture.connection(), namespace: fixture.namespace(), memory: false }),
      writerOnOtherInstance: false,
    },
    {
      name: 'both tiers, same instance',
      reader: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
      writerOnOtherInstance: false,
    },
    {
      name: 'redis tier, writer on another instance',
      reader: () => ({ redis: fixture.connection(), namespace: fixture.namespace(), memory: false }),
      writerOnOtherInstance: true,
    },
  ]

  describe.each(SETUPS)(`G1 [${provider}] ($name)`, ({ reader, writerOnOtherInstance }) => {
    function clients() {
      const pause = pausable()
      const options = reader()
      const misses: Array<() => void> = []
      const readerClient = cachedClient(fixture.db, {
        ...options,
        onEvent: (event) => {
          if (event.type === 'miss') for (const notify of misses.splice(0)) notify()
        },
        [INTERNAL_HOOKS]: pause.hooks,
      } as QueryCacheOptions)
      /** Resolves at the next miss, i.e. when a read has looked in every tier and is about to load or join. */
      const nextMiss = () => new Promise<void>((resolve) => misses.push(resolve))
      const writer = writerOnOtherInstance
        ? cachedClient(fixture.db, { ...options, redis: fixture.connection() }).prisma
        : readerClient.prisma
      return { prisma: readerClient.prisma, base: readerClient.base, writer, pause, nextMiss }
    }

    it('a load that read before a write is not readable after the write', async () => {
      const { prisma, writer, pause } = clients()
      const user = await prisma.user.create({ data: { email: 'g1@x.io', name: 'old' } })
      const read = () =>
        prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()

      const paused = pause.arm('beforeStore')
      const racing = read() // reads 'old' from the database, then waits before storing
      await paused.reached
      await writer.user.update({ where: { id: user.id }, data: { name: 'new' } })
      paused.release()
      expect((await racing).data?.name).toBe('old') // it began before the write finished: allowed

      const after = await read()
      expect(after.data?.name).toBe('new')
      expect((await read()).data?.name).toBe('new')
      await prisma.$cache.close()
      await writer.$cache.close()
    })

    it('a caller arriving after the write never joins the load that read before it', async () => {
      const { prisma, writer, pause, nextMiss } = clients()
      const user = await prisma.user.create({ data: { email: 'join@x.io', name: 'old' } })
      // Prisma promises are lazy: then() starts the query.
      const read = () =>
        prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).then((row) => row)

      const paused = pause.arm('beforeStore')
      const racing = read()
      await paused.reached
      await writer.user.update({ where: { id: user.id }, data: { name: 'new' } })
      const lateMissed = nextMiss()
      const late = read() // begins after the write finished
      await lateMissed // it has decided whether to join the paused load
      paused.release()
      await racing
      // Also with the writer elsewhere: the late read saw the new versions in Redis before deciding.
      expect((await late)?.name).toBe('new')
      expect((await read())?.name).toBe('new')
      await prisma.$cache.close()
      await writer.$cache.close()
    })

    it('a write between version capture and the database read leaves a correct cache', async () => {
      const { prisma, writer, pause } = clients()
      const user = await prisma.user.create({ data: { email: 'cap@x.io', name: 'old' } })
      // Prisma promises are lazy: then() starts the query.
      const read = () =>
        prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).then((row) => row)

      const paused = pause.arm('afterCapture')
      const racing = read()
      await paused.reached
      await writer.user.update({ where: { id: user.id }, data: { name: 'new' } })
      paused.release()
      expect((await racing)?.name).toBe('new')
      expect((await read())?.name).toBe('new')
      await prisma.$cache.close()
      await writer.$cache.close()
    })

    it('an invalidation through the API during a load also wins', async () => {
      const { prisma, base, writer, pause } = clients()
      const user = await prisma.user.create({ data: { email: 'api@x.io', name: 'old' } })
      const read = () =>
        prisma.user
          .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600, tags: ['u'] } })
          .withCacheInfo()

      const paused = pause.arm('beforeStore')
      const racing = read()
      await paused.reached
      await base.user.update({ where: { id: user.id }, data: { name: 'new' } }) // behind the cache's back
      await writer.$cache.invalidate({ tags: ['u'] })
      paused.release()
      await racing
      const after = await read()
      expect(after.info.status).toBe('miss')
      expect(after.data?.name).toBe('new')
      await prisma.$cache.close()
      await writer.$cache.close()
    })
  })
}
