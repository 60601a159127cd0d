import { describe, expect, it } from 'vitest'
import { Aggregator, OTHER_SERIES } from '../../../src/dashboard/aggregator.ts'
import { mergeSnapshots } from '../../../src/dashboard/snapshot.ts'
import { viewOf } from '../../../src/dashboard/view.ts'
import type { CacheEvent, MissReason } from '../../../src/types.ts'
import { ManualClock } from '../../support/manual-clock.ts'

const LIMITS = {
  bucketMs: 1_000,
  windowBuckets: 5,
  maxSeries: 2,
  trackedKeys: 16,
  hotKeys: 3,
  recentMisses: 4,
}
const META = { instance: 'a', namespace: 'ns', memory: { maxEntries: 100, maxBytes: 1_000 } }
const HASH = 'Q2FjaGVLZXlIYXNoMTIzNA'

function read(
  status: 'hit' | 'stale' | 'miss',
  duration: number,
  more: { model?: string; region?: string; reason?: MissReason; hash?: string } = {},
): CacheEvent {
  const { model = 'User', region = 'default', hash = HASH, reason } = more
  return {
    type: 'read',
    key: `ns:${region}:${model}:findUnique:${hash}`,
    region,
    model,
    operation: 'findUnique',
    status,
    duration,
    ...(status === 'miss' ? {} : { tier: duration < 1 ? ('memory' as const) : ('redis' as const) }),
    ...(reason !== undefined ? { reason } : {}),
  }
}

const gauges = { entries: 10, bytes: 200, pending: 0, bus: 'up', breaker: 'closed' } as const

describe('dashboard aggregation', () => {
  it('charts hit ratio per region/model, latency per tier and invalidations per second by cause, per bucket', () => {
    const clock = new ManualClock()
    const aggregator = new Aggregator(clock.read, LIMITS)
    aggregator.observe(read('miss', 20, { reason: { kind: 'absent' } }))
    aggregator.observe(read('hit', 0.01))
    aggregator.observe(read('hit', 0.01))
    aggregator.observe(read('stale', 2))
    aggregator.observe({ type: 'invalidate', dependencies: ['User'], mode: 'hard', cause: 'write' })
    aggregator.sample(gauges)
    clock.advance(1_000)
    aggregator.observe(read('miss', 30, { model: 'Post', reason: { kind: 'refresh' } }))
    aggregator.observe({ type: 'invalidate', dependencies: ['#t'], mode: 'hard', cause: 'api' })
    aggregator.observe({ type: 'invalidate', dependencies: ['Post'], mode: 'hard', cause: 'bus' })
    aggregator.sample({ ...gauges, entries: 50, bus: 'down' })

    const view = viewOf(aggregator.snapshot(META), LIMITS.windowBuckets)
    expect(view.times).toHaveLength(5)
    expect(view.hitRatio.find((l) => l.name === 'all')?.values.slice(-2)).toEqual([0.75, 0])
    expect(view.hitRatio.find((l) => l.name === 'default/User')?.values.slice(-2)).toEqual([0.75, null])
    expect(view.hitRatio.find((l) => l.name === 'default/Post')?.values.slice(-2)).toEqual([null, 0])
    const p50 = (tier: string) => view.latency.find((l) => l.name === `${tier} p50`)?.values.slice(-2)
    expect(p50('memory')?.[0]).toBeCloseTo(0.01, 2)
    expect(p50('redis')?.[0]).toBeGreaterThan(1.8)
    expect(p50('database')?.[1]).toBeGreaterThan(27)
    expect(view.invalidations.map((l) => [l.name, l.values.slice(-2)])).toEqual([
      ['write', [1, 0]],
      ['api', [0, 1]],
      ['raw-sql', [0, 0]],
      ['bus', [0, 1]],
    ])
    expect(view.memory.find((l) => l.name === 'entries')?.values.slice(-2)).toEqual([0.1, 0.5])
    expect(view.bus.slice(-2)).toEqual(['up', 'down'])
    expect(view.totals).toMatchObject({
      reads: 5,
      hits: 2,
      stale: 1,
      misses: 2,
      hitRatio: 0.6,
      invalidations: 3,
    })
    expect(view.missReasons).toEqual({ absent: 1, refresh: 1 })
    expect(view.misses.map((m) => [m.model, m.reason.kind])).toEqual([
      ['Post', 'refresh'],
      ['User', 'absent'],
    ])
    expect(view.hotKeys[0]).toEqual({
      region: 'default',
      model: 'User',
      operation: 'findUnique',
      hash: HASH,
      reads: 4,
      hits: 3,
    })
  })

  it('forgets what left the window and keeps every structure bounded', () => {
    const clock = new ManualClock()
    const aggregator = new Aggregator(clock.read, LIMITS)
    for (let i = 0; i < 2_000; i++) {
      const hash = `k${i}`.padEnd(22, 'x')
      aggregator.observe(read('miss', 5, { model: `M${i % 7}`, hash, reason: { kind: 'absent' } }))
      if (i % 100 === 0) clock.advance(1_000)
    }
    const snapshot = aggregator.snapshot(META)
    expect(snapshot.buckets.length).toBeLessThanOrEqual(LIMITS.windowBuckets)
    expect(snapshot.hotKeys).toHaveLength(LIMITS.hotKeys)
    expect(snapshot.misses).toHaveLength(LIMITS.recentMisses)
    const series = new Set(snapshot.buckets.flatMap((b) => Object.keys(b.reads)))
    expect(series).toEqual(new Set(['default/M0', 'default/M1', OTHER_SERIES]))
    clock.advance(LIMITS.windowBuckets * 1_000)
    expect(aggregator.snapshot(META).buckets).toEqual([])
  })

  it('shows a breaker that opened, or a bus that went down, between two samples', () => {
    const clock = new ManualClock()
    const aggregator = new Aggregator(clock.read, LIMITS)
    aggregator.observe({ type: 'breaker', state: 'open' })
    aggregator.observe({ type: 'breaker', state: 'closed' })
    aggregator.observe({ type: 'bus', state: 'down' })
    aggregator.observe({ type: 'bus', state: 'up' })
    aggregator.sample(gauges)
    clock.advance(1_000)
    aggregator.sample(gauges)
    const view = viewOf(aggregator.snapshot(META), LIMITS.windowBuckets)
    expect(view.breaker.slice(-2)).toEqual(['open', 'closed'])
    expect(view.bus.slice(-2)).toEqual(['down', 'up'])
  })

  it("merges instances into the cluster's figures: counts added, percentiles over all reads, gauges summed", () => {
    const clock = new ManualClock()
    const a = new Aggregator(clock.read, LIMITS)
    const b = new Aggregator(clock.read, LIMITS)
    for (let i = 0; i < 9; i++) a.observe(read('hit', 0.01))
    b.observe(read('miss', 50, { reason: { kind: 'absent' } }))
    a.sample(gauges)
    b.sample({ ...gauges, entries: 30, breaker: 'open' })
    const cluster = mergeSnapshots([a.snapshot(META), b.snapshot({ ...META, instance: 'b' })])
    const view = viewOf(cluster, LIMITS.windowBuckets)
    expect(view.instance).toBe('cluster')
    expect(view.totals).toMatchObject({ reads: 10, hits: 9, misses: 1, hitRatio: 0.9 })
    expect(view.current).toMatchObject({ entries: 40, breaker: 'open', bus: 'up', maxEntries: 200 })
    expect(view.hotKeys[0]?.reads).toBe(10)
    expect(view.misses).toHaveLength(1)
  })
})
