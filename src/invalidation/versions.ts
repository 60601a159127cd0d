import { randomInt } from 'node:crypto'

/**
 * A fresh version for a dependency that has none (new, evicted or lost with a restarted Redis): milliseconds
 * since the epoch shifted left by 20 bits plus 20 random bits. It is larger than any version handed out
 * earlier unless a dependency was bumped more than a million times a millisecond, and it never equals a
 * version an old entry recorded, so a lost version can never validate an old entry.
 */
export function freshVersion(now: number = Date.now()): string {
  return ((BigInt(Math.floor(now)) << 20n) | BigInt(randomInt(0, 1 << 20))).toString()
}

/** Numeric order of two decimal version strings without leading zeros. */
export function compareVersions(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

/** The successor of a version. */
export function nextVersion(version: string): string {
  return (BigInt(version) + 1n).toString()
}

/**
 * This instance's view of dependency versions. Without Redis it is the source of truth. With Redis it caches
 * what this instance learnt (from its own bumps and from Redis reads) and only ever moves forward, so a late
 * reply can never roll a dependency back.
 */
export class LocalVersions {
  readonly #versions = new Map<string, string>()
  readonly #held = new Set<string>()
  /** The bus epoch under which each known version was last read from Redis or heard of (see {@link confirmed}). */
  readonly #confirmedIn = new Map<string, number>()
  #changes = 0
  #moves = 0
  readonly #clock: () => number
  readonly #max: number

  /** Remembers at most `max` dependencies; forgetting one is safe (no entry matches an unknown version). */
  constructor(clock: () => number, max: number) {
    this.#clock = clock
    this.#max = max
  }

  /** Counts every change to what this instance knows (a version set or forgotten, a hold taken or ended). */
  get changes(): number {
    return this.#changes
  }

  /**
   * Counts the changes that may invalidate something: a known version moved, a version forgotten, a hold taken or
   * ended. Learning a dependency for the first time is not one.
   */
  get moves(): number {
    return this.#moves
  }

  #set(dependency: string, version: string): void {
    this.#changes++
    if (this.#versions.has(dependency)) this.#moves++
    else if (this.#versions.size >= this.#max) {
      const oldest = this.#versions.keys().next()
      if (oldest.done !== true) {
        this.#moves++
        this.#versions.delete(oldest.value)
        this.#confirmedIn.delete(oldest.value)
      }
    }
    this.#versions.set(dependency, version)
  }

  /** The known version, or undefined. */
  peek(dependency: string): string | undefined {
    return this.#versions.get(dependency)
  }

  /** Current versions, creating fresh ones for unknown dependencies. */
  current(dependencies: readonly string[]): string[] {
    const out = new Array<string>(dependencies.length)
    for (let i = 0; i < dependencies.length; i++) {
      const dependency = dependencies[i] as string
      let version = this.#versions.get(dependency)
      if (version === undefined) {
        version = freshVersion(this.#clock())
        this.#set(dependency, version)
      }
      out[i] = version
    }
    return out
  }

  /** True when every dependency is known at exactly the given version and none is held. */
  matches(dependencies: readonly string[], versions: readonly string[]): boolean {
    if (dependencies.length !== versions.length || this.anyHeld(dependencies)) return false
    for (let i = 0; i < dependencies.length; i++) {
      if (this.#versions.get(dependencies[i] as string) !== versions[i]) return false
    }
    return true
  }

  /**
   * Moves each dependency forward to the given version if it is newer than the known one. `epoch`: the bus epoch
   * when the versions were asked of Redis (or heard of on the bus), -1 when the bus was down; see
   * {@link confirmed}.
   */
  learn(dependencies: readonly string[], versions: readonly (string | null)[], epoch = -1): void {
    for (let i = 0; i < dependencies.length; i++) {
      const version = versions[i]
      if (version === null || version === undefined) continue
      const dependency = dependencies[i] as string
      const known = this.#versions.get(dependency)
      if (known === undefined || compareVersions(version, known) > 0) this.#set(dependency, version)
      if (epoch >= 0) this.#confirmedIn.set(dependency, epoch)
    }
  }

  /**
   * The known versions of `dependencies` if each was read from Redis or heard of on the bus under the bus
   * subscription of `epoch` (the live one) and none is held: then every later bump of them reaches this instance
   * as a message, as it does for the memory tier's entries, and the versions are as good as Redis' own for an
   * entry only this instance keeps. Undefined otherwise.
   */
  confirmed(dependencies: readonly string[], epoch: number): string[] | undefined {
    if (epoch < 0 || this.anyHeld(dependencies)) return undefined
    const out = new Array<string>(dependencies.length)
    for (let i = 0; i < dependencies.length; i++) {
      const dependency = dependencies[i] as string
      const version = this.#versions.get(dependency)
      if (version === undefined || this.#confirmedIn.get(dependency) !== epoch) return undefined
      out[i] = version
    }
    return out
  }

  /**
   * Marks dependencies whose invalidation has not reached Redis yet (a failed bump, retried later): until
   * {@link release}, nothing that depends on them matches, and Redis' versions of them, which do not show the
   * invalidation, must not validate anything either (see {@link anyHeld}). Holds survive {@link clear}.
   */
  hold(dependencies: readonly string[]): void {
    if (dependencies.length > 0) {
      this.#changes++
      this.#moves++
    }
    for (const dependency of dependencies) this.#held.add(dependency)
  }

  /** Ends holds once Redis has taken the invalidation (its new versions are learnt first). */
  release(dependencies: readonly string[]): void {
    if (dependencies.length > 0) {
      this.#changes++
      this.#moves++
    }
    for (const dependency of dependencies) this.#held.delete(dependency)
  }

  /** True when the dependency is held. */
  isHeld(dependency: string): boolean {
    return this.#held.size > 0 && this.#held.has(dependency)
  }

  /** True when any of the dependencies is held. */
  anyHeld(dependencies: readonly string[]): boolean {
    if (this.#held.size === 0) return false
    for (const dependency of dependencies) if (this.#held.has(dependency)) return true
    return false
  }

  /** Bumps local versions (memory-only mode). Returns the new versions. */
  bump(dependencies: readonly string[]): string[] {
    return dependencies.map((dependency) => {
      const known = this.#versions.get(dependency)
      const next = known === undefined ? freshVersion(this.#clock()) : nextVersion(known)
      this.#set(dependency, next)
      return next
    })
  }

  /** Forgets every version (used when this instance can no longer trust what it knows); keeps the holds. */
  clear(): void {
    this.#changes++
    this.#moves++
    this.#versions.clear()
    this.#confirmedIn.clear()
  }

  /** Number of dependencies known. */
  get size(): number {
    return this.#versions.size
  }
}
