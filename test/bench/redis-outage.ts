/**
 * What a misbehaving Redis adds to cached reads: sequential `findUnique` reads over a fixed wall-clock window,
 * memory tier off so that every read asks Redis, with a healthy Redis, a Redis that is down (nothing listens
 * on its port) and one that never answers (a black hole), next to uncached Prisma. Each cached case starts
 * with a fresh cache, so its window includes the failures that open the circuit breaker. Every read is checked
 * against the database's row. Reported, not asserted.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { isDeepStrictEqual } from 'node:util'
import { Redis } from 'ioredis'
import type { PrismaClient } from '../../generated/prisma/client.ts'
import type { TestDatabase } from '../setup/database.ts'
import type { TestRedis } from '../setup/redis.ts'
import { percentile } from './coherence.ts'
import { USER_ID, withCache } from './fixtures.ts'

/** The cached reads' strategy. */
export const OUTAGE_STRATEGY = { ttl: 60 } as const

/** Reads slower than this, in milliseconds, waited on Redis: a timeout, or the breaker's probe. */
export const SLOW_READ_MS = 100

/** The cases, in the order they run and print. */
export const OUTAGE_CASES = ['uncached', 'redis healthy', 'redis down', 'redis black hole'] as const
export type OutageCase = (typeof OUTAGE_CASES)[number]

/** One case's reads over the window; latencies in milliseconds. */
export interface OutageResult {
  readonly name: OutageCase
  readonly reads: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** Reads slower than {@link SLOW_READ_MS}. */
  readonly slowReads: number
}

/** A case ready to read, and what to close after its window. */
interface OpenCase {
  readonly read: () => PromiseLike<unknown>
  close(): Promise<void>
}

/**
 * Runs each case for `windowMs` of sequential reads, one after the other, on a fresh client of `db` (already
 * seeded); the healthy case uses its own namespace under `redis.namespace`. Throws if any read returns
 * something else than the database.
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

  const opens: Record<OutageCase, () => Promise<OpenCase>> = {
    uncached: async () => ({ read: uncached, close: async () => {} }),
    'redis healthy': async () =>
      cachedCase(client, redis.connect(), `${redis.namespace}-outage`, async () => {}),
    'redis down': async () => {
      const connection = reconnectingRedis(await freePort())
      return cachedCase(client, connection, `${redis.namespace}-down`, async () => connection.disconnect())
    },
    'redis black hole': async () => {
      const hole = await blackHole()
      // As the resilience tests' client for a silent server: commands wait in ioredis' queue, never retried.
      const connection = new Redis({ host: '127.0.0.1', port: hole.port, maxRetriesPerRequest: null })
      connection.on('error', () => {})
      return cachedCase(client, connection, `${redis.namespace}-hole`, async () => {
        connection.disconnect()
        await hole.close()
      })
    },
  }

  const results: OutageResult[] = []
  for (const name of OUTAGE_CASES) {
    const open = await opens[name]()
    try {
      results.push(summarize(name, await readFor(open.read, expected, windowMs, name)))
    } finally {
      await open.close()
    }
  }
  return results
}

/** The cached read on `client` with `connection` as its Redis tier; `release` runs after `$cache.close()`. */
function cachedCase(
  client: PrismaClient,
  connection: Redis,
  namespace: string,
  release: () => Promise<void>,
): OpenCase {
  const cache = withCache(client, { redis: connection, namespace, memory: false })
  return {
    read: () => cache.user.findUnique({ where: { id: USER_ID }, cacheStrategy: OUTAGE_STRATEGY }),
    async close() {
      await cache.$cache.close()
      await release()
    },
  }
}

/**
 * A client as an application would configure one: it keeps reconnecting (every 100 ms) and queues commands
 * meanwhile, failing them every second failed attempt (`maxRetriesPerRequest: 1`); its errors are handled.
 */
function reconnectingRedis(port: number): Redis {
  const connection = new Redis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 100,
  })
  connection.on('error', () => {})
  return connection
}

/** Sequential reads for `windowMs`; the latency of each, in milliseconds. */
async function readFor(
  read: () => PromiseLike<unknown>,
  expected: unknown,
  windowMs: number,
  name: OutageCase,
): Promise<number[]> {
  const latencies: number[] = []
  const started = performance.now()
  while (performance.now() - started < windowMs) {
    const start = performance.now()
    const data = await read()
    latencies.push(performance.now() - start)
    if (!isDeepStrictEqual(data, expected)) {
      throw new Error(`${name}: read ${latencies.length} returned something else than the database`)
    }
  }
  return latencies
}

function summarize(name: OutageCase, latencies: readonly number[]): OutageResult {
  return {
    name,
    reads: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    slowReads: latencies.filter((ms) => ms > SLOW_READ_MS).length,
  }
}

/** A loopback port where nothing listens: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer()
  const port = await listen(server)
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
  return port
}

/** A loopback TCP server that accepts connections and never writes a byte back. */
async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  const port = await listen(server)
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Listens on an ephemeral loopback port; resolves to the port. */
async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP port')
  return address.port
}
