import type { Reporter } from '../observability/events.ts'
import { judgeFreshness } from './freshness.ts'
import type { Loader } from './loader.ts'
import type { Candidate, LookupState, ReadResult, TierReader } from './lookup.ts'
import type { ReadPlan } from './planner.ts'

/**
 * Tiered read-through: asks each tier the plan's region uses, in order (memory, then Redis), and loads what none
 * can serve. A tier only offers an entry whose recorded versions are current, so a load that raced a write can
 * never leave its result readable after the write's invalidation (G1); the read path judges its age. A memory
 * hit is answered synchronously.
 */
export class ReadPath {
  readonly #tiers: readonly TierReader[]
  readonly #loader: Loader
  readonly #reporter: Reporter
  readonly #clock: () => number

  constructor(tiers: readonly TierReader[], loader: Loader, reporter: Reporter, clock: () => number) {
    this.#tiers = tiers
    this.#loader = loader
    this.#reporter = reporter
    this.#clock = clock
  }

  /**
   * Serves a read from a tier or by running `load` (shared with concurrent identical reads); `redisFailed` when
   * Redis already failed this read, which then asks it nothing.
   */
  read(plan: ReadPlan, load: () => Promise<unknown>, redisFailed = false): Promise<ReadResult> | ReadResult {
    const state: LookupState = redisFailed ? { redisFailed } : {}
    if (plan.refresh) return this.#loader.miss(plan, load, state)
    return this.#readFrom(0, plan, load, state)
  }

  #readFrom(
    first: number,
    plan: ReadPlan,
    load: () => Promise<unknown>,
    state: LookupState,
  ): Promise<ReadResult> | ReadResult {
    const tiers = this.#tiers
    for (let i = first; i < tiers.length; i++) {
      const tier = tiers[i] as TierReader
      if (!tier.uses(plan)) continue
      const found = tier.lookup(plan, state)
      if (found instanceof Promise)
        return found.then((candidate) => this.#afterAsync(i, plan, load, state, candidate))
      const served = this.#serve(plan, load, found, state)
      if (served !== undefined) return served
    }
    return this.#loader.miss(plan, load, state)
  }

  #afterAsync(
    index: number,
    plan: ReadPlan,
    load: () => Promise<unknown>,
    state: LookupState,
    candidate: Candidate | undefined,
  ): Promise<ReadResult> | ReadResult {
    const served = this.#serve(plan, load, candidate, state)
    if (served !== undefined) {
      state.lease?.release()
      return served
    }
    // A concurrent load may have filled the faster tiers while this one answered.
    for (let i = 0; i < index; i++) {
      const tier = this.#tiers[i] as TierReader
      if (!tier.uses(plan)) continue
      const found = tier.lookup(plan, {})
      if (found instanceof Promise) continue
      const again = this.#serve(plan, load, found, {})
      if (again !== undefined) {
        state.lease?.release()
        return again
      }
    }
    return this.#readFrom(index + 1, plan, load, state)
  }

  /**
   * A hit or a stale result (reloaded in the background) when the candidate's age allows; else, within
   * `staleIfError`, the candidate becomes the read's fallback for a failing load.
   */
  #serve(
    plan: ReadPlan,
    load: () => Promise<unknown>,
    candidate: Candidate | undefined,
    state: LookupState,
  ): ReadResult | undefined {
    if (candidate === undefined) return undefined
    const { tier, storedAt } = candidate
    const age = Math.max(0, this.#clock() - storedAt)
    const freshness = judgeFreshness(age, candidate.soft, plan)
    if (freshness === 'fallback') state.fallback ??= { tier, storedAt, value: () => candidate.value() }
    if (freshness !== 'fresh' && freshness !== 'stale') {
      state.reason ??= { kind: 'expired', age }
      return undefined
    }
    const region = plan.region.name
    const status = freshness === 'fresh' ? 'hit' : 'stale'
    this.#reporter.stats.count(region, freshness === 'fresh' ? 'hits' : 'stale', tier)
    this.#reporter.emit({ type: status, key: plan.key, region, model: plan.model, tier, age })
    if (freshness === 'stale') this.#loader.refreshInBackground(plan, load)
    const data = candidate.value()
    candidate.keep?.()
    return { data, info: { status, tier, region, key: plan.key, age }, basis: candidate.basis }
  }
}
