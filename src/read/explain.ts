import type { MemoryTrust } from '../invalidation/bus.ts'
import { DEPENDENCY_PREFIX } from '../invalidation/dependency-ids.ts'
import type { LocalVersions } from '../invalidation/versions.ts'
import type { InvalidationJournal } from '../observability/journal.ts'
import type { MemoryTier } from '../storage/memory-tier.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { StoredEntry } from '../storage/tier.ts'
import type { CacheExplanation, TierEntryState, TierName } from '../types.ts'
import { judgeFreshness } from './freshness.ts'
import type { Planned, ReadPlan } from './planner.ts'
import { matchCaptured } from './redis-reader.ts'

/** Construction parameters of {@link Explainer}. */
export interface ExplainerOptions {
  memory: MemoryTier | undefined
  versions: LocalVersions
  trust: MemoryTrust
  journal: InvalidationJournal
  redis: RedisTier | undefined
  clock: () => number
}

/**
 * `$cache.explain()`: what a planned read depends on and the state of its entry on each tier, found by reading
 * (never writing, never touching the memory tier's recency) and judged as a read would judge it.
 */
export class Explainer {
  readonly #options: ExplainerOptions

  constructor(options: ExplainerOptions) {
    this.#options = options
  }

  async explain(planned: Planned): Promise<CacheExplanation> {
    if (planned.kind === 'bypass') {
      const { model, operation, region, reason } = planned
      const none = { models: [], rows: [], tags: [], ids: [] }
      return {
        model,
        operation,
        cached: false,
        bypass: reason,
        region,
        key: '',
        tiers: [],
        ttl: 0,
        swr: 0,
        dependencies: none,
        entries: [],
      }
    }
    const { plan } = planned
    const { memory, redis } = this.#options
    const tiers: TierName[] = []
    const entries: TierEntryState[] = []
    const extra: string[] = []
    if (memory !== undefined && plan.region.memory) {
      tiers.push('memory')
      entries.push(this.#memoryState(plan, memory, extra))
    }
    if (redis !== undefined && plan.region.redis) {
      tiers.push('redis')
      entries.push(await this.#redisState(plan, redis, extra))
    }
    return {
      model: plan.model,
      operation: plan.operation,
      cached: true,
      region: plan.region.name,
      key: plan.key,
      tiers,
      ttl: plan.ttlMs / 1000,
      swr: plan.swrMs / 1000,
      dependencies: describeDependencies([...plan.dependencies, ...plan.guards, ...extra]),
      entries,
    }
  }

  #memoryState(plan: ReadPlan, memory: MemoryTier, extra: string[]): TierEntryState {
    const { versions, trust, clock } = this.#options
    const entry = memory.peek(plan.key)
    if (entry === undefined) return { tier: 'memory', state: 'absent' }
    extra.push(...entry.dependencies.slice(plan.dependencies.length))
    const current = entry.dependencies.map((dependency) =>
      versions.isHeld(dependency) ? null : (versions.peek(dependency) ?? null),
    )
    const moved = entry.dependencies.findIndex((_, i) => current[i] !== entry.versions[i])
    const soft =
      versions.peek(plan.softDependency) !== entry.softVersion || versions.isHeld(plan.softDependency)
    const state = this.#judge('memory', plan, entry, moved, soft)
    return trust.trusts(entry.epoch, entry.validatedAt, clock()) ? state : { ...state, unverified: true }
  }

  async #redisState(plan: ReadPlan, redis: RedisTier, extra: string[]): Promise<TierEntryState> {
    const dependencies = plan.captureDependencies
    try {
      const { bytes, versions } = await redis.lookup(plan.key, dependencies)
      if (bytes === null) return { tier: 'redis', state: 'absent' }
      const entry = redis.decode(plan.key, bytes)
      const recorded = entry.dependencies.slice(plan.dependencies.length)
      for (const dependency of recorded) if (!extra.includes(dependency)) extra.push(dependency)
      const known = versions.some((v) => v === null)
        ? false
        : matchCaptured(entry, plan, versions as string[])
      let moved = -1
      if (known === false) {
        moved = entry.dependencies.findIndex((dependency, i) => {
          const at = dependencies.indexOf(dependency)
          return at >= 0 && versions[at] !== entry.versions[i]
        })
        if (moved < 0) moved = 0
      } else if (known !== true) {
        const pinned = await redis.readVersions(known.dependencies)
        const i = known.positions.findIndex((position, k) => entry.versions[position] !== pinned[k])
        moved = i < 0 ? -1 : (known.positions[i] as number)
      }
      const soft = versions[versions.length - 1] !== entry.softVersion
      return this.#judge('redis', plan, entry, moved, soft)
    } catch {
      return { tier: 'redis', state: 'unavailable' }
    }
  }

  /** The state of a stored entry: invalid when its dependency at `moved` moved on, else judged by its age. */
  #judge(tier: TierName, plan: ReadPlan, entry: StoredEntry, moved: number, soft: boolean): TierEntryState {
    const { storedAt } = entry
    const times = {
      storedAt,
      expiresAt: storedAt + plan.ttlMs,
      staleUntil: storedAt + plan.ttlMs + plan.swrMs,
    }
    if (moved >= 0) {
      const reason = this.#options.journal.reason(entry.dependencies[moved] as string)
      return { tier, state: 'invalid', ...times, reason }
    }
    const freshness = judgeFreshness(Math.max(0, this.#options.clock() - storedAt), soft, plan)
    const state = freshness === 'fallback' ? 'expired' : freshness
    return { tier, state, ...times }
  }
}

/** Sorts dependency ids into the models they concern, the rows they pin and the tags. */
function describeDependencies(ids: readonly string[]): CacheExplanation['dependencies'] {
  const models = new Set<string>()
  const rows: string[] = []
  const tags: string[] = []
  const unique = [...new Set(ids)]
  for (const id of unique) {
    const prefix = id[0]
    if (prefix === DEPENDENCY_PREFIX.tag) tags.push(id.slice(1))
    else if (prefix === DEPENDENCY_PREFIX.pin) {
      rows.push(id)
      models.add(id.slice(1, id.indexOf('.')))
    } else if (prefix === DEPENDENCY_PREFIX.unpinned || prefix === DEPENDENCY_PREFIX.scheme) {
      models.add(id.slice(1).split('.')[0] as string)
    } else if (!Object.values(DEPENDENCY_PREFIX).includes(prefix as never)) models.add(id)
  }
  return { models: [...models], rows, tags, ids: unique }
}
