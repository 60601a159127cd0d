/** A cache key as the dashboard shows it: never the arguments or the data, only what names the read. */
export interface HotKey {
  region: string
  model: string
  operation: string
  /** The key's 128-bit hash (base64url) of the canonical arguments and scope: tells keys apart, reveals nothing of them. */
  hash: string
  /** Reads of the key counted (with space-saving, an upper bound: see {@link TopKeys}). */
  reads: number
  /** Of which answered from a tier (hit or stale). */
  hits: number
}

/** The hash a cache key ends with (`<namespace>:<region>:<model>:<operation>:<hash>`), or `?` if it has none. */
export function hashOfKey(key: string): string {
  const hash = key.slice(key.lastIndexOf(':') + 1)
  return /^[A-Za-z0-9_-]{8,64}$/.test(hash) ? hash : '?'
}

/**
 * The most read keys, in bounded memory (the space-saving algorithm): at most `capacity` keys are counted; a new
 * key takes the place of the least read one and inherits its count, so a key's `reads` may overstate (never
 * understate) its reads, and any key read more than 1/capacity of all reads is always listed. Keys are grouped by
 * their count (counts only grow by one), so a read costs O(1) whatever the number of keys.
 */
export class TopKeys {
  readonly #capacity: number
  readonly #counted = new Map<string, HotKey>()
  /** Keys by their `reads`. */
  readonly #byReads = new Map<number, Set<string>>()
  /** The smallest `reads` counted (0 when empty). */
  #min = 0

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  #place(key: string, reads: number): void {
    let group = this.#byReads.get(reads)
    if (group === undefined) {
      group = new Set()
      this.#byReads.set(reads, group)
    }
    group.add(key)
  }

  /** Takes `key` out of the group of `reads`; when that group was the smallest and is now empty, the next is. */
  #unplace(key: string, reads: number): void {
    const group = this.#byReads.get(reads)
    group?.delete(key)
    if (group !== undefined && group.size === 0) {
      this.#byReads.delete(reads)
      if (reads === this.#min) this.#min = reads + 1
    }
  }

  /** Counts a read of `key`; `hit` when a tier answered it. */
  record(key: string, region: string, model: string, operation: string, hit: boolean): void {
    const counted = this.#counted.get(key)
    if (counted !== undefined) {
      this.#unplace(key, counted.reads)
      counted.reads++
      if (hit) counted.hits++
      this.#place(key, counted.reads)
      return
    }
    let inherited = 0
    if (this.#counted.size >= this.#capacity) {
      const least = this.#byReads.get(this.#min)?.values().next()
      if (least !== undefined && least.done !== true) {
        inherited = this.#min
        this.#unplace(least.value, inherited)
        this.#counted.delete(least.value)
      }
    }
    // The hash is taken from the key when listed: most keys counted here are soon evicted.
    this.#counted.set(key, { region, model, operation, hash: key, reads: inherited + 1, hits: hit ? 1 : 0 })
    this.#place(key, inherited + 1)
    // The newcomer's count is the smallest unless an older key has fewer.
    if (this.#counted.size === 1 || inherited + 1 < this.#min || !this.#byReads.has(this.#min))
      this.#min = inherited + 1
  }

  /** The `count` most read keys (then most hit), copies. */
  top(count: number): HotKey[] {
    return [...this.#counted.values()]
      .sort((a, b) => b.reads - a.reads || b.hits - a.hits)
      .slice(0, count)
      .map((key) => ({ ...key, hash: hashOfKey(key.hash) }))
  }

  /** Keys counted. */
  get size(): number {
    return this.#counted.size
  }
}
