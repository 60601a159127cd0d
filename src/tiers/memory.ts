import { LRUCache } from 'lru-cache'

/** An entry of the memory tier. `value` is private to the cache: callers get copies. */
export interface MemoryEntry {
  /** Dependency ids the entry was loaded under (hard invalidation). */
  readonly dependencies: readonly string[]
  /** Their versions when the load began. */
  readonly versions: readonly string[]
  /** Version of the region's soft-invalidation counter when the load began. */
  readonly softVersion: string
  /** Clock time (ms) when the load began. */
  readonly storedAt: number
  /** The decoded result; never handed out directly. */
  readonly value: unknown
  /** Encoded size in bytes (exact, or a conservative estimate), for the byte bound. */
  readonly size: number
  /** Bus epoch when the versions were read (see `MemoryTrust`). */
  readonly epoch: number
  /** Clock time (ms) when the versions were read. */
  readonly validatedAt: number
}

/** The memory tier: an LRU bounded by entry count and (estimated) encoded bytes. */
export class MemoryTier {
  readonly #lru: LRUCache<string, MemoryEntry>

  constructor(maxEntries: number, maxBytes: number) {
    this.#lru = new LRUCache<string, MemoryEntry>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.size),
      // An entry larger than the whole budget is simply not kept.
      maxEntrySize: maxBytes,
    })
  }

  get(key: string): MemoryEntry | undefined {
    return this.#lru.get(key)
  }

  set(key: string, entry: MemoryEntry): void {
    this.#lru.set(key, entry)
  }

  delete(key: string): void {
    this.#lru.delete(key)
  }

  clear(): void {
    this.#lru.clear()
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
