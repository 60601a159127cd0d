import type { MemoryTrust } from '../invalidation/bus.ts'
import type { LocalVersions } from '../invalidation/versions.ts'
import type { InvalidationJournal } from '../observability/journal.ts'
import { copyValue } from '../storage/copy.ts'
import type { MemoryEntry, MemoryTier } from '../storage/memory-tier.ts'
import type { StoredEntry } from '../storage/tier.ts'
import type { MissReason } from '../types.ts'
import { basisOf, type Candidate, type LookupState, type TierReader, type Validation } from './lookup.ts'
import type { ReadPlan } from './planner.ts'

/**
 * The memory tier as the read path sees it. An entry is valid while this instance's versions match the ones it
 * recorded and the bus lets this instance trust what it knows (see `MemoryTrust`). Entries are private: they are
 * copied in and copied out.
 */
export class MemoryReader implements TierReader {
  readonly tier = 'memory' as const
  readonly #memory: MemoryTier
  readonly #versions: LocalVersions
  readonly #trust: MemoryTrust
  readonly #clock: () => number
  readonly #journal: InvalidationJournal

  constructor(
    memory: MemoryTier,
    versions: LocalVersions,
    trust: MemoryTrust,
    clock: () => number,
    journal: InvalidationJournal,
  ) {
    this.#memory = memory
    this.#versions = versions
    this.#trust = trust
    this.#clock = clock
    this.#journal = journal
  }

  uses(plan: ReadPlan): boolean {
    return plan.region.memory
  }

  lookup(plan: ReadPlan, state: LookupState): Candidate | undefined {
    const entry = this.#memory.get(plan.key)
    if (entry === undefined) {
      if (this.#memory.wasEvicted(plan.key)) state.reason ??= { kind: 'evicted' }
      return undefined
    }
    // The key determines the dependencies within this process, so the entry's own list is the plan's.
    if (!this.#versions.matches(entry.dependencies, entry.versions)) {
      this.#memory.delete(plan.key)
      state.reason ??= this.#why(entry)
      return undefined
    }
    // Another instance's invalidation may have been missed: Redis validates the entry again.
    if (!this.#trust.trusts(entry.epoch, entry.validatedAt, this.#clock())) return undefined
    const soft =
      this.#versions.peek(plan.softDependency) !== entry.softVersion ||
      this.#versions.isHeld(plan.softDependency)
    return {
      tier: 'memory',
      storedAt: entry.storedAt,
      soft,
      value: () => copyValue(entry.value),
      basis: basisOf(entry),
    }
  }

  /** Which dependency of an entry moved on, and what moved it. */
  #why(entry: StoredEntry): MissReason {
    const { dependencies, versions } = entry
    for (let i = 0; i < dependencies.length; i++) {
      const dependency = dependencies[i] as string
      if (this.#versions.peek(dependency) !== versions[i] || this.#versions.isHeld(dependency))
        return this.#journal.reason(dependency)
    }
    return { kind: 'absent' }
  }

  /**
   * Keeps an entry whose value nobody else holds, only while nothing this instance knows has moved on since its
   * versions were read (`validation`): a late keep can never make an invalidated result readable.
   */
  keep(plan: ReadPlan, entry: StoredEntry, size: number, validation: Validation): void {
    if (!plan.region.memory) return
    if (!this.#versions.matches(entry.dependencies, entry.versions)) return
    if (this.#versions.peek(plan.softDependency) !== entry.softVersion) return
    const kept: MemoryEntry = { ...entry, size, epoch: validation.epoch, validatedAt: validation.at }
    // Kept until the bounds evict it: a later read of the same key may allow it a longer life (its own ttl).
    this.#memory.set(plan.key, kept, Number.POSITIVE_INFINITY)
  }
}
