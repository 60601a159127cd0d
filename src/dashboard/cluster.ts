import { TUNABLES } from '../config/defaults.ts'
import type { RedisLike } from '../types.ts'
import type { InstanceSnapshot } from './snapshot.ts'

/**
 * Stores the snapshot (with its lifetime) and lists the instance in the namespace's index, a sorted set scored by
 * publish time: instances that stopped publishing are dropped from it, and so are the oldest past the cap. One
 * hash tag for both keys, so this runs on a Redis Cluster too.
 */
const PUBLISH_SCRIPT = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[2]))
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`

/** The instances that published since ARGV[1] (ms), newest last. */
const LIST_SCRIPT = `return redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')`

/** ioredis connection states in which a command would wait for a reconnect. */
const DOWN: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end'])

/** Redis keys of a namespace's dashboard. */
export function clusterKeys(namespace: string) {
  const tag = `{${namespace}:dashboard}`
  return { index: `${tag}:instances`, snapshot: (instance: string) => `${tag}:snapshot:${instance}` }
}

/** How long a snapshot lives (ms) and how many instances are listed; see `TUNABLES.dashboard`. */
export interface ClusterLimits {
  readonly snapshotTtlMs: number
  readonly maxInstances: number
  readonly redisTimeoutMs: number
}

function isSnapshot(value: unknown): value is InstanceSnapshot {
  if (value === null || typeof value !== 'object') return false
  const s = value as Partial<InstanceSnapshot>
  return (
    typeof s.instance === 'string' &&
    typeof s.at === 'number' &&
    typeof s.bucketMs === 'number' &&
    Array.isArray(s.buckets) &&
    Array.isArray(s.hotKeys) &&
    Array.isArray(s.misses)
  )
}

/**
 * The instances of a namespace sharing Redis: each dashboard publishes its instance's snapshot, bounded in size
 * by the aggregator's limits, under a key that expires `snapshotTtlMs` after its last publish; at most
 * `maxInstances` are listed. Nothing is ever scanned.
 */
export class ClusterBoard {
  readonly #redis: RedisLike
  readonly #keys: ReturnType<typeof clusterKeys>
  readonly #limits: ClusterLimits

  constructor(redis: RedisLike, namespace: string, limits: ClusterLimits = TUNABLES.dashboard) {
    this.#redis = redis
    this.#keys = clusterKeys(namespace)
    this.#limits = limits
  }

  /**
   * Runs a command unless the connection is known to be down (ioredis would hold it in its offline queue until it
   * reconnects), and gives up on it after `redisTimeoutMs`: a Redis that is down never holds the page or a publish.
   */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    const { status } = this.#redis
    if (status !== undefined && DOWN.has(status)) throw new Error(`dashboard: Redis is ${status}`)
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('dashboard: Redis timed out')), this.#limits.redisTimeoutMs)
    })
    try {
      return await Promise.race([command(), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Publishes this instance's snapshot (its `at` is the publish time). */
  async publish(snapshot: InstanceSnapshot): Promise<void> {
    const { snapshotTtlMs, maxInstances } = this.#limits
    const text = JSON.stringify(snapshot)
    const { index } = this.#keys
    const key = this.#keys.snapshot(snapshot.instance)
    await this.#call(() =>
      this.#redis.eval(
        PUBLISH_SCRIPT,
        2,
        index,
        key,
        text,
        snapshotTtlMs,
        snapshot.at,
        snapshot.instance,
        maxInstances,
      ),
    )
  }

  /** The snapshots of the instances that published within `snapshotTtlMs` of `now` (ms). */
  async read(now: number): Promise<InstanceSnapshot[]> {
    const since = now - this.#limits.snapshotTtlMs
    const listed = await this.#call(() => this.#redis.eval(LIST_SCRIPT, 1, this.#keys.index, since))
    const instances = Array.isArray(listed) ? listed.filter((id) => typeof id === 'string') : []
    if (instances.length === 0) return []
    const texts = await this.#call(() => this.#redis.mget(...instances.map((id) => this.#keys.snapshot(id))))
    const snapshots: InstanceSnapshot[] = []
    for (const text of texts) {
      if (text === null) continue
      try {
        const parsed: unknown = JSON.parse(text)
        if (isSnapshot(parsed)) snapshots.push(parsed)
      } catch {
        // A snapshot that does not parse is left out of the view.
      }
    }
    return snapshots
  }
}
