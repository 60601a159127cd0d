import type { FailureSite } from '../observability/events.ts'

/**
 * Work the cache runs after answering a caller (background refreshes, Redis writes, lock releases, bus
 * messages): tracked so that `close()` can wait for all of it, and never left as a floating promise.
 */
export class BackgroundWork {
  readonly #running = new Set<Promise<unknown>>()
  readonly #onError: (operation: string, error: unknown, site?: FailureSite) => void

  /** `onError` reports a failure of tracked work (it must not throw). */
  constructor(onError: (operation: string, error: unknown, site?: FailureSite) => void) {
    this.#onError = onError
  }

  /** Tracks `work`; its failure is reported as `operation` (of the read at `site`), never thrown. */
  track(work: Promise<unknown> | undefined, operation = 'background', site?: FailureSite): void {
    if (work === undefined) return
    const tracked = work.catch((error: unknown) => this.#onError(operation, error, site))
    this.#running.add(tracked)
    void tracked.finally(() => this.#running.delete(tracked))
  }

  /** Number of tracked promises still running. */
  get size(): number {
    return this.#running.size
  }

  /** Waits until nothing tracked is running, including work started meanwhile. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }
}
