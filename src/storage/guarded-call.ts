import { TUNABLES } from '../config/defaults.ts'
import { TierError } from '../errors.ts'
import type { RedisLike } from '../types.ts'

/** ioredis statuses of a connection that cannot take a command now. */
const DOWN_STATUSES: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end'])

/** What every call gets while the breaker is open: one shared error, as no stack would tell anything. */
export const CIRCUIT_OPEN = new TierError('redis command skipped: circuit open after repeated failures')

/** What a call gets while the connection is known to be down, or when it goes down under it. */
export const CONNECTION_DOWN = new TierError('redis command skipped: the connection is down')

/**
 * Rejects with a {@link TierError} when `promise` has not settled within `ms`, or as soon as `abort` rejects.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  abort?: Promise<never>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TierError(`redis ${what} timed out after ${ms} ms`)), ms)
    timer.unref()
  })
  const racers = abort === undefined ? [promise, timeout] : [promise, timeout, abort]
  return Promise.race(racers).finally(() => clearTimeout(timer))
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
  #down = false
  /** Rejects the calls in flight when the connection goes down (the client would hold them in its queue). */
  #downSignal = GuardedCall.#signal()

  constructor(options: GuardedCallOptions) {
    this.#timeoutMs = options.timeoutMs
    this.#clock = options.clock
    this.#maxFailures = options.failures ?? TUNABLES.breaker.failures
    this.#openMs = options.openMs ?? TUNABLES.breaker.openMs
    this.#onChange = options.onChange
  }

  /**
   * The connection is down (closed, refused, reconnecting): calls in flight fail now and new ones at once, until
   * {@link connected}. A client such as ioredis would otherwise hold them in its offline queue until they time out.
   */
  disconnected(): void {
    if (this.#down) return
    this.#down = true
    this.#downSignal.reject(CONNECTION_DOWN)
  }

  /** The connection is (back) up. */
  connected(): void {
    if (!this.#down) return
    this.#down = false
    this.#downSignal = GuardedCall.#signal()
  }

  /**
   * Follows `client`'s connection (ioredis events): commands to a connection known to be down fail at once
   * instead of waiting in the client's offline queue for a timeout.
   */
  watch(client: Pick<RedisLike, 'status' | 'on'>): void {
    if (DOWN_STATUSES.has(client.status ?? '')) this.disconnected()
    client.on?.('close', () => this.disconnected())
    client.on?.('end', () => this.disconnected())
    client.on?.('ready', () => this.connected())
  }

  static #signal(): { promise: Promise<never>; reject: (error: Error) => void } {
    let reject!: (error: Error) => void
    const promise = new Promise<never>((_, rejectSignal) => {
      reject = rejectSignal
    })
    promise.catch(() => undefined)
    return { promise, reject }
  }

  /** Runs `start()` unless the breaker is open; a failure or a timeout counts against the breaker. */
  async run<T>(what: string, start: () => Promise<T>): Promise<T> {
    const now = this.#clock()
    if (this.#openUntil > now) throw CIRCUIT_OPEN
    if (this.#down) {
      this.#failed()
      throw CONNECTION_DOWN
    }
    // Half-open: this call is the probe; the others keep failing at once until it settles.
    if (this.#openUntil !== 0) this.#openUntil = now + this.#openMs
    try {
      const result = await withTimeout(start(), this.#timeoutMs, what, this.#downSignal.promise)
      this.#failures = 0
      if (this.#openUntil !== 0) {
        this.#openUntil = 0
        this.#onChange?.(false)
      }
      return result
    } catch (error) {
      this.#failed()
      throw error
    }
  }

  #failed(): void {
    this.#failures++
    if (this.#failures >= this.#maxFailures) {
      if (this.#openUntil === 0) this.#onChange?.(true)
      this.#openUntil = this.#clock() + this.#openMs
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
