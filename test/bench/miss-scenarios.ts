/**
 * The miss rows of the latency table, each beside uncached Prisma running the same new filter: the memory tier
 * without Redis, a memory-only region of a cache that has Redis (its versions confirmed under the bus
 * subscription, so no Redis round trip before the database), memory + Redis (one round trip before the
 * database), and the bare round trip those are measured against: a `GET` of a small key on the same connection.
 */
import type { Redis } from 'ioredis'
import type { PrismaClient } from '../../generated/prisma/client.ts'
import {
  type CachedClient,
  type CachedReads,
  cachedMissReads,
  plainMissReads,
  QUERIES,
  type Query,
  type withCache,
} from './fixtures.ts'
import { type AddScenario, LABEL, scenarioName } from './scenarios.ts'

/** What the miss rows are built from. */
export interface MissSetup {
  /** The plain client (default errorFormat) every miss row runs on. */
  readonly client: PrismaClient
  /** The connection of the Redis rows and of the `GET` floor. */
  readonly connection: Redis
  /** Prefix of this setup's Redis keys. */
  readonly namespace: string
  /** Installs the cache on `client`; the caller closes it at the end of the run. */
  readonly cache: (client: PrismaClient, options: Parameters<typeof withCache>[1]) => CachedClient
  readonly iterations: { readonly redis: number; readonly database: number }
}

/** Adds the miss rows and the `GET` floor, after checking that each miss row really misses. */
export async function addMissScenarios(add: AddScenario, setup: MissSetup): Promise<void> {
  const { client, connection, namespace, cache, iterations } = setup
  const reference = plainMissReads(client)
  const misses: [
    typeof LABEL.missMemory | typeof LABEL.missRegion | typeof LABEL.missMemoryRedis,
    CachedReads,
  ][] = [
    [LABEL.missMemory, cachedMissReads(cache(client, {}))],
    [
      LABEL.missRegion,
      cachedMissReads(
        cache(client, {
          redis: connection,
          namespace: `${namespace}-region`,
          regions: { default: { tiers: ['memory'] } },
        }),
      ),
    ],
    [
      LABEL.missMemoryRedis,
      cachedMissReads(cache(client, { redis: connection, namespace: `${namespace}-miss` })),
    ],
  ]
  for (const query of QUERIES) {
    const referenceName = scenarioName(query, LABEL.uncachedNewFilter)
    add(query, LABEL.uncachedNewFilter, undefined, undefined, reference[query], iterations.database)
    for (const [label, reads] of misses) {
      await expectMiss(reads[query])
      add(query, label, undefined, referenceName, reads[query], iterations.database)
    }
  }

  const key = `${namespace}-get-floor`
  await connection.set(key, 'x')
  add(undefined, LABEL.redisGet, undefined, undefined, () => connection.getBuffer(key), iterations.redis)
}

async function expectMiss(read: CachedReads[Query]): Promise<void> {
  const { info } = await read().withCacheInfo()
  if (info.status !== 'miss') throw new Error(`expected a miss, got ${JSON.stringify(info)}`)
}
