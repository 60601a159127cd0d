import type { CacheInfo, MissReason, TierName } from '../types.ts'
import type { ReadPlan } from './planner.ts'
import type { LeaseLock } from './stampede-lock.ts'

/** When and under which bus epoch versions were read from the source of truth (see `MemoryTrust`). */
export interface Validation {
  epoch: number
  at: number
}

/** Versions read before a load queries the database (the soft version last), and when. */
export interface Capture {
  versions: string[]
  validation: Validation
}

/** The dependencies a result is valid under, with the versions recorded for them before it was read. */
export interface Basis {
  readonly dependencies: readonly string[]
  readonly versions: readonly string[]
}

/** The basis of a stored entry (without its value). */
export function basisOf(entry: Basis): Basis {
  return { dependencies: entry.dependencies, versions: entry.versions }
}

/** A valid entry a tier found for a read; the read path judges its age. */
export interface Candidate {
  tier: TierName
  /** Clock time (ms) when its load began. */
  storedAt: number
  /** The region was soft-invalidated since the entry was loaded. */
  soft: boolean
  /** A private copy of the result. */
  value(): unknown
  /** Keeps the entry in the faster tiers once it is served (a Redis entry goes to memory). */
  keep?(): void
  /** What the entry recorded, for a memoized call that reads it; undefined when unknown. */
  basis?: Basis
}

/** An entry too old to serve normally, kept to answer if the load fails (`staleIfError`). */
export interface Fallback {
  tier: TierName
  storedAt: number
  value: () => unknown
}

/** What the lookups of one read learnt on their way, for the load that may follow. */
export interface LookupState {
  /** The first fallback found. */
  fallback?: Fallback
  /** Versions a remote tier returned with its lookup: a valid capture for the load. */
  capture?: Capture
  /** A Redis command of this read failed: the load asks Redis nothing more (at most one timeout per read). */
  redisFailed?: boolean
  /** Why the first tier that had an entry could not serve it. */
  reason?: MissReason
  /**
   * The lease lock the lookup's round trip tried for the load that may follow (taken, or held by another
   * instance). Whoever does not use a taken lease releases it.
   */
  lease?: Lease
}

/** A lease lock a lookup tried: `taken` by this read, or held by someone else. */
export interface Lease {
  readonly lock: LeaseLock
  readonly taken: boolean
  /** Gives a taken lease back at once (in the background); a no-op for one held by someone else. */
  release(): void
}

/**
 * A tier as the read path sees it: the entry for a plan if it is valid now, judged against the tier's source of
 * truth for versions. Synchronous for the memory tier, asynchronous for Redis.
 */
export interface TierReader {
  readonly tier: TierName
  /** Whether the plan's region uses this tier. */
  uses(plan: ReadPlan): boolean
  lookup(plan: ReadPlan, state: LookupState): Candidate | undefined | Promise<Candidate | undefined>
}

/** A result and how it was obtained. */
export interface ReadResult {
  data: unknown
  info: CacheInfo
  /** What `data` is valid under, for a memoized call that reads it; undefined when unknown (not stored). */
  basis?: Basis | undefined
}
