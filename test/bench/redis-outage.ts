/**
 * What a misbehaving Redis adds to cached reads: sequential `findUnique` reads over a fixed wall-clock window,
 * memory tier off so that every read asks Redis, next to uncached Prisma: Redis healthy, refused (nothing listens
 * on its port), unreachable (no such unix socket), closed mid-run (a private redis-server stopped a third into
 * the window and started again at two thirds) and a black hole (accepts connections, never answers). Each cached
 * case starts with a fresh cache on a fresh connection made as a new user makes one (ioredis defaults), so its
 * first read is a new client's first read and its window includes the failures that open the circuit breaker.
 * Every read is checked against the database's row. Reported, not asserted.
 */
import { isDeepStrictEqual } from 'node:util'
import { Redis } from 'ioredis'
import type { PrismaClient } from '../../generated/prisma/client.ts'
import type { TestDatabase } from '../setup/database.ts'
import { freePort, privateRedis } from '../setup/private-redis.ts'
import type { TestRedis } from '../setup/redis.ts'
import { silentServer } from '../setup/silent-server.ts'
import { percentile } from './coherence.ts'
import { USER_ID, withCache } from './fixtures.ts'

/** The cached reads' strategy. */
export const OUTAGE_STRATEGY = { ttl: 60 } as const

/** Reads slower than this, in milliseconds, waited on Redis: a timeout, or the breaker's probe. */
export const SLOW_READ_MS = 100

/** A unix socket path that does not exist: a Redis that cannot be reached at all. */
const MISSING_SOCKET = '/nonexistent/prisma-query-cache-bench.sock'

/** The cases, in the order they run and print. */
export const OUTAGE_CASES = [
  'uncached',
  'redis healthy',
  'refused',
  'unreachable',
  'closed mid-run',
  'black hole',
] as const
export type OutageCase = (typeof OUTAGE_CASES)[number]

/** One case's reads over the window; latencies in milliseconds. */
export interface OutageResult {
  readonly name: OutageCase
  readonly reads: number
  /** The first read of the case's fresh client. */
  readonly firstMs: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** When the slowest read started, in milliseconds into the window. */
  readonly maxAtMs: number
  /** Reads slower than {@link SLOW_READ_MS}. */
  readonly slowReads: number
  /** Closed mid-run: from Redis' restart to the first Redis hit after it, or null if none came. */
  readonly recoveredMs?: number | null
}

/** One read: its data, and whether the cache served it from Redis. */
type Read = () => Promise<{ data: unknown; hit: boolean }>

/** Something to do at a point of the window (not awaited by the reads: it happens while they run). */
interface WindowEvent {
  /** Milliseconds into the window. */
  readonly at: number
  readonly run: () => Promise<void>
  /** Redis comes back: the time to the first Redis hit after it is reported. */
  readonly restarts?: true
}

/** A case ready to read, what happens during its window, and what to close after it. */
interface OpenCase {
  readonly read: Read
  readonly events?: readonly WindowEvent[]
  close(): Promise<void>
}

/**
 * Runs each case for `windowMs` of sequential reads, one after the other, on a fresh cache over one client of
 * `db` (already seeded); the healthy case uses its own namespace under `redis.namespace`. Throws if any read
 * returns something else than the database.
 */
export async function measureRedisOutage(
  db: TestDatabase,
  redis: TestRedis,
  windowMs: number,
): Promise<OutageResult[]> {
  const { client } = db.createClient()
  const uncached = () => client.user.findUnique({ where: { id: USER_ID } })
  const expected = await uncached()
  if (expected === null) throw new Error(`user ${USER_ID} is missing: seed the database first`)
  // Warm the pool and the query path, so that the first case does not pay for them.
  for (let i = 0; i < 100; i++) await uncached()
  const namespace = (name: string) => `${redis.namespace}-outage-${name.replace(/\W+/g, '-')}`

  const opens: Record<OutageCase, () => Promise<OpenCase>> = {
    uncached: async () => ({
      read: async () => ({ data: await uncached(), hit: false }),
      close: async () => {},
    }),
    'redis healthy': async () => cachedCase(client, userRedis(redis.url), namespace('healthy')),
    refused: async () =>
      cachedCase(client, userRedis(`redis://127.0.0.1:${await freePort()}`), namespace('refused')),
    unreachable: async () =>
      cachedCase(client, userRedis({ path: MISSING_SOCKET }), namespace('unreachable')),
    'closed mid-run': async () => {
      const server = await privateRedis()
      const open = cachedCase(client, userRedis(server.url), namespace('closed'), () => server.dispose())
      const events = [
        { at: windowMs / 3, run: () => server.stop() },
        { at: (2 * windowMs) / 3, run: () => server.start(), restarts: true as const },
      ]
      return { ...open, events }
    },
    'black hole': async () => {
      const hole = await silentServer()
      return cachedCase(client, userRedis(`redis://127.0.0.1:${hole.port}`), namespace('hole'), () =>
        hole.close(),
      )
    },
  }

  const results: OutageResult[] = []
  for (const name of OUTAGE_CASES) {
    const open = await opens[name]()
    try {
      results.push(await readFor(name, open, expected, windowMs))
    } finally {
      await open.close()
    }
  }
  return results
}

/** A connection as a new user makes one: ioredis' defaults (reconnecting, offline queue), errors handled. */
function userRedis(target: string | { path: string }): Redis {
  const connection = typeof target === 'string' ? new Redis(target) : new Redis(target)
  connection.on('error', () => {})
  return connection
}

/** The cached read on `client` with `connection` as its Redis tier; `release` runs after the connection ends. */
function cachedCase(
  client: PrismaClient,
  connection: Redis,
  namespace: string,
  release: () => Promise<void> = async () => {},
): OpenCase {
  const cache = withCache(client, { redis: connection, namespace, memory: false })
  return {
    read: async () => {
      const { data, info } = await cache.user
        .findUnique({ where: { id: USER_ID }, cacheStrategy: OUTAGE_STRATEGY })
        .withCacheInfo()
      return { data, hit: info.status === 'hit' && info.tier === 'redis' }
    },
    async close() {
      await cache.$cache.close()
      connection.disconnect()
      await release()
    },
  }
}

/** Sequential reads for `windowMs`, the case's events started when their time comes. */
async function readFor(
  name: OutageCase,
  open: OpenCase,
  expected: unknown,
  windowMs: number,
): Promise<OutageResult> {
  const latencies: number[] = []
  let slowest = -1
  let maxAtMs = 0
  const pending = [...(open.events ?? [])]
  const started: Promise<void>[] = []
  let restartedAt: number | undefined
  let recoveredMs: number | null = null
  const begin = performance.now()
  while (performance.now() - begin < windowMs) {
    while (pending.length > 0 && performance.now() - begin >= pending[0]!.at) {
      const event = pending.shift()!
      if (event.restarts) restartedAt = performance.now()
      started.push(event.run())
    }
    const start = performance.now()
    const { data, hit } = await open.read()
    const end = performance.now()
    if (end - start > slowest) {
      slowest = end - start
      maxAtMs = start - begin
    }
    latencies.push(end - start)
    if (!isDeepStrictEqual(data, expected)) {
      throw new Error(`${name}: read ${latencies.length} returned something else than the database`)
    }
    if (hit && restartedAt !== undefined && recoveredMs === null) recoveredMs = end - restartedAt
  }
  await Promise.all(started)
  return {
    name,
    reads: latencies.length,
    firstMs: latencies[0] ?? Number.NaN,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    maxAtMs,
    slowReads: latencies.filter((ms) => ms > SLOW_READ_MS).length,
    ...(open.events === undefined ? {} : { recoveredMs }),
  }
}
