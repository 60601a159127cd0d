import { TUNABLES } from '../config/defaults.ts'
import { TierError } from '../errors.ts'

/** What every call gets while the breaker is open: one shared error, as no stack would tell anything. */
export const CIRCUIT_OPEN = new TierError('redis command skipped: circuit open after repeated failures')

/** Rejects with a {@link TierError} when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TierError(`redis ${what} timed out after ${ms} ms`)), ms)
    timer.unref()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Settings of a {@link GuardedCall}. */
export interface GuardedCallOptions {
  /** Milliseconds a call may take before it counts as failed. */
  timeoutMs: number
  /** Milliseconds clock (the cache's `clock`). */
  clock: () => number
  /** Consecutive failures that open the breaker. Default `TUNABLES.breaker.failures`. */
  failures?: number
  /** Milliseconds the breaker stays open. Default `TUNABLES.breaker.openMs`. */
  openMs?: number
  /** Told when the breaker opens (`true`) and when a success closes it again (`false`). */
  onChange?: (open: boolean) => void
}

/**
 * Runs calls to a remote store behind a timeout and a circuit breaker: after `failures` consecutive failures the
 * store is not asked at all for `openMs` (every call fails at once with {@link CIRCUIT_OPEN}, so a down store adds
 * no latency); then one call probes it again (half-open), and its success closes the breaker.
 */
export class GuardedCall {
  readonly #timeoutMs: number
  readonly #clock: () => number
  readonly #maxFailures: number
  readonly #openMs: number
  readonly #onChange: ((open: boolean) => void) | undefined
  #failures = 0
  #openUntil = 0

  constructor(options: GuardedCallOptions) {
    this.#timeoutMs = options.timeoutMs
    this.#clock = options.clock
    this.#maxFailures = options.failures ?? TUNABLES.breaker.failures
    this.#openMs = options.openMs ?? TUNABLES.breaker.openMs
    this.#onChange = options.onChange
  }

  /** Runs `start()` unless the breaker is open; a failure or a timeout counts against the breaker. */
  async run<T>(what: string, start: () => Promise<T>): Promise<T> {
    const now = this.#clock()
    if (this.#openUntil > now) throw CIRCUIT_OPEN
    // Half-open: this call is the probe; the others keep failing at once until it settles.
    if (this.#openUntil !== 0) this.#openUntil = now + this.#openMs
    try {
      const result = await withTimeout(start(), this.#timeoutMs, what)
      this.#failures = 0
      if (this.#openUntil !== 0) {
        this.#openUntil = 0
        this.#onChange?.(false)
      }
      return result
    } catch (error) {
      this.#failures++
      if (this.#failures >= this.#maxFailures) {
        if (this.#openUntil === 0) this.#onChange?.(true)
        this.#openUntil = this.#clock() + this.#openMs
      }
      throw error
    }
  }

  /** True while the breaker keeps calls from the store. */
  get open(): boolean {
    return this.#openUntil > this.#clock()
  }

  /** Milliseconds each call may take. */
  get timeoutMs(): number {
    return this.#timeoutMs
  }
}
