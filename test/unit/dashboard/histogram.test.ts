import { describe, expect, it } from 'vitest'
import {
  binOf,
  binValue,
  countOf,
  type Histogram,
  mergeInto,
  quantile,
  record,
} from '../../../src/dashboard/histogram.ts'

/** The exact nearest-rank quantile of `values`. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number
}

function histogramOf(values: number[]): Histogram {
  const histogram: Histogram = {}
  for (const value of values) record(histogram, value)
  return histogram
}

describe('latency histogram', () => {
  it('reads p50 and p99 within 10 % of the exact values, from microseconds to seconds', () => {
    const spreads = [
      Array.from({ length: 100 }, (_, i) => i + 1),
      Array.from({ length: 1_000 }, (_, i) => 0.002 + (i % 97) * 0.0031),
      Array.from({ length: 500 }, (_, i) => (i < 495 ? 0.05 : 2_500)),
      Array.from({ length: 777 }, (_, i) => Math.exp((i % 61) / 6)),
    ]
    for (const values of spreads) {
      const histogram = histogramOf(values)
      for (const q of [0.5, 0.99]) {
        const want = exact(values, q)
        expect(Math.abs((quantile(histogram, q) as number) - want) / want).toBeLessThan(0.1)
      }
    }
  })

  it('puts every duration in a bin whose bounds hold it', () => {
    for (const ms of [0.0015, 0.01, 0.3, 1, 7.5, 120, 9_000]) {
      const bin = binOf(ms)
      expect(2 ** (bin / 4) / 1_000).toBeLessThanOrEqual(ms)
      expect(2 ** ((bin + 1) / 4) / 1_000).toBeGreaterThan(ms)
      expect(binValue(bin) / ms).toBeGreaterThan(1 / 1.2)
      expect(binValue(bin) / ms).toBeLessThan(1.2)
    }
  })

  it('stays bounded: below 1 µs, zero, negative and huge durations land in the end bins', () => {
    const histogram = histogramOf([0, -5, 0.0001, Number.NaN, 1e12, Number.POSITIVE_INFINITY])
    expect(
      Object.keys(histogram)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([0, 127])
    expect(countOf(histogram)).toBe(6)
  })

  it('merges by adding counts: the merged quantile is the quantile of all durations', () => {
    const a = Array.from({ length: 300 }, () => 0.01)
    const b = Array.from({ length: 100 }, () => 40)
    const merged = histogramOf(a)
    mergeInto(merged, histogramOf(b))
    expect(countOf(merged)).toBe(400)
    expect(quantile(merged, 0.5)).toBeCloseTo(binValue(binOf(0.01)))
    expect(quantile(merged, 0.99)).toBeCloseTo(binValue(binOf(40)))
  })

  it('has no quantile when empty', () => {
    expect(quantile({}, 0.5)).toBeUndefined()
  })
})
