/**
 * Scoped keys on one provider (run per provider by `scope*.test.ts`): a caller scope (a tenant) in every key,
 * so two tenants never share an entry.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { describe, expect, it } from 'vitest'
import { ScopeError } from '../../../src/index.ts'
import type { Provider } from '../../setup/providers.ts'
import { cachedClient, countDuring, type Fixture, useFixture } from '../helpers.ts'

const tenants = new AsyncLocalStorage<{ tenant: string }>()
const asTenant = <T>(tenant: string, fn: () => Promise<T>) => tenants.run({ tenant }, fn)

/** Registers the scope suite on `provider`; returns the file's fixture, for provider-specific tests beside it. */
export function describeScopes(provider: Provider): Fixture {
  const fixture = useFixture({ provider })

  describe.each([
    { name: 'memory only', redis: false },
    { name: 'memory + redis', redis: true },
  ])(`scoped keys [${provider}] ($name)`, ({ redis }) => {
    const setup = (extra: { requireScope?: boolean } = {}) =>
      cachedClient(fixture.db, {
        ...(redis ? { redis: fixture.connection(), namespace: fixture.namespace() } : {}),
        scope: () => tenants.getStore()?.tenant,
        ...extra,
      })

    it('two scopes never share an entry', async () => {
      const { prisma, base } = setup()
      await base.user.create({ data: { email: 'a@x.io', name: 'before' } })
      const read = () => prisma.user.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo()
      const a = await asTenant('a', read)
      await base.user.updateMany({ data: { name: 'after' } }) // behind the cache's back
      const b = await asTenant('b', read)
      expect(b.info.status).toBe('miss')
      expect(b.data[0]?.name).toBe('after')
      expect(b.info.key).not.toBe(a.info.key)
      const aAgain = await asTenant('a', read)
      expect(aAgain.info.status).toBe('hit')
      expect(aAgain.data[0]?.name).toBe('before')
      await prisma.$cache.close()
    })

    it('invalidation by a write, a model or a tag reaches every scope', async () => {
      const { prisma } = setup()
      const user = await asTenant('a', () => prisma.user.create({ data: { email: 'w@x.io', name: 'one' } }))
      const read = () =>
        prisma.user.findMany({ cacheStrategy: { ttl: 3600, tags: ['users'] } }).withCacheInfo()
      await asTenant('a', read)
      await asTenant('b', read)
      await asTenant('a', () => prisma.user.update({ where: { id: user.id }, data: { name: 'two' } }))
      expect((await asTenant('b', read)).data[0]?.name).toBe('two')
      expect((await asTenant('a', read)).data[0]?.name).toBe('two')
      await asTenant('a', () => prisma.$cache.invalidate({ tags: ['users'] }))
      expect((await asTenant('b', read)).info.status).toBe('miss')
      await prisma.$cache.invalidate({ models: ['User'] })
      expect((await asTenant('a', read)).info.status).toBe('miss')
      await prisma.$cache.close()
    })

    it('a cached read without a scope is refused with a ScopeError, before any database call', async () => {
      const { prisma, statements } = setup()
      const used = await countDuring(statements, async () => {
        await expect(prisma.user.findMany({ cacheStrategy: { ttl: 60 } })).rejects.toBeInstanceOf(ScopeError)
        await expect(
          asTenant('', () => prisma.user.findMany({ cacheStrategy: { ttl: 60 } })),
        ).rejects.toMatchObject({
          code: 'E_SCOPE_MISSING',
        })
      })
      expect(used).toBe(0)
      // Uncached reads and writes need no scope.
      expect(await prisma.user.findMany()).toEqual([])
      await prisma.$cache.close()
    })

    it('a throwing scope function refuses the read; requireScope false shares the unscoped cache', async () => {
      const throwing = cachedClient(fixture.db, {
        scope: () => {
          throw new Error('no request context')
        },
      }).prisma
      await expect(throwing.user.findMany({ cacheStrategy: { ttl: 60 } })).rejects.toThrow(
        /scope function threw/,
      )
      const { prisma } = setup({ requireScope: false })
      await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
      expect((await prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()).info.status).toBe(
        'hit',
      )
      expect(
        (await asTenant('a', () => prisma.user.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo())).info
          .status,
      ).toBe('miss')
      await prisma.$cache.close()
    })
  })

  return fixture
}
