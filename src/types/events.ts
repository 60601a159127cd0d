/** Events reported through `onEvent` and `$cache.subscribe()`, and why a read missed. Defaults named here live in `config/defaults.ts`. */
import type { TierName } from './options.ts'
import type { CacheStatus } from './results.ts'

/** Why a cached read missed, as `withCacheInfo()` and the `miss` event say. */
export type MissReason =
  /** No tier held an entry for the key (never loaded, expired out of Redis, or evicted from it). */
  | { kind: 'absent' }
  /** An entry was there, too old for this read's `ttl` and `swr`. */
  | { kind: 'expired'; age: number }
  /** The memory tier dropped the entry to stay within its bounds (and no other tier had it). */
  | { kind: 'evicted' }
  /**
   * An entry was there, but a dependency it was loaded under moved on: `dependency` (a model, `!Model`, a pin
   * `=Model.field=value`, a tag `#tag`, a region `@region`, the namespace `*`), moved by `cause` at `at` (clock ms)
   * through `model`/`operation` when a write did it; `cause: 'unknown'` when this instance did not see the move
   * (another instance, before its message arrived).
   */
  | {
      kind: 'invalidated'
      dependency: string
      cause: 'write' | 'api' | 'raw-sql' | 'bus' | 'unknown'
      at?: number
      model?: string
      operation?: string
    }
  /** The read asked to load now (`cacheStrategy.refresh`). */
  | { kind: 'refresh' }

/** An event reported through `onEvent`. */
export type CacheEvent =
  | { type: 'hit'; key: string; region: string; model: string; tier: TierName; age: number }
  | { type: 'stale'; key: string; region: string; model: string; tier: TierName; age: number }
  | { type: 'miss'; key: string; region: string; model: string; reason: MissReason }
  /**
   * A cached read answered: `duration` is milliseconds from the call to the answer (a `performance.now()`
   * interval, not the cache's clock).
   */
  | {
      type: 'read'
      key: string
      region: string
      model: string
      operation: string
      status: CacheStatus
      tier?: TierName
      duration: number
      reason?: MissReason
    }
  | { type: 'load'; key: string; region: string; model: string; duration: number; stored: boolean }
  | {
      type: 'bypass'
      model: string
      operation: string
      reason: 'strategy' | 'uncached-model' | 'transaction'
    }
  | {
      type: 'invalidate'
      dependencies: readonly string[]
      mode: 'hard' | 'soft'
      cause: 'write' | 'api' | 'raw-sql' | 'bus'
      model?: string
      operation?: string
      /** Why everything was invalidated (raw SQL that could not be analysed with confidence). */
      reason?: string
      /** Tables a raw statement writes, as written. */
      tables?: readonly string[]
      /**
       * A model write's precision: `row` when only the reads of the rows it changed were invalidated, `model`
       * when some model fell back to all its reads (see `reasons`).
       */
      precision?: 'row' | 'model'
      /** Why a write fell back to whole models. */
      reasons?: readonly string[]
    }
  | { type: 'error'; error: Error; operation: string; key?: string }
  /** The cross-instance invalidation bus went down or came (back) up. */
  | { type: 'bus'; state: 'up' | 'down' }
  /** The Redis circuit breaker opened (Redis is not asked for a while) or closed again. */
  | { type: 'breaker'; state: 'open' | 'closed' }
  /**
   * A memoized call's result was not stored: it wrote through the client (`write`, naming the first write's
   * `model` and `operation`), read inside a transaction (`transaction`), or made a read whose validity the cache
   * could not tell (`unknown-read`: a Redis failure, a result taken from another instance's lock holder).
   */
  | {
      type: 'uncacheable'
      name: string
      key: string
      reason: 'write' | 'transaction' | 'unknown-read'
      model?: string
      operation?: string
    }
