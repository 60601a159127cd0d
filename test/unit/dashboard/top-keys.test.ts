import { describe, expect, it } from 'vitest'
import { hashOfKey, TopKeys } from '../../../src/dashboard/top-keys.ts'

const key = (n: number) => `ns:default:User:findUnique:${`k${n}`.padEnd(22, 'x')}`

describe('hottest keys', () => {
  it('ranks keys by reads, then hits, and shows the hash only', () => {
    const top = new TopKeys(10)
    for (let i = 0; i < 5; i++) top.record(key(1), 'default', 'User', 'findUnique', i > 0)
    for (let i = 0; i < 8; i++) top.record(key(2), 'default', 'User', 'findUnique', i === 0)
    for (let i = 0; i < 5; i++) top.record(key(3), 'default', 'User', 'findUnique', false)
    expect(top.top(2)).toEqual([
      {
        region: 'default',
        model: 'User',
        operation: 'findUnique',
        hash: 'k2'.padEnd(22, 'x'),
        reads: 8,
        hits: 1,
      },
      {
        region: 'default',
        model: 'User',
        operation: 'findUnique',
        hash: 'k1'.padEnd(22, 'x'),
        reads: 5,
        hits: 4,
      },
    ])
  })

  it('counts at most `capacity` keys and keeps a key read more than 1/capacity of the time', () => {
    const top = new TopKeys(8)
    for (let i = 0; i < 10_000; i++) {
      top.record(key(i % 5 === 0 ? 0 : 1_000 + i), 'r', 'M', 'findMany', true)
      expect(top.size).toBeLessThanOrEqual(8)
    }
    const [first] = top.top(1)
    expect(first?.hash).toBe(hashOfKey(key(0)))
    expect(first?.reads).toBeGreaterThanOrEqual(2_000)
  })

  it('takes the trailing hash of a key and refuses anything else', () => {
    expect(hashOfKey('pqc:default:User:findMany:AbC-_0123456789abcdefg')).toBe('AbC-_0123456789abcdefg')
    expect(hashOfKey('pqc:default:User:findMany:alice@example.com')).toBe('?')
    expect(hashOfKey('no hash at all')).toBe('?')
  })

  it('never understates a key, counts every read once, and keeps its smallest count right (against a full count)', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    for (const population of [5, 40, 400]) {
      const top = new TopKeys(16)
      const exact = new Map<string, number>()
      for (let i = 0; i < 5_000; i++) {
        const k = key(Math.floor(population * random() ** 2))
        exact.set(k, (exact.get(k) ?? 0) + 1)
        top.record(k, 'r', 'M', 'findMany', false)
      }
      const listed = top.top(16)
      expect(listed.reduce((sum, k) => sum + k.reads, 0)).toBe(5_000)
      for (const k of listed) {
        const full = [...exact].find(([name]) => hashOfKey(name) === k.hash)
        expect(k.reads).toBeGreaterThanOrEqual(full?.[1] ?? Number.POSITIVE_INFINITY)
      }
      // Every key read more than 1/16 of the time is listed.
      for (const [name, reads] of exact)
        if (reads > 5_000 / 16) expect(listed.map((k) => k.hash)).toContain(hashOfKey(name))
    }
  })
})
