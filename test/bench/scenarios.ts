/**
 * The latency scenarios: every client configuration the report compares, built, warmed and checked (a hit
 * must really be a hit from the expected tier, and return what the database returns).
 */
import { isDeepStrictEqual } from 'node:util'
import { LRUCache } from 'lru-cache'
import type { PrismaClient } from '../../generated/prisma/client.ts'
import type { TierName } from '../../src/index.ts'
import { softRegionDependency } from '../../src/invalidation/dependency-ids.ts'
import { createCodec } from '../../src/storage/codec.ts'
import { decodeEntry } from '../../src/storage/entry.ts'
import { GuardedCall } from '../../src/storage/guarded-call.ts'
import { RedisTier } from '../../src/storage/redis-tier.ts'
import type { TestDatabase } from '../setup/database.ts'
import type { TestRedis } from '../setup/redis.ts'
import {
  type CachedReads,
  type CacheOwner,
  cachedReads,
  ERROR_FORMATS,
  type ErrorFormat,
  hookReads,
  plainReads,
  QUERIES,
  type Query,
  type Reads,
  withAcceleratedCache,
  withCache,
  withStoredResults,
} from './fixtures.ts'
import type { AsyncCase, LatencyCase } from './measure.ts'
import { addMissScenarios } from './miss-scenarios.ts'
import { expectPeerHit, peerReads } from './peer.ts'
import { benchSdk } from './telemetry-sdk.ts'

/** What each scenario measures, as printed. */
export const LABEL = {
  uncached: 'uncached',
  hookFloor: 'hook floor',
  memoryHit: 'memory hit',
  memoryHitNoTelemetry: 'memory hit, telemetry: false',
  memoryHitSdk: 'memory hit, OTel SDK',
  redisHit: 'redis hit',
  acceleratedMemoryHit: 'withAccelerate memory hit',
  acceleratedRedisHit: 'withAccelerate redis hit',
  redisFloor: 'GET + decode',
  redisVersionedFloor: 'GET + MGET versions + decode',
  peerHit: 'prisma-extension-redis hit',
  uncachedNewFilter: 'uncached, new filter',
  missMemory: 'miss, memory (no redis)',
  missRegion: 'miss, memory-only region (redis on)',
  missMemoryRedis: 'miss, memory+redis',
  redisGet: 'GET',
  lruGet: 'lru-cache get',
} as const
export type Label = (typeof LABEL)[keyof typeof LABEL]

/** Samples per scenario, by the order of magnitude of one operation. */
export interface Iterations {
  /** Microsecond-scale operations: hook floor, memory hits, lru-cache. */
  readonly micro: number
  /** One Redis round trip. */
  readonly redis: number
  /** One or two database round trips. */
  readonly database: number
}

/** One row of the latency table. */
export interface Scenario {
  readonly query: Query | undefined
  readonly label: Label
  readonly format: ErrorFormat | undefined
  /** Name of the scenario this one is compared with in the table. */
  readonly reference: string | undefined
  readonly measure: LatencyCase
}

/** Unique name of a scenario, e.g. `findMany memory hit [minimal]`. */
export function scenarioName(query: Query | undefined, label: Label, format?: ErrorFormat): string {
  return [query, label, format && `[${format}]`].filter(Boolean).join(' ')
}

/** Adds a row: its query, label, error format, the row it is compared with, what it runs and how often. */
export type AddScenario = (
  query: Query | undefined,
  label: Label,
  format: ErrorFormat | undefined,
  reference: string | undefined,
  run: AsyncCase['run'],
  count: number,
) => void

/** The scenarios and what must be closed when the run ends. */
export interface LatencySetup {
  readonly scenarios: readonly Scenario[]
  readonly caches: readonly CacheOwner[]
  /** Shuts down what the scenarios started besides the caches (the OpenTelemetry SDK). */
  readonly shutdown: () => Promise<void>
}

/**
 * Builds every latency scenario on `db` (already seeded), with the Redis-tier caches each in a namespace of
 * their own under `redis.namespace`, and checks that each one serves what it claims before it is measured.
 */
export async function buildLatencyScenarios(
  db: TestDatabase,
  redis: TestRedis,
  iterations: Iterations,
): Promise<LatencySetup> {
  const scenarios: Scenario[] = []
  const caches: CacheOwner[] = []
  const add: AddScenario = (query, label, format, reference, run, count) => {
    const name = scenarioName(query, label, format)
    scenarios.push({ query, label, format, reference, measure: { name, run, iterations: count } })
  }
  /** Registers a cached client to close at the end. */
  const own = <C extends CacheOwner>(cached: C): C => {
    caches.push(cached)
    return cached
  }
  const cache = (client: PrismaClient, options: Parameters<typeof withCache>[1]) =>
    own(withCache(client, options))
  const accelerated = (client: PrismaClient, options: Parameters<typeof withCache>[1]) =>
    own(withAcceleratedCache(client, options))

  const plain = {
    default: db.createClient().client,
    minimal: db.createClient({ errorFormat: 'minimal' }).client,
  } satisfies Record<ErrorFormat, PrismaClient>
  const expected = {
    findUnique: await plainReads(plain.default).findUnique(),
    findMany: await plainReads(plain.default).findMany(),
  } satisfies Record<Query, unknown>

  // One connection for every Redis hit and its floors: connections can differ in latency (each TCP flow
  // may be steered to another CPU), which would otherwise skew the ratios.
  const connection = redis.connect()
  const redisKeys: Partial<Record<Query, string>> = {}
  const peerCounts = { hits: 0, misses: 0 }
  const peer = peerReads(plain.default, connection, `${redis.namespace}-peer`, peerCounts)
  for (const query of QUERIES) {
    await expectPeerHit(peer[query], peerCounts, expected[query])
    add(
      query,
      LABEL.peerHit,
      undefined,
      scenarioName(query, LABEL.redisHit, 'default'),
      peer[query],
      iterations.redis,
    )
  }

  // The memory hit rows run with @opentelemetry/api installed and no provider registered (the default); these
  // price telemetry: none at all, and an SDK recording every span and metric.
  const sdk = benchSdk()
  for (const format of ERROR_FORMATS) {
    const uncached = plainReads(plain[format])
    const floor = hookReads(withStoredResults(plain[format], expected))
    const memory = cachedReads(cache(plain[format], {}))
    const untraced = cachedReads(cache(plain[format], { telemetry: false }))
    const traced = cachedReads(cache(plain[format], { telemetry: sdk.telemetry }))
    const redisOnly = cachedReads(
      cache(plain[format], {
        redis: connection,
        namespace: `${redis.namespace}-hit-${format}`,
        memory: false,
      }),
    )
    // The same hits through withAccelerate(), each in a namespace of its own: compared with queryCache()'s.
    const acceleratedMemory = cachedReads(accelerated(plain[format], { namespace: 'bench-accelerate' }))
    const acceleratedRedis = cachedReads(
      accelerated(plain[format], {
        redis: connection,
        namespace: `${redis.namespace}-accelerate-hit-${format}`,
        memory: false,
      }),
    )
    for (const query of QUERIES) {
      await expectSame(floor[query], expected[query], `${query} hook floor`)
      await expectHit(acceleratedMemory[query], 'memory', expected[query])
      await expectHit(acceleratedRedis[query], 'redis', expected[query])
      await expectHit(memory[query], 'memory', expected[query])
      await expectHit(untraced[query], 'memory', expected[query])
      await expectHit(traced[query], 'memory', expected[query])
      const key = await expectHit(redisOnly[query], 'redis', expected[query])
      if (format === 'default') redisKeys[query] = key
      const uncachedName = scenarioName(query, LABEL.uncached, format)
      const floorName = scenarioName(query, LABEL.hookFloor, format)
      add(
        query,
        LABEL.uncached,
        format,
        format === 'default' ? undefined : scenarioName(query, LABEL.uncached, 'default'),
        uncached[query],
        iterations.database,
      )
      add(query, LABEL.hookFloor, format, uncachedName, floor[query], iterations.micro)
      const untracedName = scenarioName(query, LABEL.memoryHitNoTelemetry, format)
      add(query, LABEL.memoryHitNoTelemetry, format, floorName, untraced[query], iterations.micro)
      add(query, LABEL.memoryHit, format, untracedName, memory[query], iterations.micro)
      add(query, LABEL.memoryHitSdk, format, untracedName, traced[query], iterations.micro)
      add(
        query,
        LABEL.redisHit,
        format,
        scenarioName(query, LABEL.redisFloor),
        redisOnly[query],
        iterations.redis,
      )
      const memoryHit = scenarioName(query, LABEL.memoryHit, format)
      const redisHit = scenarioName(query, LABEL.redisHit, format)
      add(query, LABEL.acceleratedMemoryHit, format, memoryHit, acceleratedMemory[query], iterations.micro)
      add(query, LABEL.acceleratedRedisHit, format, redisHit, acceleratedRedis[query], iterations.redis)
    }
  }

  // The raw floor of a Redis hit: the very bytes the cache stored, fetched and decoded as its hit does;
  // then the same with the version read (one MGET, sent beside the GET) that a versioned hit needs too.
  // Only for the names of the version keys, so that they follow the tier whatever its format.
  const codec = createCodec()
  const names = new RedisTier({
    client: connection,
    namespace: `${redis.namespace}-hit-default`,
    codec,
    guard: new GuardedCall({ timeoutMs: 1_000, clock: Date.now }),
  })
  for (const query of QUERIES) {
    const key = redisKeys[query]!
    const { dependencies } = decodeEntry(codec, key, (await connection.getBuffer(key))!)
    const versionKeys = [...dependencies, softRegionDependency('default')].map((d) => names.versionKey(d))
    const floorName = scenarioName(query, LABEL.redisFloor)
    const get = async () => decodeEntry(codec, key, (await connection.getBuffer(key))!)
    const getWithVersions = async () => {
      const [bytes] = await Promise.all([connection.getBuffer(key), connection.mget(...versionKeys)])
      return decodeEntry(codec, key, bytes!)
    }
    add(
      query,
      LABEL.redisFloor,
      undefined,
      scenarioName(query, LABEL.uncached, 'default'),
      get,
      iterations.redis,
    )
    add(query, LABEL.redisVersionedFloor, undefined, floorName, getWithVersions, iterations.redis)
  }

  await addMissScenarios(add, {
    client: plain.default,
    connection,
    namespace: redis.namespace,
    cache,
    iterations,
  })

  const lru = new LRUCache<string, object>({ max: 10_000 })
  lru.set('key', expected.findUnique as object)
  scenarios.push({
    query: undefined,
    label: LABEL.lruGet,
    format: undefined,
    reference: undefined,
    measure: { name: LABEL.lruGet, run: () => lru.get('key'), iterations: iterations.micro, batch: 100 },
  })
  return { scenarios, caches, shutdown: sdk.shutdown }
}

async function expectSame(read: Reads[Query], expected: unknown, what: string): Promise<void> {
  const data = await read()
  if (!isDeepStrictEqual(data, expected)) throw new Error(`${what} returned something else than the database`)
}

/**
 * Fills the cache, then checks that the next read is a hit from `tier` (with `expected` when given).
 * Returns the entry's key.
 */
export async function expectHit(
  read: CachedReads[Query],
  tier: TierName,
  expected?: unknown,
): Promise<string> {
  await read()
  const { data, info } = await read().withCacheInfo()
  if (info.status !== 'hit' || info.tier !== tier) {
    throw new Error(`expected a ${tier} hit, got ${JSON.stringify(info)}`)
  }
  if (expected !== undefined && !isDeepStrictEqual(data, expected)) {
    throw new Error(`${info.key} served something else than the database`)
  }
  return info.key
}
