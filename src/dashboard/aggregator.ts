import { TUNABLES } from '../config/defaults.ts'
import type { CacheEvent } from '../types.ts'
import { record } from './histogram.ts'
import { redactReason } from './redact.ts'
import { TimeRing } from './ring.ts'
import {
  type Bucket,
  emptyBucket,
  entryOf,
  type Gauges,
  type InstanceSnapshot,
  type MissRecord,
  noReads,
} from './snapshot.ts'
import { hashOfKey, TopKeys } from './top-keys.ts'

/** The bounds of an {@link Aggregator}; see `TUNABLES.dashboard`. */
export type AggregatorLimits = {
  readonly [K in
    | 'bucketMs'
    | 'windowBuckets'
    | 'maxSeries'
    | 'trackedKeys'
    | 'hotKeys'
    | 'recentMisses']: number
}

/** Series name of the reads of region/model pairs past `maxSeries`. */
export const OTHER_SERIES = 'other'

/** What a snapshot says about the instance besides its figures. */
export interface SnapshotMeta {
  instance: string
  namespace: string
  memory: { maxEntries: number; maxBytes: number } | null
}

/**
 * An instance's figures, from its cache events: reads by region/model, read latency by tier, invalidations by
 * cause and misses by reason kind per time bucket, gauges sampled once per bucket, the most read keys and the
 * recent misses. Everything is held in fixed-size structures (see {@link AggregatorLimits}); each event costs a
 * few map updates. Keys are shown by their hash only, miss reasons without values.
 */
export class Aggregator {
  readonly #clock: () => number
  readonly #limits: AggregatorLimits
  readonly #ring: TimeRing<Bucket>
  readonly #series = new Set<string>()
  readonly #keys: TopKeys
  readonly #misses: (MissRecord | undefined)[]
  #nextMiss = 0
  /** Bad states reported by events since the last sample: a breaker open for less than a bucket still shows. */
  #since: { bus?: 'down'; breaker?: 'open' } = {}

  /** `clock`: milliseconds, wall time (buckets of instances are aligned by it). */
  constructor(clock: () => number, limits: AggregatorLimits = TUNABLES.dashboard) {
    this.#clock = clock
    this.#limits = limits
    this.#ring = new TimeRing(limits.windowBuckets, limits.bucketMs, emptyBucket)
    this.#keys = new TopKeys(limits.trackedKeys)
    this.#misses = new Array(limits.recentMisses).fill(undefined)
  }

  #bucket(now: number): Bucket {
    return this.#ring.at(now)
  }

  #seriesOf(region: string, model: string): string {
    const name = `${region}/${model}`
    if (this.#series.has(name)) return name
    if (this.#series.size >= this.#limits.maxSeries) return OTHER_SERIES
    this.#series.add(name)
    return name
  }

  /** Counts one cache event (a `$cache.subscribe()` listener). */
  observe(event: CacheEvent): void {
    switch (event.type) {
      case 'read': {
        const now = this.#clock()
        const bucket = this.#bucket(now)
        const series = this.#seriesOf(event.region, event.model)
        const counts = entryOf(bucket.reads, series, noReads)
        if (event.status === 'hit') counts.hits++
        else if (event.status === 'stale') counts.stale++
        else if (event.status === 'miss') counts.misses++
        const tier = event.status === 'miss' ? 'database' : (event.tier ?? 'database')
        record(
          entryOf(bucket.latency, tier, () => ({})),
          event.duration,
        )
        const hit = event.status === 'hit' || event.status === 'stale'
        this.#keys.record(event.key, event.region, event.model, event.operation, hit)
        if (event.status === 'miss') this.#miss(bucket, now, event)
        return
      }
      case 'invalidate': {
        const bucket = this.#bucket(this.#clock())
        bucket.invalidations[event.cause] = (bucket.invalidations[event.cause] ?? 0) + 1
        return
      }
      case 'error':
        this.#bucket(this.#clock()).errors++
        return
      case 'bus':
        if (event.state === 'down') this.#since.bus = 'down'
        return
      case 'breaker':
        if (event.state === 'open') this.#since.breaker = 'open'
        return
      default:
    }
  }

  #miss(bucket: Bucket, at: number, event: Extract<CacheEvent, { type: 'read' }>): void {
    const kind = event.reason?.kind ?? 'unknown'
    bucket.missReasons[kind] = (bucket.missReasons[kind] ?? 0) + 1
    if (event.reason === undefined) return
    this.#misses[this.#nextMiss] = {
      at,
      region: event.region,
      model: event.model,
      operation: event.operation,
      hash: hashOfKey(event.key),
      reason: redactReason(event.reason),
    }
    this.#nextMiss = (this.#nextMiss + 1) % this.#misses.length
  }

  /**
   * Records the gauges of the current bucket (the last sample of a bucket wins), with the bus down or the breaker
   * open if an event said so since the previous sample.
   */
  sample(gauges: Gauges): void {
    this.#bucket(this.#clock()).gauges = { ...gauges, ...this.#since }
    this.#since = {}
  }

  /** The figures over the window, as plain data (copies). */
  snapshot(meta: SnapshotMeta): InstanceSnapshot {
    const now = this.#clock()
    const buckets: Bucket[] = []
    for (const { value } of this.#ring.window(now))
      if (value !== undefined) buckets.push(structuredClone(value))
    const misses: MissRecord[] = []
    for (let i = 1; i <= this.#misses.length; i++) {
      const miss = this.#misses[(this.#nextMiss - i + this.#misses.length) % this.#misses.length]
      if (miss !== undefined) misses.push(structuredClone(miss))
    }
    return {
      ...meta,
      at: now,
      bucketMs: this.#limits.bucketMs,
      buckets,
      hotKeys: this.#keys.top(this.#limits.hotKeys),
      misses,
    }
  }
}
