/**
 * Retries work that an outage kept from Redis: while started, runs `attempt` every `intervalMs`, one attempt at
 * a time (an attempt that hangs until its timeout never piles more up behind it). The timer never holds the
 * event loop open. Stop it when nothing is left to retry.
 */
export class RetryTimer {
  readonly #intervalMs: number
  readonly #attempt: () => Promise<unknown>
  #timer: NodeJS.Timeout | undefined
  #running = false
  #closed = false

  constructor(intervalMs: number, attempt: () => Promise<unknown>) {
    this.#intervalMs = intervalMs
    this.#attempt = attempt
  }

  /** Starts retrying, unless already started or closed. */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = setInterval(() => {
      if (this.#running) return
      this.#running = true
      void this.#attempt()
        .catch(() => undefined)
        .finally(() => {
          this.#running = false
        })
    }, this.#intervalMs)
    this.#timer.unref()
  }

  /** Stops retrying; {@link start} may start again. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** True while started. */
  get started(): boolean {
    return this.#timer !== undefined
  }

  /** Stops for good. */
  close(): void {
    this.#closed = true
    this.stop()
  }
}
