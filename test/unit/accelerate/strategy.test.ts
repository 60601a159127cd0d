import { describe, expect, it } from 'vitest'
import { signatureOf } from '../../../src/accelerate/info.ts'
import { accelerateReading } from '../../../src/accelerate/strategy.ts'
import { resolveOptions } from '../../../src/config/options.ts'
import { parseStrategy } from '../../../src/config/strategy.ts'

const { regions } = resolveOptions({ regions: { default: { ttl: 60, swr: 30 }, hot: { ttl: 5 } } })
const read = (value: unknown) => accelerateReading(parseStrategy(value, regions, 'User.findMany'))

describe('accelerateReading: cacheStrategy read as Accelerate read it', () => {
  it('fills the missing one of ttl and swr with 0, not with the region', () => {
    expect(read({ ttl: 60 })).toEqual({ ttlMs: 60_000, swrMs: 0, tags: [], refresh: false })
    expect(read({ swr: 60, tags: ['t'] })).toEqual({ ttlMs: 0, swrMs: 60_000, tags: ['t'], refresh: false })
    expect(read({ ttl: 1, swr: 2, refresh: true })).toEqual({
      ttlMs: 1000,
      swrMs: 2000,
      tags: [],
      refresh: true,
    })
  })

  it('does not cache a strategy with neither ttl nor swr', () => {
    expect(read({})).toBe(false)
    expect(read({ tags: ['emails_with_alice'] })).toBe(false)
    expect(read({ refresh: true })).toBe(false)
  })

  it("leaves a strategy that names a region, false and none to queryCache()'s reading", () => {
    expect(read({ region: 'hot', tags: ['t'] })).toEqual({ region: 'hot', tags: ['t'], refresh: false })
    expect(read({ region: 'hot', ttl: 1 })).toEqual({ region: 'hot', ttlMs: 1000, tags: [], refresh: false })
    expect(read(undefined)).toBeUndefined()
    expect(read(false)).toBe(false)
  })
})

describe('signatureOf', () => {
  it('is stable for the same query whatever the strategy, and differs for another model, operation or argument', () => {
    const base = signatureOf('User', 'findMany', { where: { id: 1 } })
    expect(base).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(signatureOf('User', 'findMany', { where: { id: 1 }, cacheStrategy: { ttl: 5 } })).toBe(base)
    const others = [
      signatureOf('Post', 'findMany', { where: { id: 1 } }),
      signatureOf('User', 'findFirst', { where: { id: 1 } }),
      signatureOf('User', 'findMany', { where: { id: 2 } }),
      signatureOf('User', 'findMany', { where: { id: 1n } }),
      signatureOf('User', 'findMany', undefined),
    ]
    expect(new Set([base, ...others]).size).toBe(6)
    expect(signatureOf('User', 'findMany', undefined)).toBe(signatureOf('User', 'findMany', {}))
  })

  it("is 'unspecified' for arguments that cannot be canonicalized", () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(signatureOf('User', 'findMany', { where: cyclic })).toBe('unspecified')
  })
})
