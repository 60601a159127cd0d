import type { MissReason } from '../types.ts'

/** What last moved a dependency. */
interface Move {
  cause: 'write' | 'api' | 'raw-sql' | 'bus'
  at: number
  model?: string
  operation?: string
}

/**
 * The last invalidation of each dependency this instance saw, so that a miss can say what invalidated the entry
 * it replaced. Bounded: past `max` dependencies the oldest are forgotten (a miss then says `cause: 'unknown'`).
 */
export class InvalidationJournal {
  readonly #moves = new Map<string, Move>()
  readonly #max: number
  readonly #clock: () => number

  constructor(max: number, clock: () => number) {
    this.#max = max
    this.#clock = clock
  }

  /** Records that `dependencies` moved now. */
  record(
    dependencies: readonly string[],
    cause: Move['cause'],
    context: { model?: string; operation?: string } = {},
  ): void {
    const move: Move = { cause, at: this.#clock(), ...context }
    for (const dependency of dependencies) {
      this.#moves.delete(dependency)
      this.#moves.set(dependency, move)
      if (this.#moves.size > this.#max) {
        const oldest = this.#moves.keys().next()
        if (oldest.done !== true) this.#moves.delete(oldest.value)
      }
    }
  }

  /** Why an entry loaded under `dependency` at an older version is no longer valid. */
  reason(dependency: string): MissReason {
    const move = this.#moves.get(dependency)
    return move === undefined
      ? { kind: 'invalidated', dependency, cause: 'unknown' }
      : { kind: 'invalidated', dependency, ...move }
  }

  /** Number of dependencies remembered. */
  get size(): number {
    return this.#moves.size
  }
}
