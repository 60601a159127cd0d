import { randomBytes } from 'node:crypto'
import { TUNABLES } from '../config/defaults.ts'
import type { RedisTier } from '../storage/redis-tier.ts'

/** A held lease lock: its key and this owner's token. */
export interface LeaseLock {
  key: string
  token: string
}

/** This process's prefix of lock tokens; a counter makes each token unique without a random number per read. */
const TOKEN_PREFIX = randomBytes(6).toString('hex')
let tokens = 0

/** A lock on `key`'s lease (`${key}:lock`) with a token no other owner has. */
export function leaseLockFor(key: string): LeaseLock {
  return { key: `${key}:lock`, token: `${TOKEN_PREFIX}${(tokens++).toString(36)}` }
}

/**
 * What waiting for a key's lock came to: another instance's loaded data, or a load of our own (holding the lock,
 * or not; `redisFailed` when Redis failed, so that the load does not ask it again).
 */
export type LockOutcome =
  | { kind: 'loaded'; data: unknown }
  | { kind: 'load'; lock: LeaseLock | undefined; redisFailed: boolean }

/** What {@link lockOrWait} needs from the stack. */
export interface LockWait {
  redis: RedisTier
  /** The entry's key; the lock is `${key}:lock`. */
  key: string
  leaseMs: number
  /** Milliseconds clock (the cache's): the wait ends at the lease's deadline on it. */
  clock: () => number
  /** The data of a current, fresh entry in Redis, or undefined (never throws). */
  findEntry(): Promise<unknown>
  /** Reports a Redis failure (never throws). */
  onError(error: unknown): void
  /** Runs background work (a release) without awaiting it. */
  track(work: Promise<unknown>): void
  /** Test hook: after a wait found no entry, before trying the lock again. */
  afterWait?: (() => Promise<void> | void) | undefined
  /** What the read's lookup already learnt of the lock in its round trip: taken, or held by another. */
  lease?: { lock: LeaseLock; taken: boolean } | undefined
}

/**
 * Cluster-wide single flight (G5): take the key's lease lock, or wait for the instance that holds it to store
 * the entry. Waiting polls with backoff (a lookup and a renewed attempt to take the lock, so a released or
 * expired lease hands over at once). Redis trouble means loading without the lock: never a failed query.
 */
export async function lockOrWait(wait: LockWait): Promise<LockOutcome> {
  const { redis, leaseMs, lease } = wait
  if (lease?.taken === true) return { kind: 'load', lock: lease.lock, redisFailed: false }
  const lock: LeaseLock = lease?.lock ?? leaseLockFor(wait.key)
  const deadline = wait.clock() + leaseMs
  let delay: number = TUNABLES.lockPoll.firstMs
  // Held by another: the lookup tried already, so the first step is the wait.
  for (let waited = lease !== undefined; ; waited = true) {
    if (waited) {
      if (wait.clock() >= deadline) return { kind: 'load', lock: undefined, redisFailed: false }
      await new Promise((resolve) => setTimeout(resolve, delay))
      delay = Math.min(delay * 2, TUNABLES.lockPoll.maxMs)
      const found = await wait.findEntry()
      if (found !== undefined) return { kind: 'loaded', data: found }
      await wait.afterWait?.()
    }
    try {
      if (await redis.acquireLock(lock.key, lock.token, leaseMs)) {
        if (!waited) return { kind: 'load', lock, redisFailed: false }
        // The holder may have stored its entry and released between our last look and this lock.
        const found = await wait.findEntry()
        if (found === undefined) return { kind: 'load', lock, redisFailed: false }
        wait.track(redis.releaseLock(lock.key, lock.token))
        return { kind: 'loaded', data: found }
      }
    } catch (error) {
      wait.onError(error)
      // The SET may have run with its reply lost: release our token so that no orphan lease holds the others.
      wait.track(redis.releaseLock(lock.key, lock.token).catch(() => undefined))
      return { kind: 'load', lock: undefined, redisFailed: true }
    }
  }
}

/** Releases `lock` once `stored` (the entry's Redis write) has settled, so that waiters find the entry. */
export function releaseAfter(
  redis: RedisTier,
  lock: LeaseLock,
  stored: Promise<void> | undefined,
): Promise<void> {
  return (stored ?? Promise.resolve()).then(() => redis.releaseLock(lock.key, lock.token))
}
