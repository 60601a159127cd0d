import type { CacheInternals } from '../cache-internals.ts'
import { TUNABLES } from '../config/defaults.ts'
import type { CacheApi } from '../types.ts'
import { Aggregator, type SnapshotMeta } from './aggregator.ts'
import { ClusterBoard } from './cluster.ts'
import { type InstanceSnapshot, mergeSnapshots } from './snapshot.ts'
import { type DashboardView, viewOf } from './view.ts'

/**
 * `CACHE_INTERNALS` of `cache-internals.ts`, by its registered name: the dashboard is a separate entry point and
 * must not bundle the cache (and the symbol is the same in every copy of the package).
 */
export const INTERNALS_KEY: unique symbol = Symbol.for('prisma-query-cache.internals')

/** Selects the cluster's figures in the feed (`?instance=cluster`). */
export const CLUSTER = 'cluster'

/** What the page polls. */
export interface FeedResponse {
  /** Instances that published within the snapshot lifetime (this one always), `self` for this one. */
  instances: { id: string; self: boolean; age: number }[]
  /** `cluster` or an instance id. */
  selected: string
  view: DashboardView
}

/** A `$cache` as the dashboard sees it. */
type CacheWithInternals = CacheApi & { [INTERNALS_KEY]?: CacheInternals }

/** The `$cache` of an extended client, with its internals; throws when the client has no `prisma-query-cache`. */
export function cacheOf(prisma: unknown): { api: CacheApi; internals: () => CacheInternals } {
  const api = (prisma as { $cache?: CacheWithInternals } | null)?.$cache
  if (api === undefined || typeof api.subscribe !== 'function' || api[INTERNALS_KEY] === undefined)
    throw new TypeError('dashboard(prisma): expected a client extended with queryCache() (it has no $cache)')
  return { api, internals: () => api[INTERNALS_KEY] as CacheInternals }
}

/**
 * The figures of one cache: subscribes to its events (only from now on: a cache without a dashboard pays
 * nothing), samples its gauges and, with Redis, publishes its snapshot once per bucket and reads the other
 * instances' for the cluster view. `close()` stops all of it.
 */
export class DashboardFeed {
  readonly #aggregator: Aggregator
  readonly #api: CacheApi
  readonly #internals: () => CacheInternals
  readonly #board: ClusterBoard | undefined
  readonly #clock: () => number
  readonly #unsubscribe: () => void
  readonly #timer: ReturnType<typeof setInterval>
  #publishing: Promise<void> | undefined

  constructor(prisma: unknown, options: { clock?: () => number; cluster?: boolean } = {}) {
    const { api, internals } = cacheOf(prisma)
    this.#api = api
    this.#internals = internals
    this.#clock = options.clock ?? Date.now
    this.#aggregator = new Aggregator(this.#clock)
    const { redis, namespace } = internals()
    this.#board =
      redis !== undefined && options.cluster !== false ? new ClusterBoard(redis, namespace) : undefined
    this.#unsubscribe = api.subscribe((event) => this.#aggregator.observe(event))
    this.#sample()
    this.#timer = setInterval(() => this.#tick(), TUNABLES.dashboard.bucketMs)
    this.#timer.unref?.()
  }

  #sample(): void {
    const stats = this.#api.stats()
    const { busUp, breakerOpen } = this.#internals()
    this.#aggregator.sample({
      entries: stats.tiers.memory?.entries ?? 0,
      bytes: stats.tiers.memory?.bytes ?? 0,
      pending: stats.pendingInvalidations,
      bus: busUp === undefined ? 'none' : busUp ? 'up' : 'down',
      breaker: breakerOpen === undefined ? 'none' : breakerOpen ? 'open' : 'closed',
    })
  }

  #tick(): void {
    this.#sample()
    const board = this.#board
    // One publish at a time: a slow Redis skips ticks rather than piling them up.
    if (board === undefined || this.#publishing !== undefined) return
    this.#publishing = board
      .publish(this.snapshot())
      .catch(() => undefined)
      .finally(() => {
        this.#publishing = undefined
      })
  }

  /** This instance's figures now. */
  snapshot(): InstanceSnapshot {
    const { instanceId, namespace, memory } = this.#internals()
    const meta: SnapshotMeta = { instance: instanceId, namespace, memory: memory ?? null }
    return this.#aggregator.snapshot(meta)
  }

  /**
   * The feed for `selected` (`cluster`, an instance id, or undefined: the cluster when other instances published,
   * else this one). Other instances come from Redis; if Redis fails, this instance alone.
   */
  async feed(selected: string | undefined): Promise<FeedResponse> {
    this.#sample()
    const own = this.snapshot()
    const now = own.at
    let others: InstanceSnapshot[] = []
    if (this.#board !== undefined) {
      others = await this.#board.read(now).catch(() => [])
      others = others.filter((snapshot) => snapshot.instance !== own.instance)
    }
    const all = [own, ...others]
    const instances = all.map((s) => ({ id: s.instance, self: s === own, age: Math.max(0, now - s.at) }))
    const choice = selected ?? (others.length > 0 ? CLUSTER : own.instance)
    const picked = choice === CLUSTER ? undefined : all.find((s) => s.instance === choice)
    const snapshot = picked ?? { ...mergeSnapshots(all, CLUSTER), at: now }
    const windowBuckets = TUNABLES.dashboard.windowBuckets
    return { instances, selected: picked?.instance ?? CLUSTER, view: viewOf(snapshot, windowBuckets) }
  }

  /** Stops listening, sampling and publishing (what was published expires by itself). */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#unsubscribe()
    await this.#publishing
  }
}
