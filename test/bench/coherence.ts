/**
 * Cross-instance invalidation delay (G6): two instances share a Redis namespace, each with its own memory tier.
 * Instance B holds a read in memory; instance A writes; the delay is the time from A's write returning to B
 * learning of it through the bus (its `invalidate` event with cause 'bus'). After it, B no longer serves the
 * old value from memory. Reported as percentiles; not asserted.
 */

import type { CacheEvent, QueryCacheOptions } from '../../src/index.ts'
import { queryCache } from '../../src/index.ts'
import { INSTANCE_ID } from '../../src/shared-instance.ts'
import type { TestDatabase } from '../setup/database.ts'
import type { TestRedis } from '../setup/redis.ts'
import { CACHE_STRATEGY, USER_ID } from './fixtures.ts'

/** Delays in milliseconds, one per write. */
export interface CoherenceResult {
  delaysMs: number[]
  staleReadsAfterDelivery: number
}

/** Measures `writes` invalidations from instance A to instance B. */
export async function measureCoherence(
  db: TestDatabase,
  redis: TestRedis,
  writes: number,
): Promise<CoherenceResult> {
  const namespace = `${redis.namespace}-coherence`
  let notify: (() => void) | undefined
  const onEvent = (event: CacheEvent) => {
    if (event.type === 'invalidate' && event.cause === 'bus') notify?.()
  }
  const a = db
    .createClient({ errorFormat: 'minimal' })
    .client.$extends(queryCache({ redis: redis.connect(), namespace, ...separate('coherence-a') }))
  const b = db
    .createClient({ errorFormat: 'minimal' })
    .client.$extends(queryCache({ redis: redis.connect(), namespace, onEvent, ...separate('coherence-b') }))
  const read = () =>
    b.user.findUnique({ where: { id: USER_ID }, cacheStrategy: CACHE_STRATEGY }).withCacheInfo()
  const delaysMs: number[] = []
  let staleReadsAfterDelivery = 0
  try {
    for (let i = 0; i < writes; i++) {
      await read()
      const delivered = new Promise<number>((resolve) => {
        notify = () => resolve(performance.now())
      })
      await a.user.update({ where: { id: USER_ID }, data: { name: `coherence ${i}` } })
      const returned = performance.now()
      const arrived = await delivered
      delaysMs.push(Math.max(0, arrived - returned))
      const after = await read()
      if (after.data?.name !== `coherence ${i}`) staleReadsAfterDelivery++
    }
  } finally {
    await a.$cache.close()
    await b.$cache.close()
  }
  return { delaysMs, staleReadsAfterDelivery }
}

/**
 * Options that make a client an instance of its own, as in another process: clients of one process that share a
 * namespace share one instance (and hear nothing over the bus from each other).
 */
function separate(name: string): QueryCacheOptions {
  return { [INSTANCE_ID]: name } as QueryCacheOptions
}

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

/** Outcome of {@link measureClusterStampede}. */
export interface StampedeResult {
  instances: number
  readsPerInstance: number
  rounds: number
  /** Database statements per round, summed over the instances. */
  statementsPerRound: number[]
  wallMs: number[]
}

/**
 * G5 across instances: `instances` extended clients (own Redis connections, own memory tiers) each send
 * `readsPerInstance` identical cold reads at once; counts the database statements of all of them together.
 */
export async function measureClusterStampede(
  db: TestDatabase,
  redis: TestRedis,
  options: { instances: number; readsPerInstance: number; rounds: number },
): Promise<StampedeResult> {
  const namespace = `${redis.namespace}-stampede`
  const clients = Array.from({ length: options.instances }, (_, i) => {
    const { client, statements } = db.createClient({ errorFormat: 'minimal' })
    const cache = queryCache({ redis: redis.connect(), namespace, ...separate(`stampede-${i}`) })
    return { prisma: client.$extends(cache), statements }
  })
  const statementsPerRound: number[] = []
  const wallMs: number[] = []
  try {
    for (let round = 0; round < options.rounds; round++) {
      await clients[0]?.prisma.$cache.invalidateAll()
      await Promise.all(clients.map((c) => c.prisma.$cache.stats()))
      const before = clients.reduce((sum, c) => sum + c.statements.count, 0)
      const started = performance.now()
      await Promise.all(
        clients.flatMap((c) =>
          Array.from({ length: options.readsPerInstance }, () =>
            c.prisma.user.findUnique({ where: { id: USER_ID }, cacheStrategy: CACHE_STRATEGY }),
          ),
        ),
      )
      wallMs.push(performance.now() - started)
      statementsPerRound.push(clients.reduce((sum, c) => sum + c.statements.count, 0) - before)
    }
  } finally {
    await Promise.all(clients.map((c) => c.prisma.$cache.close()))
  }
  return { ...options, statementsPerRound, wallMs }
}
