import { describe, expect, it } from 'vitest'
import { type MemoryEntry, MemoryTier } from '../../src/storage/memory-tier.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { entryOf, tierContract } from './tier-contract.ts'

tierContract('MemoryTier', {
  create() {
    const clock = new ManualClock()
    const driver = new MemoryTier({ maxEntries: 10_000, maxBytes: 1024 ** 3, clock: clock.read })
    return { driver, keyPrefix: '', elapse: (ms) => clock.advance(ms) }
  },
  shortTtlMs: 1_000,
})

/** A memory entry of `size` bytes. */
function sized(value: unknown, size: number): MemoryEntry {
  return { ...entryOf(value), size, epoch: 0, validatedAt: 0 }
}

describe('MemoryTier, beyond the contract', () => {
  const clock = new ManualClock()
  const tier = (maxEntries = 100, maxBytes = 1_000) =>
    new MemoryTier({ maxEntries, maxBytes, clock: clock.read })

  it('keeps an entry exactly ttlMs on its clock, never on real time', () => {
    const memory = tier()
    memory.set('k', entryOf('v'), 1_000)
    clock.advance(1_000)
    expect(memory.get('k')?.value).toBe('v')
    clock.advance(1)
    expect(memory.get('k')).toBeUndefined()
  })

  it('keeps an entry with an infinite ttl until the bounds evict it', () => {
    const memory = tier(2)
    memory.set('forever', entryOf('v'), Number.POSITIVE_INFINITY)
    clock.advance(10 * 365 * 86_400_000)
    expect(memory.get('forever')?.value).toBe('v')
    memory.set('b', entryOf('b'), Number.POSITIVE_INFINITY)
    memory.set('c', entryOf('c'), Number.POSITIVE_INFINITY)
    expect(memory.get('forever')).toBeUndefined()
  })

  it('hands out the entry it was given: copying is the reader’s job', () => {
    const memory = tier()
    const entry = entryOf({ rows: [] })
    memory.set('k', entry, 1_000)
    expect(memory.get('k')?.value).toBe(entry.value)
  })

  it('is bounded by entries (G8): the least recently used goes first', () => {
    const memory = tier(3)
    for (const key of ['a', 'b', 'c']) memory.set(key, entryOf(key), 60_000)
    memory.get('a')
    memory.set('d', entryOf('d'), 60_000)
    expect(memory.size).toBe(3)
    expect(memory.get('b')).toBeUndefined()
    expect(['a', 'c', 'd'].map((key) => memory.get(key)?.value)).toEqual(['a', 'c', 'd'])
  })

  it('is bounded by bytes (G8), and does not keep an entry larger than the whole budget', () => {
    const memory = tier(100, 1_000)
    memory.set('a', sized('a', 400), 60_000)
    memory.set('b', sized('b', 400), 60_000)
    expect(memory.bytes).toBe(800)
    memory.set('c', sized('c', 400), 60_000)
    expect(memory.get('a')).toBeUndefined()
    expect(memory.bytes).toBe(800)
    memory.set('huge', sized('huge', 1_001), 60_000)
    expect(memory.get('huge')).toBeUndefined()
    expect(memory.get('b')?.value).toBe('b')
    expect(memory.get('c')?.value).toBe('c')
  })
})
