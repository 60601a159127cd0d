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
 * understate) its reads, and any key read more than 1/capacity of all reads is always listed.
 */
export class TopKeys {
  readonly #capacity: number
  readonly #counted = new Map<string, HotKey>()

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** Counts a read of `key`; `hit` when a tier answered it. */
  record(key: string, region: string, model: string, operation: string, hit: boolean): void {
    const counted = this.#counted.get(key)
    if (counted !== undefined) {
      counted.reads++
      if (hit) counted.hits++
      return
    }
    let inherited = 0
    if (this.#counted.size >= this.#capacity) {
      let least: [string, HotKey] | undefined
      for (const entry of this.#counted)
        if (least === undefined || entry[1].reads < least[1].reads) least = entry
      if (least !== undefined) {
        inherited = least[1].reads
        this.#counted.delete(least[0])
      }
    }
    const hash = hashOfKey(key)
    this.#counted.set(key, { region, model, operation, hash, reads: inherited + 1, hits: hit ? 1 : 0 })
  }

  /** The `count` most read keys (then most hit), copies. */
  top(count: number): HotKey[] {
    return [...this.#counted.values()]
      .sort((a, b) => b.reads - a.reads || b.hits - a.hits)
      .slice(0, count)
      .map((key) => ({ ...key }))
  }

  /** Keys counted. */
  get size(): number {
    return this.#counted.size
  }
}
