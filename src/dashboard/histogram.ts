/**
 * Latency histograms of fixed size: durations fall into quarter-octave bins from 1 µs (each bin's upper bound is
 * 2^¼ ≈ 1.19 times its lower bound), so a percentile read from one is within 10 % of the exact value, two
 * histograms merge by adding counts (the cluster's percentiles from every instance's), and nothing grows with
 * the number of reads. Bins are kept sparse: `{ [bin]: count }`, JSON as it is.
 */
export type Histogram = Record<number, number>

/** Bins per doubling of the duration. */
const BINS_PER_OCTAVE = 4
/** Highest bin: 2^(128/4) µs ≈ 71 minutes; longer durations count in it. */
const MAX_BIN = 127

/** The bin of a duration in milliseconds: bin `b` holds [2^(b/4), 2^((b+1)/4)) µs; bin 0 also holds below 1 µs. */
export function binOf(ms: number): number {
  const micros = ms * 1_000
  if (!(micros > 1)) return 0
  return Math.min(MAX_BIN, Math.floor(Math.log2(micros) * BINS_PER_OCTAVE))
}

/** The value (ms) a bin stands for: the geometric middle of its bounds. */
export function binValue(bin: number): number {
  return 2 ** ((bin + 0.5) / BINS_PER_OCTAVE) / 1_000
}

/** Counts one duration (ms). */
export function record(histogram: Histogram, ms: number): void {
  const bin = binOf(ms)
  histogram[bin] = (histogram[bin] ?? 0) + 1
}

/** Adds `from`'s counts into `into`. */
export function mergeInto(into: Histogram, from: Histogram): void {
  for (const [bin, count] of Object.entries(from)) {
    const b = Number(bin)
    into[b] = (into[b] ?? 0) + count
  }
}

/** Number of durations counted. */
export function countOf(histogram: Histogram): number {
  let total = 0
  for (const count of Object.values(histogram)) total += count
  return total
}

/**
 * The `q`-quantile (0 < q ≤ 1) in milliseconds: the value of the bin holding the ⌈q·n⌉-th smallest duration
 * (nearest rank), or undefined for an empty histogram.
 */
export function quantile(histogram: Histogram, q: number): number | undefined {
  const bins = Object.keys(histogram)
    .map(Number)
    .sort((a, b) => a - b)
  const total = countOf(histogram)
  if (total === 0) return undefined
  const rank = Math.max(1, Math.ceil(q * total))
  let seen = 0
  for (const bin of bins) {
    seen += histogram[bin] ?? 0
    if (seen >= rank) return binValue(bin)
  }
  return binValue(bins.at(-1) ?? 0)
}
