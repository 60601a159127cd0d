import type { Redis } from 'ioredis'

/**
 * A chaos wrapper for the Redis tier and the invalidation bus: wraps an ioredis client so that the commands
 * the cache sends fail, lose their reply after running, or are held back, and so that the bus subscriber it
 * duplicates receives messages late, twice, or loses its connection (and reconnects, as ioredis does).
 * Deterministic for a seed. Used by the chaos tests and by the model-based chaos configurations.
 */

/** Probabilities (0–1) per command or per message, and the longest hold-back. */
export interface ChaosPolicy {
  /** These commands always fail, as through a proxy or an ACL that does not allow them. */
  refuse?: readonly string[]
  /** A command fails before it reaches Redis (it does not run). */
  fail?: number
  /** A command runs in Redis, then the caller gets an error instead of the reply. */
  lose?: number
  /**
   * A command is held back up to `maxDelayMs` before it is sent, and the commands after it on the same
   * connection wait behind it, as on a slow link (beyond `redisTimeout` they time out, then run late).
   */
  delay?: number
  maxDelayMs?: number
  /** A bus message is delivered up to `maxDelayMs` late (the ones after it wait behind it, as on a slow link). */
  delayMessage?: number
  /** A bus message is never delivered (for self-tests: Redis does not lose messages on a live subscription). */
  dropMessage?: number
  /** A bus message is delivered twice. */
  duplicateMessage?: number
  /** Per command: the bus subscriber's connection drops (ioredis reconnects and subscribes again). */
  dropSubscription?: number
}

/** Commands the cache sends; everything else passes through untouched. */
const COMMANDS = new Set([
  'get',
  'getBuffer',
  'mget',
  'mgetBuffer',
  'set',
  'evalsha',
  'eval',
  'evalshaBuffer',
  'evalBuffer',
  'publish',
])

/** A one-shot rule: the next command that matches fails (`fail`) or loses its reply (`lose`). */
interface Rule {
  match: (command: string, args: readonly unknown[]) => boolean
  mode: 'fail' | 'lose'
  fired: () => void
}

/** A one-shot hold: the next matching command is sent at once; its reply reaches the caller on `release()`. */
interface Hold {
  match: (command: string, args: readonly unknown[]) => boolean
  sent: () => void
  released: Promise<void>
}

export interface ChaosCounts {
  commands: number
  messages: number
  failed: number
  lost: number
  delayed: number
  messagesDelayed: number
  messagesDropped: number
  messagesDuplicated: number
  subscriptionsDropped: number
}

/** An error chaos injected (never says NOSCRIPT, so the cache does not fall back to EVAL). */
export class ChaosError extends Error {
  override name = 'ChaosError'
}

/** A link that keeps order: work held back delays everything after it. */
class OrderedLink {
  #tail: Promise<unknown> = Promise.resolve()
  #heldBack = 0

  /** Runs `work` after `pauseMs` and after everything held back before it. */
  holdBack<T>(pauseMs: number, work: () => T | Promise<T>): Promise<T> {
    this.#heldBack++
    const due = this.#tail
      .then(() => new Promise((resolve) => setTimeout(resolve, pauseMs)))
      .finally(() => this.#heldBack--)
    this.#tail = due
    return due.then(work)
  }

  /** Runs `work` now, or after what is held back before it. */
  inOrder<T>(work: () => T): T | Promise<T> {
    return this.#heldBack === 0 ? work() : this.#tail.then(work)
  }
}

/** mulberry32: a small seeded generator, so that a failing chaos run can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Chaos {
  readonly counts: ChaosCounts = {
    commands: 0,
    messages: 0,
    failed: 0,
    lost: 0,
    delayed: 0,
    messagesDelayed: 0,
    messagesDropped: 0,
    messagesDuplicated: 0,
    subscriptionsDropped: 0,
  }
  policy: ChaosPolicy
  /** While false, nothing is done to commands (one-shot rules still fire). */
  enabled = true
  /** While false, nothing is done to bus messages. */
  messagesEnabled = true
  /** Every command is refused at once, as by a Redis that went away. */
  outage = false
  readonly #random: () => number
  readonly #rules: Rule[] = []
  readonly #holds: Hold[] = []
  readonly #inFlight = new Set<Promise<unknown>>()
  readonly #subscribers = new Set<Redis>()
  /** Commands are sent in order, bus messages delivered in order, as over one connection each. */
  readonly #commands = new OrderedLink()
  readonly #messages = new OrderedLink()

  constructor(seed: number, policy: ChaosPolicy = {}) {
    this.#random = generator(seed)
    this.policy = policy
  }

  #roll(probability: number | undefined, enabled = this.enabled): boolean {
    return enabled && probability !== undefined && probability > 0 && this.#random() < probability
  }

  #pause(): number {
    return Math.floor(this.#random() * (this.policy.maxDelayMs ?? 50))
  }

  #track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.catch(() => undefined)
    this.#inFlight.add(tracked)
    void tracked.finally(() => this.#inFlight.delete(tracked))
    return work
  }

  /** The next command that matches fails (does not run) or runs and loses its reply. Resolves when it fired. */
  next(mode: 'fail' | 'lose', match: (command: string, args: readonly unknown[]) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.#rules.push({ match, mode, fired: resolve })
    })
  }

  /**
   * The next command that matches is sent at once, but its reply reaches the caller only on `release()`, as
   * a reply from another Cluster node can come after later commands' replies. `sent` resolves when it was sent.
   */
  holdReply(match: (command: string, args: readonly unknown[]) => boolean): {
    sent: Promise<void>
    release: () => void
  } {
    let release!: () => void
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const sent = new Promise<void>((resolve) => {
      this.#holds.push({ match, sent: resolve, released })
    })
    return { sent, release }
  }

  /** Resolves when no held-back command or message is pending. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight])
  }

  /** Drops every bus subscriber connection made through this chaos (they reconnect). */
  dropSubscriptions(): void {
    for (const subscriber of this.#subscribers) {
      this.counts.subscriptionsDropped++
      subscriber.disconnect(true)
    }
  }

  /** Wraps a client: commands and the subscriber it duplicates go through this chaos. */
  wrap<R extends Redis>(client: R): R {
    return new Proxy(client, {
      get: (target, property) => {
        const value = Reflect.get(target, property, target) as unknown
        if (property === 'duplicate') return () => this.#subscriber(target.duplicate())
        if (typeof value !== 'function') return value
        if (typeof property === 'string' && COMMANDS.has(property)) {
          return (...args: unknown[]) =>
            this.#command(property, args, () =>
              (value as (...a: unknown[]) => Promise<unknown>).apply(target, args),
            )
        }
        return (value as (...a: unknown[]) => unknown).bind(target)
      },
    })
  }

  #command(command: string, args: readonly unknown[], send: () => Promise<unknown>): Promise<unknown> {
    this.counts.commands++
    if (this.#roll(this.policy.dropSubscription)) this.dropSubscriptions()
    const hold = this.#holds.find((candidate) => candidate.match(command, args))
    if (hold !== undefined) {
      this.#holds.splice(this.#holds.indexOf(hold), 1)
      const reply = send()
      hold.sent()
      return reply.then(
        (value) => hold.released.then(() => value),
        (error: unknown) =>
          hold.released.then(() => {
            throw error
          }),
      )
    }
    const rule = this.#rules.find((candidate) => candidate.match(command, args))
    if (rule !== undefined) {
      this.#rules.splice(this.#rules.indexOf(rule), 1)
      rule.fired()
      return rule.mode === 'fail' ? this.#failed(command) : this.#lost(command, send)
    }
    if (this.outage || (this.enabled && this.policy.refuse?.includes(command))) return this.#failed(command)
    if (this.#roll(this.policy.fail)) return this.#failed(command)
    if (this.#roll(this.policy.lose)) return this.#lost(command, send)
    if (this.#roll(this.policy.delay)) {
      this.counts.delayed++
      return this.#track(this.#commands.holdBack(this.#pause(), send))
    }
    return this.#inOrder(send)
  }

  /** Sends now, or after the held-back commands before it. */
  #inOrder(send: () => Promise<unknown>): Promise<unknown> {
    return this.#track(Promise.resolve(this.#commands.inOrder(send)))
  }

  #failed(command: string): Promise<never> {
    this.counts.failed++
    return Promise.reject(new ChaosError(`chaos: ${command} failed before reaching Redis`))
  }

  #lost(command: string, send: () => Promise<unknown>): Promise<never> {
    this.counts.lost++
    return this.#track(
      this.#inOrder(send).then(
        () => {
          throw new ChaosError(`chaos: ${command} ran in Redis but its reply was lost`)
        },
        (error: unknown) => {
          throw error
        },
      ),
    )
  }

  #subscriber(subscriber: Redis): Redis {
    this.#subscribers.add(subscriber)
    subscriber.once('end', () => this.#subscribers.delete(subscriber))
    return new Proxy(subscriber, {
      get: (target, property) => {
        const value = Reflect.get(target, property, target) as unknown
        if (property === 'on') {
          return (event: string, listener: (...args: unknown[]) => void) => {
            target.on(event, event === 'message' ? this.#messageListener(listener) : listener)
            return target
          }
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      },
    })
  }

  #messageListener(listener: (...args: unknown[]) => void): (...args: unknown[]) => void {
    return (...args: unknown[]) => {
      this.counts.messages++
      if (this.#roll(this.policy.dropMessage, this.messagesEnabled)) {
        this.counts.messagesDropped++
        return
      }
      const deliver = () => {
        if (this.#roll(this.policy.duplicateMessage, this.messagesEnabled)) {
          this.counts.messagesDuplicated++
          listener(...args)
        }
        listener(...args)
      }
      if (this.#roll(this.policy.delayMessage, this.messagesEnabled)) {
        this.counts.messagesDelayed++
        this.#track(this.#messages.holdBack(this.#pause(), deliver))
      } else {
        this.#track(Promise.resolve(this.#messages.inOrder(deliver)))
      }
    }
  }
}
