import type { TierName } from '../types.ts'

/** What a driver call returns: the value itself for a synchronous (L1) driver, a promise for an asynchronous (L2) one. */
export type TierResult<Async extends boolean, T> = Async extends true ? Promise<T> : T

/**
 * A cached result with what it was loaded under. A tier stores it as it is; whether it may be served is decided
 * above the tiers, by comparing `versions` with the current versions of `dependencies`.
 */
export interface StoredEntry {
  /** Dependency ids the entry was loaded under (hard invalidation). */
  readonly dependencies: readonly string[]
  /** Their versions when the load began, in the same order. */
  readonly versions: readonly string[]
  /** Version of the region's soft-invalidation counter when the load began. */
  readonly softVersion: string
  /** Clock time (ms) when the load began. */
  readonly storedAt: number
  /** The result. A tier hands out what it was given: callers copy it (see `storage/copy.ts`). */
  readonly value: unknown
}

/**
 * The contract every cache tier implements, after bentocache's `CacheDriver<Async>`: a dumb key/value store of
 * {@link StoredEntry} with expiry, synchronous for the in-process tier and asynchronous for remote ones, so that
 * the read path can treat them alike. `test/contract/tier-contract.ts` is the suite every tier runs.
 *
 * A synchronous driver never throws for a valid key; an asynchronous one may reject (a remote store failing), and
 * callers turn that into a miss.
 */
export interface TierDriver<Async extends boolean> {
  readonly name: TierName
  /** True for a driver whose calls return promises. */
  readonly async: Async
  /** The entry stored under `key`, or undefined (never stored, deleted, expired or evicted). */
  get(key: string): TierResult<Async, StoredEntry | undefined>
  /**
   * Stores `entry` under `key` for `ttlMs` milliseconds (≥ 1), replacing what was there. A synchronous driver
   * with bounds (the memory tier) also takes `Infinity`: kept until its bounds evict it; a remote driver refuses
   * it (its entries always expire, G8).
   */
  set(key: string, entry: StoredEntry, ttlMs: number): TierResult<Async, void>
  /** Removes the entry under `key`, if any. */
  delete(key: string): TierResult<Async, void>
}
