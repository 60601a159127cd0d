/**
 * The concurrency scenarios, on one client of their own so its statement counter sees nothing else: bursts
 * of identical cold reads (how many statements reach the database), and throughput with reads in flight.
 */
import type { TestDatabase } from '../setup/database.ts'
import type { TestRedis } from '../setup/redis.ts'
import {
  type CachedClient,
  cachedReads,
  plainReads,
  QUERIES,
  type Query,
  type Reads,
  withCache,
} from './fixtures.ts'
import type { BurstCase, ThroughputCase } from './measure.ts'
import { expectHit } from './scenarios.ts'

/** Operations per measured throughput round, by kind of case. */
export interface ThroughputOperations {
  readonly hit: number
  readonly uncached: number
}

/** The concurrency cases and what must be closed when the run ends. */
export interface ConcurrencySetup {
  readonly bursts: readonly BurstCase[]
  readonly throughput: readonly ThroughputCase[]
  /** Statements one uncached read of each burst's query sends: what one load costs. */
  readonly statementsPerLoad: ReadonlyMap<string, number>
  /** Name of the uncached throughput case of the same query as `name`. */
  uncachedOf(name: string): string
  readonly caches: readonly CachedClient[]
  /** Connections in the client's pool, which bounds the uncached cases. */
  readonly poolSize: number
}

const POOL_SIZE = 5

/** Builds the burst and throughput cases on a fresh client of `db`; checks that hits are hits. */
export async function buildConcurrency(
  db: TestDatabase,
  redis: TestRedis,
  operations: ThroughputOperations,
): Promise<ConcurrencySetup> {
  const { client, statements } = db.createClient({ poolSize: POOL_SIZE })
  const memory = withCache(client, {})
  const memoryRedis = withCache(client, { redis: redis.connect(), namespace: `${redis.namespace}-burst` })
  const redisOnly = withCache(client, {
    redis: redis.connect(),
    namespace: `${redis.namespace}-throughput`,
    memory: false,
  })
  const configurations: { name: string; reads: Reads; cache?: CachedClient }[] = [
    { name: 'uncached', reads: plainReads(client) },
    { name: 'memory', reads: cachedReads(memory), cache: memory },
    { name: 'memory+redis', reads: cachedReads(memoryRedis), cache: memoryRedis },
  ]

  const bursts: BurstCase[] = []
  const statementsPerLoad = new Map<string, number>()
  for (const query of QUERIES) {
    statements.reset()
    await plainReads(client)[query]()
    for (const { name, reads, cache } of configurations) {
      statementsPerLoad.set(`${query} ${name}`, statements.count)
      bursts.push({
        name: `${query} ${name}`,
        prepare: async () => cache?.$cache.invalidateAll(),
        run: reads[query],
        statements,
      })
    }
  }

  const hits = { 'memory hit': cachedReads(memory), 'redis hit': cachedReads(redisOnly) }
  const throughput: ThroughputCase[] = []
  for (const query of QUERIES) {
    throughput.push({
      name: throughputName(query, 'uncached'),
      run: plainReads(client)[query],
      operationsPerRound: operations.uncached,
    })
    for (const [label, reads] of Object.entries(hits)) {
      await expectHit(reads[query], label === 'memory hit' ? 'memory' : 'redis')
      throughput.push({
        name: throughputName(query, label),
        run: reads[query],
        operationsPerRound: operations.hit,
      })
    }
  }

  return {
    bursts,
    statementsPerLoad,
    throughput,
    uncachedOf: (name) => throughputName(name.split(' ')[0] as Query, 'uncached'),
    caches: [memory, memoryRedis, redisOnly],
    poolSize: POOL_SIZE,
  }
}

function throughputName(query: Query, label: string): string {
  return `${query} ${label}`
}
