import { type Histogram, mergeInto, quantile } from './histogram.ts'
import { type Bucket, entryOf, type Gauges, type InstanceSnapshot, type MissRecord } from './snapshot.ts'
import type { HotKey } from './top-keys.ts'

/** Region/model lines drawn in the hit ratio chart besides the total. */
const MAX_CHARTED_SERIES = 6
/** Tiers in the order the latency chart lists them. */
const TIERS = ['memory', 'redis', 'database'] as const
/** Invalidation causes in the order the chart stacks them. */
const CAUSES = ['write', 'api', 'raw-sql', 'bus'] as const

/** A line of a chart: one value per bucket, null where there is nothing to show. */
export interface Line {
  name: string
  values: (number | null)[]
}

/** What the page draws: chart-ready series over the window and the tables. The feed's JSON. */
export interface DashboardView {
  instance: string
  namespace: string
  at: number
  bucketMs: number
  /** Bucket starts (ms), oldest first: the x axis of every chart. */
  times: number[]
  /** Hit ratio (0–1, stale counted as hits) of all reads (`all`) and of the most read region/model pairs. */
  hitRatio: Line[]
  /** p50 and p99 read latency (ms) per tier (`<tier> p50`, `<tier> p99`). */
  latency: Line[]
  /** Invalidations per second by cause. */
  invalidations: Line[]
  /** Memory tier fill (0–1) by entries and by bytes; empty without a memory tier. */
  memory: Line[]
  pending: Line
  /** Bus and breaker state per bucket (`up`/`down`/`open`/`closed`/`none`, null when not sampled). */
  bus: (Gauges['bus'] | null)[]
  breaker: (Gauges['breaker'] | null)[]
  /** Over the window. */
  totals: {
    reads: number
    hits: number
    stale: number
    misses: number
    hitRatio: number | null
    invalidations: number
    errors: number
    latency: Record<string, { p50: number | null; p99: number | null; reads: number }>
  }
  /** The last sample. */
  current: Gauges & { maxEntries: number | null; maxBytes: number | null }
  missReasons: Record<string, number>
  hotKeys: HotKey[]
  misses: MissRecord[]
}

function ratio(hits: number, reads: number): number | null {
  return reads === 0 ? null : hits / reads
}

/** Chart-ready figures of `snapshot` over `windowBuckets` buckets ending with the one holding `snapshot.at`. */
export function viewOf(snapshot: InstanceSnapshot, windowBuckets: number): DashboardView {
  const { bucketMs } = snapshot
  const last = Math.floor(snapshot.at / bucketMs)
  const times = Array.from({ length: windowBuckets }, (_, i) => (last - windowBuckets + 1 + i) * bucketMs)
  const byStart = new Map(snapshot.buckets.map((bucket) => [Math.floor(bucket.start / bucketMs), bucket]))
  const buckets: (Bucket | undefined)[] = times.map((time) => byStart.get(time / bucketMs))
  const each = <T>(f: (bucket: Bucket) => T): (T | null)[] =>
    buckets.map((bucket) => (bucket === undefined ? null : f(bucket)))

  const seriesReads = new Map<string, number>()
  const totals = { reads: 0, hits: 0, stale: 0, misses: 0, invalidations: 0, errors: 0 }
  const missReasons: Record<string, number> = {}
  const windowLatency: Record<string, Histogram> = {}
  let current: Gauges | undefined
  for (const bucket of buckets) {
    if (bucket === undefined) continue
    for (const [series, c] of Object.entries(bucket.reads)) {
      seriesReads.set(series, (seriesReads.get(series) ?? 0) + c.hits + c.stale + c.misses)
      totals.hits += c.hits
      totals.stale += c.stale
      totals.misses += c.misses
    }
    for (const count of Object.values(bucket.invalidations)) totals.invalidations += count
    for (const [kind, count] of Object.entries(bucket.missReasons))
      missReasons[kind] = (missReasons[kind] ?? 0) + count
    for (const [tier, histogram] of Object.entries(bucket.latency))
      mergeInto(
        entryOf(windowLatency, tier, () => ({})),
        histogram,
      )
    totals.errors += bucket.errors
    if (bucket.gauges !== undefined) current = bucket.gauges
  }
  totals.reads = totals.hits + totals.stale + totals.misses

  const charted = [...seriesReads].sort((a, b) => b[1] - a[1]).slice(0, MAX_CHARTED_SERIES)
  const readsOf = (bucket: Bucket, series?: string) => {
    let hits = 0
    let reads = 0
    for (const [name, c] of Object.entries(bucket.reads)) {
      if (series !== undefined && name !== series) continue
      hits += c.hits + c.stale
      reads += c.hits + c.stale + c.misses
    }
    return ratio(hits, reads)
  }
  const hitRatio: Line[] = [
    { name: 'all', values: each((bucket) => readsOf(bucket)) },
    ...charted.map(([name]) => ({ name, values: each((bucket) => readsOf(bucket, name)) })),
  ]

  const tiers = [
    ...TIERS,
    ...Object.keys(windowLatency).filter((t) => !(TIERS as readonly string[]).includes(t)),
  ]
  const latency: Line[] = []
  const latencyTotals: DashboardView['totals']['latency'] = {}
  for (const tier of tiers) {
    const histogram = windowLatency[tier]
    if (histogram === undefined) continue
    const at = (q: number) => (bucket: Bucket) => {
      const h = bucket.latency[tier]
      return h === undefined ? null : (quantile(h, q) ?? null)
    }
    latency.push(
      { name: `${tier} p50`, values: each(at(0.5)) },
      { name: `${tier} p99`, values: each(at(0.99)) },
    )
    let reads = 0
    for (const count of Object.values(histogram)) reads += count
    latencyTotals[tier] = {
      p50: quantile(histogram, 0.5) ?? null,
      p99: quantile(histogram, 0.99) ?? null,
      reads,
    }
  }

  const perSecond = 1_000 / bucketMs
  const invalidations: Line[] = CAUSES.map((cause) => ({
    name: cause,
    values: buckets.map((bucket) => (bucket?.invalidations[cause] ?? 0) * perSecond),
  }))
  const limits = snapshot.memory
  const memory: Line[] =
    limits === null
      ? []
      : [
          {
            name: 'entries',
            values: each((b) => (b.gauges === undefined ? null : b.gauges.entries / limits.maxEntries)),
          },
          {
            name: 'bytes',
            values: each((b) => (b.gauges === undefined ? null : b.gauges.bytes / limits.maxBytes)),
          },
        ]

  return {
    instance: snapshot.instance,
    namespace: snapshot.namespace,
    at: snapshot.at,
    bucketMs,
    times,
    hitRatio,
    latency,
    invalidations,
    memory,
    pending: { name: 'pending', values: each((b) => b.gauges?.pending ?? null) },
    bus: each((b) => b.gauges?.bus ?? null),
    breaker: each((b) => b.gauges?.breaker ?? null),
    totals: { ...totals, hitRatio: ratio(totals.hits + totals.stale, totals.reads), latency: latencyTotals },
    current: {
      ...(current ?? { entries: 0, bytes: 0, pending: 0, bus: 'none', breaker: 'none' }),
      maxEntries: limits?.maxEntries ?? null,
      maxBytes: limits?.maxBytes ?? null,
    },
    missReasons,
    hotKeys: snapshot.hotKeys,
    misses: snapshot.misses,
  }
}
