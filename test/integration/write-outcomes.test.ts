import { PrismaPg } from '@prisma/adapter-pg'
import { describe, expect, it } from 'vitest'
import { PrismaClient } from '../../generated/prisma/client.ts'
import { type CacheEvent, queryCache } from '../../src/index.ts'
import { cachedClient, useFixture } from './helpers.ts'

// What a write moves when it fails, and how much a write with many rows may move: found by a review of row
// precision, each shown by a test that failed before the fix.

const fixture = useFixture()
const TTL = { ttl: 3600 } as const

/** An adapter whose next statement matching `armed` runs in the database, then reports a reset connection (P1017). */
function lossyAdapter(url: string, schema: string) {
  const state: { armed: RegExp | undefined } = { armed: undefined }
  const factory = new PrismaPg({ connectionString: url, max: 2 }, { schema })
  const wrap = (queryable: object): object =>
    new Proxy(queryable, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (property === 'queryRaw' || property === 'executeRaw') {
          return async (query: { sql: string }) => {
            const result = await (value as (query: unknown) => Promise<unknown>).call(target, query)
            if (state.armed?.test(query.sql)) {
              state.armed = undefined
              throw Object.assign(new Error('Connection closed'), {
                name: 'DriverAdapterError',
                cause: { kind: 'ConnectionClosed' },
              })
            }
            return result
          }
        }
        if (property === 'startTransaction')
          return async (...args: unknown[]) =>
            wrap(await (value as (...a: unknown[]) => Promise<object>).apply(target, args))
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  const adapter = new Proxy(factory, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      if (property === 'connect') return async () => wrap(await (value as () => Promise<object>).call(target))
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { adapter, state }
}

describe('a write that failed', () => {
  it('inside an interactive transaction that then commits, still invalidates the rows it may have changed', async () => {
    const { prisma, base } = cachedClient(fixture.db, {})
    expect(await prisma.user.findUnique({ where: { email: 'ghost@x.io' }, cacheStrategy: TTL })).toBeNull()
    await prisma.$transaction(async (tx) => {
      // No savepoint: the user row stays in the transaction although the nested connect fails.
      const error = await tx.user
        .create({ data: { email: 'ghost@x.io', posts: { connect: [{ id: 999_999 }] } } })
        .then(
          () => undefined,
          (e: { code?: string }) => e,
        )
      expect(error?.code).toMatch(/^P20(25|18)$/)
    })
    const fromDb = await base.user.findUnique({ where: { email: 'ghost@x.io' } })
    expect(fromDb).not.toBeNull()
    expect(await prisma.user.findUnique({ where: { email: 'ghost@x.io' }, cacheStrategy: TTL })).toEqual(
      fromDb,
    )
    await prisma.$cache.close()
  })

  it('with its reply lost after it committed (P1017), invalidates the rows it may have changed', async () => {
    const { adapter, state } = lossyAdapter(fixture.db.url, fixture.db.schema)
    const base = new PrismaClient({ adapter: adapter as unknown as PrismaPg, errorFormat: 'minimal' })
    const prisma = base.$extends(queryCache({}))
    try {
      const user = await base.user.create({ data: { email: 'lost@x.io', name: 'old' } })
      const read = () =>
        prisma.user.findUnique({ where: { id: user.id }, select: { name: true }, cacheStrategy: TTL })
      expect(await read()).toEqual({ name: 'old' })
      state.armed = /^UPDATE/
      const error = await prisma.user.update({ where: { id: user.id }, data: { name: 'new' } }).then(
        () => undefined,
        (e: { code?: string }) => e,
      )
      expect(error?.code).toBe('P1017')
      expect(await base.user.findUnique({ where: { id: user.id }, select: { name: true } })).toEqual({
        name: 'new',
      })
      expect(await read()).toEqual({ name: 'new' })
    } finally {
      await prisma.$cache.close()
      await base.$disconnect()
    }
  })
})

describe('a write of many rows', () => {
  it('moves a bounded number of dependencies: past the bound it invalidates the model instead of each row', async () => {
    const events: CacheEvent[] = []
    const { prisma, base } = cachedClient(fixture.db, { onEvent: (event) => events.push(event) })
    const count = () => prisma.user.count({ cacheStrategy: TTL })
    const one = () => prisma.user.findUnique({ where: { email: 'bulk7@x.io' }, cacheStrategy: TTL })
    expect(await count()).toBe(0)
    expect(await one()).toBeNull()
    const rows = Array.from({ length: 2_000 }, (_, i) => ({ email: `bulk${i}@x.io`, name: `n${i}` }))
    expect(await prisma.user.createMany({ data: rows })).toEqual({ count: 2_000 })
    const moved = events.findLast(
      (e): e is Extract<CacheEvent, { type: 'invalidate' }> => e.type === 'invalidate',
    )
    expect(moved?.dependencies.length).toBeLessThan(200)
    expect(moved).toMatchObject({ precision: 'model', reasons: ['many rows'] })
    expect(await count()).toBe(2_000)
    expect(await one()).toEqual(await base.user.findUnique({ where: { email: 'bulk7@x.io' } }))
    await prisma.$cache.close()
  })
})
