import { LRUCache } from 'lru-cache'
import { TUNABLES } from '../config/defaults.ts'
import type { StoredEntry, TierDriver } from './tier.ts'

/** An entry of the memory tier: a stored entry plus what the memory tier alone needs. */
export interface MemoryEntry extends StoredEntry {
  /** Encoded size in bytes (exact, or a conservative estimate), for the byte bound. */
  readonly size: number
  /** Bus epoch when the versions were read (see `MemoryTrust`). */
  readonly epoch: number
  /** Clock time (ms) when the versions were read. */
  readonly validatedAt: number
}

/** Bounds and clock of a {@link MemoryTier}. */
export interface MemoryTierOptions {
  /** Most entries kept. */
  maxEntries: number
  /** Most bytes kept, counted by each entry's `size`. An entry larger than this is not kept. */
  maxBytes: number
  /** Milliseconds clock for expiry (the cache's `clock`). */
  clock: () => number
}

/**
 * The memory tier: an LRU bounded by entry count and (estimated) encoded bytes, whose entries expire on the
 * cache's clock. Synchronous; it keeps the entries it is given and hands them out as they are.
 */
export class MemoryTier implements TierDriver<false> {
  readonly name = 'memory' as const
  readonly async = false as const
  readonly #lru: LRUCache<string, MemoryEntry>
  /** Keys recently evicted to stay within the bounds, oldest first (bounded). */
  readonly #evicted = new Set<string>()

  constructor(options: MemoryTierOptions) {
    const { clock } = options
    this.#lru = new LRUCache<string, MemoryEntry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.size),
      // An entry larger than the whole budget is simply not kept.
      maxEntrySize: options.maxBytes,
      perf: { now: clock },
      ttlResolution: 0,
      ttlAutopurge: false,
      dispose: (_, key, reason) => {
        if (reason !== 'evict') return
        this.#evicted.add(key)
        if (this.#evicted.size > TUNABLES.evictedKeys)
          this.#evicted.delete(this.#evicted.values().next().value as string)
      },
    })
  }

  /** True when `key` was evicted to stay within the bounds (and not stored again since). */
  wasEvicted(key: string): boolean {
    return this.#evicted.size > 0 && this.#evicted.has(key)
  }

  get(key: string): MemoryEntry | undefined {
    return this.#lru.get(key)
  }

  /** The entry under `key` without touching its recency (for `$cache.explain()`). */
  peek(key: string): MemoryEntry | undefined {
    return this.#lru.peek(key)
  }

  /** Stores an entry; a plain {@link StoredEntry} is kept with a size of 1 and no trust stamp. */
  set(key: string, entry: StoredEntry | MemoryEntry, ttlMs: number): void {
    const memoryEntry: MemoryEntry =
      'size' in entry ? entry : { ...entry, size: 1, epoch: -1, validatedAt: 0 }
    this.#lru.set(key, memoryEntry, { ttl: Math.max(1, Math.ceil(ttlMs)) })
  }

  delete(key: string): void {
    this.#lru.delete(key)
  }

  /** Number of entries held. */
  get size(): number {
    return this.#lru.size
  }

  /** Encoded bytes held. */
  get bytes(): number {
    return this.#lru.calculatedSize
  }
}
