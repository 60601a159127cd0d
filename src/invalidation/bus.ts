import { randomBytes } from 'node:crypto'
import { TUNABLES } from '../config/defaults.ts'
import { TierError } from '../errors.ts'
import { type GuardedCall, withTimeout } from '../storage/guarded-call.ts'
import type { RedisLike } from '../types.ts'
import { RetryTimer } from './retry-timer.ts'
import { compareVersions } from './versions.ts'

/** When this instance's memory tier may be trusted. */
export interface MemoryTrust {
  /** The epoch to record on an entry validated against the source of truth now. */
  stamp(): number
  /** May an entry recorded with `epoch` and validated at `validatedAt` (clock ms) be served at `now`? */
  trusts(epoch: number, validatedAt: number, now: number): boolean
}

/** Without Redis this instance's versions are the truth: its memory tier is always trusted. */
export const ALWAYS_TRUSTED: MemoryTrust = { stamp: () => 0, trusts: () => true }

/** What an instance publishes after it invalidated: the dependencies and the versions they moved to. */
interface BusMessage {
  /** Sending instance, so that it does not act on its own message. */
  i: string
  /** Dependencies. */
  d: string[]
  /** Their new versions, in the same order. */
  v: string[]
  /** When it was sent (the sender's `Date.now()`), for the receivers' delay metric. */
  t?: number
  /** Set when the sender had to drop versions it could not publish: receivers forget every version they know. */
  r?: 1
}

/** A connection that can subscribe: an ioredis `Redis` or `Cluster` duplicate. */
interface Subscriber {
  status?: string
  subscribe(channel: string): Promise<unknown>
  on(event: string, listener: (...args: any[]) => void): unknown
  quit(): Promise<unknown>
  disconnect(): void
}

function isMessage(value: unknown): value is BusMessage {
  if (typeof value !== 'object' || value === null) return false
  const { i, d, v } = value as Record<string, unknown>
  return (
    typeof i === 'string' &&
    Array.isArray(d) &&
    Array.isArray(v) &&
    d.length === v.length &&
    d.every((x) => typeof x === 'string') &&
    v.every((x) => typeof x === 'string') &&
    ((value as { r?: unknown }).r === undefined || (value as { r?: unknown }).r === 1)
  )
}

/** Construction parameters of {@link InvalidationBus}. */
export interface BusOptions {
  redis: RedisLike
  namespace: string
  /** Another instance invalidated: move these dependencies forward (never back). */
  onVersions: (
    dependencies: readonly string[],
    versions: readonly string[],
    sentAt: number | undefined,
  ) => void
  /**
   * Messages may have been missed (the subscription came back up, or another instance dropped versions it
   * could not publish): forget every version known; a new trust epoch has started.
   */
  onMissed: () => void
  /** The subscription is (again) live. */
  onUp: () => void
  /** The subscription is down: this instance can no longer trust its memory tier. */
  onDown: () => void
  onError: (operation: string, error: unknown) => void
  /** Milliseconds clock (the cache's). */
  clock: () => number
  /** While the subscription is down, memory entries are served at most this long after they were validated. */
  downTrustMs: number
  /** Timeout and circuit breaker of every PUBLISH (shared with the Redis tier); its timeout also bounds closing. */
  guard: GuardedCall
  /** Pause between attempts to send again what a failed PUBLISH did not deliver. */
  retryMs: number
}

/**
 * Cross-instance invalidation over Redis pub/sub. Every invalidation is published with the versions it
 * produced; receivers only move versions forward, so late, duplicated or reordered messages can never roll an
 * instance back, and an instance ignores its own messages. While the subscription is down an instance cannot
 * know what it missed, so its memory tier is trusted only briefly (`downTrustMs` after an entry was validated);
 * each time the subscription comes (back) up a new epoch starts and entries validated before it are checked
 * against Redis again before the memory tier serves them.
 */
export class InvalidationBus implements MemoryTrust {
  readonly #redis: RedisLike
  /** The connection PUBLISHes go through: the one of the client that invalidated last. */
  #publisher: RedisLike
  readonly #channel: string
  readonly #instance = randomBytes(8).toString('hex')
  readonly #options: BusOptions
  #subscriber: Subscriber | undefined
  #up = false
  #closed = false
  #epoch = 0
  #settled = false
  readonly #waiters: Array<() => void> = []
  /** Versions not yet taken by Redis, the newest per dependency: sent again until a PUBLISH succeeds. */
  readonly #unsent = new Map<string, string>()
  /** The unsent versions overflowed: the next message tells receivers to forget what they know. */
  #resync = false
  /** Counts overflows, so that a PUBLISH only clears the resync it carried. */
  #overflows = 0
  /** The PUBLISH in flight (one at a time); `#dirty` when more was queued meanwhile. */
  #sending: Promise<void> | undefined
  #dirty = false
  readonly #retry: RetryTimer

  constructor(options: BusOptions) {
    this.#redis = options.redis
    this.#publisher = options.redis
    this.#channel = `{${options.namespace}}:bus`
    this.#options = options
    options.guard.watch(options.redis)
    // One attempt at a time: a PUBLISH that hangs until its timeout must not pile up more behind it.
    this.#retry = new RetryTimer(options.retryMs, () =>
      this.#sending === undefined ? this.#send() : Promise.resolve(),
    )
  }

  /** True while the subscription is live. */
  get up(): boolean {
    return this.#up
  }

  /** True once the first subscription attempt succeeded or failed. */
  get settled(): boolean {
    return this.#settled
  }

  /**
   * Resolves when the first subscription attempt has settled (true), or with false after `timeoutMs`: Redis is
   * slow to answer, and the caller, which has paid its one timeout, asks it nothing more.
   */
  ready(timeoutMs: number): Promise<boolean> {
    if (this.#settled) return Promise.resolve(true)
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        resolve(false) // before settling, which would wake this waiter as in time
        this.#settle()
      }, timeoutMs)
      timer.unref()
      this.#waiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  #settle(): void {
    if (this.#settled) return
    this.#settled = true
    for (const wake of this.#waiters.splice(0)) wake()
  }

  stamp(): number {
    return this.#up ? this.#epoch : -1
  }

  trusts(epoch: number, validatedAt: number, now: number): boolean {
    if (this.#up) return epoch === this.#epoch
    return now - validatedAt <= this.#options.downTrustMs
  }

  /** Opens the subscriber connection (a duplicate of the given client, owned and closed by the bus). */
  start(): void {
    const duplicate = this.#redis.duplicate?.() as unknown as Subscriber | undefined
    if (duplicate === undefined) {
      this.#options.onError(
        'bus',
        new TierError('the Redis client cannot duplicate(): no cross-instance invalidation'),
      )
      this.#settle()
      return
    }
    this.#subscriber = duplicate
    // The subscriber goes when the client it was duplicated from ends (its owner quit it).
    this.#redis.on?.('end', () => void this.close())
    duplicate.on('error', (error: unknown) => this.#options.onError('bus', error))
    // A first attempt that cannot connect settles at once: reads need not wait for a subscription that will not come.
    duplicate.on('close', () => {
      this.#settle()
      this.#down()
    })
    duplicate.on('end', () => this.#down())
    duplicate.on('message', (channel: string, message: string) => this.#receive(channel, message))
    // After a reconnect ioredis subscribes again by itself before 'ready'; our own SUBSCRIBE's reply comes
    // after its one, so when it arrives the subscription is live on the server.
    duplicate.on('ready', () => {
      duplicate.subscribe(this.#channel).then(
        () => this.#resubscribed(),
        (error: unknown) => this.#options.onError('bus', error),
      )
    })
    duplicate.subscribe(this.#channel).then(
      () => this.#resubscribed(),
      (error: unknown) => {
        this.#options.onError('bus', error)
        this.#settle()
      },
    )
  }

  #down(): void {
    if (!this.#up) return
    this.#up = false
    this.#options.onDown()
  }

  #resubscribed(): void {
    if (this.#up || this.#closed) return
    this.#up = true
    this.#missed()
    this.#options.onUp()
    this.#settle()
  }

  /**
   * A new epoch: memory entries validated before it are checked against Redis again, so a late reply that
   * re-learns an old version cannot make them trusted.
   */
  #missed(): void {
    this.#epoch++
    this.#options.onMissed()
  }

  #receive(channel: string, raw: string): void {
    if (channel !== this.#channel) return
    let message: unknown
    try {
      message = JSON.parse(raw)
    } catch (error) {
      this.#options.onError('bus', error)
      return
    }
    if (!isMessage(message) || message.i === this.#instance) return
    if (message.r === 1) this.#missed()
    this.#options.onVersions(message.d, message.v, typeof message.t === 'number' ? message.t : undefined)
  }

  /**
   * Tells the other instances, with whatever earlier PUBLISHes failed to send. Never throws: a failure is
   * reported and everything unsent is sent again every `retryMs`, so no message is lost to a Redis hiccup
   * (receivers only move forward, so sending twice is harmless).
   */
  async publish(
    dependencies: readonly string[],
    versions: readonly string[],
    via: RedisLike = this.#publisher,
  ): Promise<void> {
    this.#publisher = via
    for (let i = 0; i < dependencies.length; i++) {
      const dependency = dependencies[i] as string
      const version = versions[i] as string
      const known = this.#unsent.get(dependency)
      if (known === undefined || compareVersions(version, known) > 0) this.#unsent.set(dependency, version)
    }
    if (this.#unsent.size > TUNABLES.maxUnsentBusVersions) {
      this.#unsent.clear()
      this.#resync = true
      this.#overflows++
    }
    await this.#send()
  }

  /**
   * Sends what is unsent. While PUBLISH works, at once: a message never waits for another one's round trip.
   * After a failure (the retry timer runs), one PUBLISH at a time: while one is in flight, later versions wait
   * and go in the next message, so a failing Redis costs one message per round trip, not one per write. A
   * failure leaves the rest to the retry timer.
   */
  #send(): Promise<void> {
    if (!this.#retry.started && this.#sending === undefined) return this.#flush().then(() => undefined)
    if (this.#sending !== undefined) {
      this.#dirty = true
      return this.#sending
    }
    this.#sending = (async () => {
      try {
        do this.#dirty = false
        while ((await this.#flush()) && this.#dirty)
      } finally {
        this.#sending = undefined
      }
    })()
    return this.#sending
  }

  /** Dependencies whose new versions no PUBLISH has delivered yet. */
  get unsent(): number {
    return this.#unsent.size + (this.#resync ? 1 : 0)
  }

  /** One PUBLISH of everything unsent; false when it failed. */
  async #flush(): Promise<boolean> {
    const publisher = this.#publisher
    const publish = (publisher as { publish?: (channel: string, message: string) => Promise<unknown> })
      .publish
    if (typeof publish !== 'function' || (this.#unsent.size === 0 && !this.#resync)) {
      this.#unsent.clear()
      this.#resync = false
      this.#retry.stop()
      return true
    }
    const message: BusMessage = {
      i: this.#instance,
      d: [...this.#unsent.keys()],
      v: [...this.#unsent.values()],
      t: Date.now(),
      ...(this.#resync ? { r: 1 as const } : {}),
    }
    const overflows = this.#resync ? this.#overflows : undefined
    try {
      const text = JSON.stringify(message)
      await this.#options.guard.run(
        'PUBLISH',
        () => publish.call(publisher, this.#channel, text) as Promise<unknown>,
      )
      message.d.forEach((dependency, i) => {
        if (this.#unsent.get(dependency) === message.v[i]) this.#unsent.delete(dependency)
      })
      if (overflows === this.#overflows) this.#resync = false
      if (this.#unsent.size === 0 && !this.#resync) this.#retry.stop()
      return true
    } catch (error) {
      this.#options.onError('publish', error)
      this.#retry.start()
      return false
    }
  }

  /** Closes the subscriber connection. */
  async close(): Promise<void> {
    await this.#sending
    if (this.unsent > 0) await this.#send()
    this.#retry.close()
    this.#closed = true
    this.#up = false
    const subscriber = this.#subscriber
    this.#subscriber = undefined
    if (subscriber === undefined) return
    // A QUIT to a connection that is not up would wait in its offline queue.
    if (subscriber.status !== 'ready') return subscriber.disconnect()
    await withTimeout(subscriber.quit(), this.#options.guard.timeoutMs, 'QUIT').catch(() =>
      subscriber.disconnect(),
    )
  }
}
