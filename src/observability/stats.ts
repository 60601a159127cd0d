import type { CacheStats, RegionStats, TierName, TierStats } from '../types.ts'

const COUNTERS = ['hits', 'misses', 'stale', 'loads', 'bypasses', 'errors'] as const
type Counter = (typeof COUNTERS)[number]

function emptyRegion(): RegionStats {
  return { hits: 0, misses: 0, stale: 0, loads: 0, bypasses: 0, errors: 0 }
}

/** Mutable counters behind `stats()`. */
export class StatsRecorder {
  readonly #regions = new Map<string, RegionStats>()
  readonly #tiers = new Map<TierName, TierStats>()
  #invalidations = 0
  readonly #writes = { rowPrecise: 0, modelWide: 0, reasons: {} as Record<string, number> }

  count(region: string, counter: Counter, tier?: TierName): void {
    let stats = this.#regions.get(region)
    if (stats === undefined) {
      stats = emptyRegion()
      this.#regions.set(region, stats)
    }
    stats[counter]++
    if (tier !== undefined && (counter === 'hits' || counter === 'stale' || counter === 'errors')) {
      const t = this.#tier(tier)
      if (counter === 'errors') t.errors++
      else t.hits++
    }
  }

  /** Lists a configured tier in snapshots even before it counted anything. */
  enableTier(tier: TierName): void {
    this.#tier(tier)
  }

  tierError(tier: TierName): void {
    this.#tier(tier).errors++
  }

  invalidation(): void {
    this.#invalidations++
  }

  /** Counts a write: row-precise when nothing fell back to a whole model, else with the reasons it did. */
  write(reasons: readonly string[]): void {
    if (reasons.length === 0) {
      this.#writes.rowPrecise++
      return
    }
    this.#writes.modelWide++
    for (const reason of reasons) this.#writes.reasons[reason] = (this.#writes.reasons[reason] ?? 0) + 1
  }

  #tier(tier: TierName): TierStats {
    let t = this.#tiers.get(tier)
    if (t === undefined) {
      t = { hits: 0, errors: 0 }
      this.#tiers.set(tier, t)
    }
    return t
  }

  /** A snapshot; `memory` adds the tier's current size. */
  snapshot(memory?: { entries: number; bytes: number }, pendingInvalidations = 0): CacheStats {
    const totals = emptyRegion()
    const regions: Record<string, RegionStats> = {}
    for (const [name, stats] of this.#regions) {
      regions[name] = { ...stats }
      for (const counter of COUNTERS) totals[counter] += stats[counter]
    }
    const tiers: Partial<Record<TierName, TierStats>> = {}
    for (const [name, stats] of this.#tiers) tiers[name] = { ...stats }
    if (memory !== undefined) tiers.memory = { ...(tiers.memory ?? { hits: 0, errors: 0 }), ...memory }
    const writes = { ...this.#writes, reasons: { ...this.#writes.reasons } }
    return { ...totals, invalidations: this.#invalidations, pendingInvalidations, writes, regions, tiers }
  }
}
