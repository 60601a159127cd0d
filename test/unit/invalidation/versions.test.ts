import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compareVersions,
  freshVersion,
  LocalVersions,
  nextVersion,
} from '../../../src/invalidation/versions.ts'

describe('version values', () => {
  it('fresh versions grow with the clock and fit a Redis 64-bit integer', () => {
    const earlier = freshVersion(1_700_000_000_000)
    const later = freshVersion(1_700_000_000_001)
    expect(compareVersions(later, earlier)).toBeGreaterThan(0)
    expect(BigInt(freshVersion(Date.now() + 100 * 365 * 86_400_000))).toBeLessThan(2n ** 63n)
  })

  it('compareVersions orders decimal strings numerically', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n }), fc.bigInt({ min: 0n, max: 2n ** 63n }), (a, b) => {
        expect(Math.sign(compareVersions(a.toString(), b.toString()))).toBe(a < b ? -1 : a > b ? 1 : 0)
      }),
    )
    expect(nextVersion('9999999999999999999')).toBe('10000000000000000000')
  })
})

describe('LocalVersions', () => {
  it('only ever moves forward when it learns, so a late reply cannot roll it back', () => {
    const versions = new LocalVersions(() => 0, 100)
    versions.learn(['User'], ['20'])
    versions.learn(['User'], ['10'])
    expect(versions.peek('User')).toBe('20')
    versions.learn(['User'], [null])
    expect(versions.peek('User')).toBe('20')
  })

  it('a held dependency matches nothing until released, and clear() keeps the hold', () => {
    const versions = new LocalVersions(() => 0, 100)
    versions.learn(['User', 'Post'], ['20', '30'])
    versions.hold(['User'])
    expect(versions.matches(['User', 'Post'], ['20', '30'])).toBe(false)
    expect(versions.matches(['Post'], ['30'])).toBe(true)
    expect(versions.anyHeld(['Post', 'User'])).toBe(true)
    versions.clear()
    versions.learn(['User'], ['20'])
    expect(versions.matches(['User'], ['20'])).toBe(false)
    versions.release(['User'])
    expect(versions.anyHeld(['User'])).toBe(false)
    expect(versions.matches(['User'], ['20'])).toBe(true)
  })

  it('bump gives an unknown dependency a fresh version and a known one its successor', () => {
    const versions = new LocalVersions(() => 1_700_000_000_000, 100)
    const [fresh] = versions.bump(['Tag'])
    expect(versions.bump(['Tag'])).toEqual([nextVersion(fresh as string)])
  })

  it('is bounded (G8): past its size it forgets the oldest, and a forgotten version never matches', () => {
    let now = 1_700_000_000_000
    const versions = new LocalVersions(() => now++, 3)
    const recorded = versions.current(['a', 'b', 'c'])
    expect(versions.matches(['a'], [recorded[0] as string])).toBe(true)
    versions.current(['d', 'e'])
    expect(versions.size).toBe(3)
    expect(versions.peek('a')).toBeUndefined()
    expect(versions.matches(['a'], [recorded[0] as string])).toBe(false)
    // Asked again, it comes back at a fresh value, not the one an old entry recorded.
    expect(versions.current(['a'])).not.toEqual([recorded[0]])
  })
})

describe('LocalVersions.confirmed: versions a memory-only entry may be stored under without asking Redis', () => {
  const make = () => new LocalVersions(() => 1_000, 100)

  it('are those learnt under the live bus epoch, every one of them, none held', () => {
    const versions = make()
    versions.learn(['A', 'B'], ['5', '7'], 3)
    expect(versions.confirmed(['A', 'B'], 3)).toEqual(['5', '7'])
    expect(versions.confirmed(['A', 'C'], 3)).toBeUndefined()
    versions.hold(['B'])
    expect(versions.confirmed(['A', 'B'], 3)).toBeUndefined()
    versions.release(['B'])
    expect(versions.confirmed(['A', 'B'], 3)).toEqual(['5', '7'])
  })

  it('never while the bus is down, nor after a new epoch began, nor for versions learnt without an epoch', () => {
    const versions = make()
    versions.learn(['A'], ['5'], 3)
    expect(versions.confirmed(['A'], -1)).toBeUndefined()
    expect(versions.confirmed(['A'], 4)).toBeUndefined()
    // A late reply to a request sent under the old epoch does not confirm under the new one.
    versions.learn(['A'], ['6'], 3)
    expect(versions.confirmed(['A'], 4)).toBeUndefined()
    versions.learn(['B'], ['1'])
    expect(versions.confirmed(['B'], 4)).toBeUndefined()
    versions.learn(['A'], ['6'], 4)
    expect(versions.confirmed(['A'], 4)).toEqual(['6'])
  })

  it('an older version heard under the live epoch confirms the newer one known (versions only move forward)', () => {
    const versions = make()
    versions.learn(['A'], ['9'], 2)
    versions.learn(['A'], ['8'], 3)
    expect(versions.confirmed(['A'], 3)).toEqual(['9'])
  })

  it('clear() and eviction forget confirmations with the versions', () => {
    const versions = new LocalVersions(() => 1_000, 2)
    versions.learn(['A', 'B'], ['1', '2'], 1)
    versions.learn(['C'], ['3'], 1)
    expect(versions.confirmed(['A'], 1)).toBeUndefined()
    expect(versions.confirmed(['B', 'C'], 1)).toEqual(['2', '3'])
    versions.clear()
    expect(versions.confirmed(['B'], 1)).toBeUndefined()
  })
})
