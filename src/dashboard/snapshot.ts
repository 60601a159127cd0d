import { type Histogram, mergeInto } from './histogram.ts'
import type { ShownReason } from './redact.ts'
import type { HotKey } from './top-keys.ts'

/** Reads of one region/model pair in one bucket. */
export interface ReadCounts {
  hits: number
  stale: number
  misses: number
}

/** What an instance reported at the end of a bucket. */
export interface Gauges {
  /** Memory tier entries and encoded bytes (0 without a memory tier). */
  entries: number
  bytes: number
  /** Invalidations an outage kept from Redis, being retried. */
  pending: number
  bus: 'up' | 'down' | 'none'
  breaker: 'open' | 'closed' | 'none'
}

/** One time bucket of an instance's figures. Every map is bounded (series, tiers, causes, reason kinds, bins). */
export interface Bucket {
  start: number
  /** By `<region>/<model>` (or `other`). */
  reads: Record<string, ReadCounts>
  /** Read durations by tier (`memory`, `redis`, `database` for misses). */
  latency: Record<string, Histogram>
  /** Invalidations by cause (`write`, `api`, `raw-sql`, `bus`). */
  invalidations: Record<string, number>
  /** Misses by reason kind. */
  missReasons: Record<string, number>
  errors: number
  gauges?: Gauges
}

/** A recent miss, as shown. */
export interface MissRecord {
  at: number
  region: string
  model: string
  operation: string
  hash: string
  reason: ShownReason
}

/** An instance's figures over the window: what it publishes to Redis and what the feed is computed from. */
export interface InstanceSnapshot {
  instance: string
  namespace: string
  /** When it was taken (ms, the dashboard's clock). */
  at: number
  bucketMs: number
  /** Memory tier bounds (summed over instances in the cluster's), or null without a memory tier. */
  memory: { maxEntries: number; maxBytes: number } | null
  /** The window's buckets that hold something, oldest first. */
  buckets: Bucket[]
  hotKeys: HotKey[]
  /** Newest first. */
  misses: MissRecord[]
}

/** The value of `map` under `key`, created first when missing. */
export function entryOf<T>(map: Record<string, T>, key: string, create: () => T): T {
  let value = map[key]
  if (value === undefined) {
    value = create()
    map[key] = value
  }
  return value
}

/** Read counts of nothing. */
export function noReads(): ReadCounts {
  return { hits: 0, stale: 0, misses: 0 }
}

/** An empty bucket starting at `start`. */
export function emptyBucket(start: number): Bucket {
  return { start, reads: {}, latency: {}, invalidations: {}, missReasons: {}, errors: 0 }
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [name, count] of Object.entries(from)) into[name] = (into[name] ?? 0) + count
}

function mergeGauges(a: Gauges | undefined, b: Gauges | undefined): Gauges | undefined {
  if (a === undefined || b === undefined) return a ?? b
  const worst = <S extends string>(x: S, y: S, bad: S, none: S): S =>
    x === bad || y === bad ? bad : x === none ? y : x
  return {
    entries: a.entries + b.entries,
    bytes: a.bytes + b.bytes,
    pending: a.pending + b.pending,
    bus: worst(a.bus, b.bus, 'down', 'none'),
    breaker: worst(a.breaker, b.breaker, 'open', 'none'),
  }
}

/** Adds bucket `from` into `into` (same start). */
export function mergeBucket(into: Bucket, from: Bucket): void {
  for (const [series, counts] of Object.entries(from.reads)) {
    const target = entryOf(into.reads, series, noReads)
    target.hits += counts.hits
    target.stale += counts.stale
    target.misses += counts.misses
  }
  for (const [tier, histogram] of Object.entries(from.latency))
    mergeInto(
      entryOf(into.latency, tier, () => ({})),
      histogram,
    )
  addCounts(into.invalidations, from.invalidations)
  addCounts(into.missReasons, from.missReasons)
  into.errors += from.errors
  const gauges = mergeGauges(into.gauges, from.gauges)
  if (gauges !== undefined) into.gauges = gauges
}

/**
 * The cluster's figures from its instances' snapshots: counts and histograms added bucket by bucket, gauges summed
 * (bus down or breaker open when any instance's is), hottest keys re-ranked, misses interleaved; as bounded as
 * one snapshot (`hotKeys` and `misses` keep the longest length of the inputs).
 */
export function mergeSnapshots(
  snapshots: readonly InstanceSnapshot[],
  instance = 'cluster',
): InstanceSnapshot {
  const first = snapshots[0]
  if (first === undefined) throw new RangeError('mergeSnapshots: no snapshot to merge')
  const bucketMs = first.bucketMs
  const buckets = new Map<number, Bucket>()
  const keys = new Map<string, (typeof first.hotKeys)[number]>()
  let maxEntries = 0
  let maxBytes = 0
  let withMemory = false
  for (const snapshot of snapshots) {
    for (const bucket of snapshot.buckets) {
      const index = Math.floor(bucket.start / bucketMs)
      let target = buckets.get(index)
      if (target === undefined) {
        target = emptyBucket(index * bucketMs)
        buckets.set(index, target)
      }
      mergeBucket(target, bucket)
    }
    for (const key of snapshot.hotKeys) {
      const id = `${key.region}\0${key.model}\0${key.operation}\0${key.hash}`
      const known = keys.get(id)
      if (known === undefined) keys.set(id, { ...key })
      else {
        known.reads += key.reads
        known.hits += key.hits
      }
    }
    if (snapshot.memory !== null) {
      withMemory = true
      maxEntries += snapshot.memory.maxEntries
      maxBytes += snapshot.memory.maxBytes
    }
  }
  const hotLength = Math.max(...snapshots.map((s) => s.hotKeys.length))
  const missLength = Math.max(...snapshots.map((s) => s.misses.length))
  return {
    instance,
    namespace: first.namespace,
    at: Math.max(...snapshots.map((s) => s.at)),
    bucketMs,
    memory: withMemory ? { maxEntries, maxBytes } : null,
    buckets: [...buckets.values()].sort((a, b) => a.start - b.start),
    hotKeys: [...keys.values()].sort((a, b) => b.reads - a.reads || b.hits - a.hits).slice(0, hotLength),
    misses: snapshots
      .flatMap((s) => s.misses)
      .sort((a, b) => b.at - a.at)
      .slice(0, missLength),
  }
}
