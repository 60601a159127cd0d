import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  entryLifetime,
  type Freshness,
  type FreshnessWindows,
  judgeFreshness,
} from '../../../src/read/freshness.ts'

/** ttl 1 s, swr 0.5 s, staleIfError 2 s: the bounds are 1000, 1500 and 3500 ms. */
const ALL: FreshnessWindows = { ttlMs: 1000, swrMs: 500, staleIfErrorMs: 2000 }
const NO_SWR: FreshnessWindows = { ttlMs: 1000, swrMs: 0, staleIfErrorMs: 2000 }
const NO_FALLBACK: FreshnessWindows = { ttlMs: 1000, swrMs: 500, staleIfErrorMs: 0 }
const TTL_ONLY: FreshnessWindows = { ttlMs: 1000, swrMs: 0, staleIfErrorMs: 0 }
const ZERO: FreshnessWindows = { ttlMs: 0, swrMs: 0, staleIfErrorMs: 0 }
const ZERO_TTL: FreshnessWindows = { ttlMs: 0, swrMs: 500, staleIfErrorMs: 0 }

describe('judgeFreshness', () => {
  it.each<[string, number, FreshnessWindows, Freshness]>([
    ['just loaded', 0, ALL, 'fresh'],
    ['within ttl', 999, ALL, 'fresh'],
    ['exactly at ttl', 1000, ALL, 'fresh'],
    ['just past ttl, within swr', 1001, ALL, 'stale'],
    ['exactly at ttl + swr', 1500, ALL, 'stale'],
    ['just past ttl + swr, within staleIfError', 1501, ALL, 'fallback'],
    ['exactly at ttl + swr + staleIfError', 3500, ALL, 'fallback'],
    ['just past ttl + swr + staleIfError', 3501, ALL, 'expired'],
    ['long past every window', 1e12, ALL, 'expired'],
    ['swr 0: exactly at ttl', 1000, NO_SWR, 'fresh'],
    ['swr 0: just past ttl goes straight to the fallback', 1001, NO_SWR, 'fallback'],
    ['swr 0: exactly at ttl + staleIfError', 3000, NO_SWR, 'fallback'],
    ['swr 0: just past ttl + staleIfError', 3001, NO_SWR, 'expired'],
    ['staleIfError 0: exactly at ttl + swr', 1500, NO_FALLBACK, 'stale'],
    ['staleIfError 0: just past ttl + swr', 1501, NO_FALLBACK, 'expired'],
    ['ttl only: exactly at ttl', 1000, TTL_ONLY, 'fresh'],
    ['ttl only: just past ttl', 1001, TTL_ONLY, 'expired'],
    ['every window 0: age 0', 0, ZERO, 'fresh'],
    ['every window 0: 1 ms old', 1, ZERO, 'expired'],
    ['ttl 0 with swr: age 0', 0, ZERO_TTL, 'fresh'],
    ['ttl 0 with swr: 1 ms old', 1, ZERO_TTL, 'stale'],
    ['ttl 0 with swr: just past swr', 501, ZERO_TTL, 'expired'],
  ])('not soft, %s: age %d in %j → %s', (_, age, windows, expected) => {
    expect(judgeFreshness(age, false, windows)).toBe(expected)
  })

  it.each<[string, number, FreshnessWindows, Freshness]>([
    ['just loaded', 0, ALL, 'stale'],
    ['within ttl', 999, ALL, 'stale'],
    ['exactly at ttl', 1000, ALL, 'stale'],
    ['past ttl, within swr (as if not soft)', 1001, ALL, 'stale'],
    ['exactly at ttl + swr', 1500, ALL, 'stale'],
    ['just past ttl + swr: soft does not extend its life', 1501, ALL, 'fallback'],
    ['exactly at ttl + swr + staleIfError', 3500, ALL, 'fallback'],
    ['just past ttl + swr + staleIfError', 3501, ALL, 'expired'],
    ['swr 0: within ttl', 500, NO_SWR, 'stale'],
    ['swr 0: exactly at ttl', 1000, NO_SWR, 'stale'],
    ['swr 0: just past ttl', 1001, NO_SWR, 'fallback'],
    ['ttl only: exactly at ttl', 1000, TTL_ONLY, 'stale'],
    ['ttl only: just past ttl', 1001, TTL_ONLY, 'expired'],
    ['every window 0: age 0', 0, ZERO, 'stale'],
    ['every window 0: 1 ms old', 1, ZERO, 'expired'],
  ])('soft, %s: age %d in %j → %s', (_, age, windows, expected) => {
    expect(judgeFreshness(age, true, windows)).toBe(expected)
  })

  it('never calls a soft-invalidated entry fresh, and otherwise judges it as it would an entry that is not soft', () => {
    const windows = fc.record({
      ttlMs: fc.nat(10_000),
      swrMs: fc.nat(10_000),
      staleIfErrorMs: fc.nat(10_000),
    })
    fc.assert(
      fc.property(fc.nat(40_000), windows, (age, w) => {
        const plain = judgeFreshness(age, false, w)
        const soft = judgeFreshness(age, true, w)
        expect(soft).toBe(plain === 'fresh' ? 'stale' : plain)
      }),
    )
  })
})

describe('entryLifetime', () => {
  it.each<[string, FreshnessWindows, number]>([
    ['every window', ALL, 3500],
    ['no swr', NO_SWR, 3000],
    ['no staleIfError', NO_FALLBACK, 1500],
    ['ttl only', TTL_ONLY, 1000],
    ['every window 0', ZERO, 0],
  ])('%s: %j → %d ms', (_, windows, expected) => {
    expect(entryLifetime(windows)).toBe(expected)
  })

  it('is exactly the age past which every entry is expired, soft or not', () => {
    const windows = fc.record({
      ttlMs: fc.nat(10_000),
      swrMs: fc.nat(10_000),
      staleIfErrorMs: fc.nat(10_000),
    })
    fc.assert(
      fc.property(fc.nat(40_000), fc.boolean(), windows, (age, soft, w) => {
        expect(judgeFreshness(age, soft, w) === 'expired').toBe(age > entryLifetime(w))
      }),
    )
  })
})
