import { describe, expect, it } from 'vitest'
import { TimeRing } from '../../../src/dashboard/ring.ts'

describe('time ring', () => {
  it('keeps one value per bucket and reuses a slot when its time comes round again', () => {
    const created: number[] = []
    const ring = new TimeRing(3, 1_000, (start) => {
      created.push(start)
      return { start, count: 0 }
    })
    ring.at(10_100).count++
    ring.at(10_900).count++
    ring.at(11_000).count++
    expect(ring.at(10_500).count).toBe(2)
    // 13_000 takes the slot of 10_000: the old bucket is gone, not added to.
    expect(ring.at(13_200).count).toBe(0)
    expect(created).toEqual([10_000, 11_000, 13_000])
    expect(ring.window(13_200).map(({ start, value }) => [start, value?.count])).toEqual([
      [11_000, 1],
      [12_000, undefined],
      [13_000, 0],
    ])
  })

  it('never holds more than its size, whatever the time span', () => {
    let made = 0
    const ring = new TimeRing(5, 100, () => ({ id: made++ }))
    for (let t = 0; t < 100_000; t += 37) ring.at(t)
    const live = ring.window(100_000).filter(({ value }) => value !== undefined)
    expect(ring.size).toBe(5)
    expect(live.length).toBeLessThanOrEqual(5)
    expect(ring.window(100_000)).toHaveLength(5)
  })

  it('refuses a size or bucket that cannot work', () => {
    expect(() => new TimeRing(0, 1_000, () => 0)).toThrow(/size/)
    expect(() => new TimeRing(2, 0, () => 0)).toThrow(/bucketMs/)
  })
})
