/**
 * Runs one kind of read in a loop for a CPU profile of where its time goes. Not part of `npm run bench`.
 * Run, then summarize the largest of the profiles written (tsx's loader thread writes a small one too):
 *
 *   node --cpu-prof --cpu-prof-dir=test/bench/results/profiles --import tsx test/bench/profile.ts \
 *     [mode] [findUnique|findMany] [default|minimal] [seconds]
 *   npx tsx test/bench/top-functions.ts test/bench/results/profiles/<largest>.cpuprofile
 *
 * Modes: memory-hit (default), redis-hit (Redis tier only), redis-floor (ioredis GET of the entry the cache
 * stored and its decode, without Prisma or the cache), memory-miss (a new filter every call, no Redis), redis-miss
 * (the same through memory + Redis: the lookup, the load, the store behind the caller) and uncached-miss (the
 * same reads on the plain client). Defaults: findUnique, default errorFormat, 8 seconds.
 * Setup (seeding, Prisma start-up) is in the profile too, but small against the seconds of the loop.
 */
import { createCodec } from '../../src/storage/codec.ts'
import { decodeEntry } from '../../src/storage/entry.ts'
import { createTestDatabase } from '../setup/database.ts'
import { createTestRedis } from '../setup/redis.ts'
import {
  cachedMissReads,
  cachedReads,
  DATABASE_URL,
  ERROR_FORMATS,
  type ErrorFormat,
  plainMissReads,
  QUERIES,
  type Query,
  REDIS_URL,
  seed,
  withCache,
} from './fixtures.ts'
import { expectHit } from './scenarios.ts'

const MODES = [
  'memory-hit',
  'redis-hit',
  'redis-floor',
  'memory-miss',
  'redis-miss',
  'uncached-miss',
] as const
type Mode = (typeof MODES)[number]

function argument<T extends string>(index: number, allowed: readonly T[], fallback: T): T {
  const value = process.argv[index] ?? fallback
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`argument ${index - 1} must be one of ${allowed.join(', ')}, got ${value}`)
  }
  return value as T
}

const mode: Mode = argument(2, MODES, 'memory-hit')
const query: Query = argument(3, QUERIES, 'findUnique')
const format: ErrorFormat = argument(4, ERROR_FORMATS, 'default')
const seconds = Number(process.argv[5] ?? 8)

const db = await createTestDatabase({ url: DATABASE_URL, label: 'bench_profile' })
const redis = createTestRedis({ url: REDIS_URL })
try {
  const { client } = db.createClient(format === 'minimal' ? { errorFormat: 'minimal' } : {})
  await seed(client)
  const viaRedis = mode === 'redis-hit' || mode === 'redis-floor'
  const connection = redis.connect()
  const cache = withCache(
    client,
    viaRedis
      ? { redis: connection, namespace: redis.namespace, memory: false }
      : mode === 'redis-miss'
        ? { redis: connection, namespace: redis.namespace }
        : {},
  )

  let read: () => PromiseLike<unknown>
  if (mode === 'memory-miss' || mode === 'redis-miss') read = cachedMissReads(cache)[query]
  else if (mode === 'uncached-miss') read = plainMissReads(client)[query]
  else {
    read = cachedReads(cache)[query]
    const key = await expectHit(cachedReads(cache)[query], viaRedis ? 'redis' : 'memory')
    const codec = createCodec()
    if (mode === 'redis-floor') read = async () => decodeEntry(codec, key, (await connection.getBuffer(key))!)
  }

  const deadline = performance.now() + seconds * 1000
  let operations = 0
  while (performance.now() < deadline) {
    for (let i = 0; i < 100; i++) await read()
    operations += 100
  }
  const micros = (seconds * 1e6) / operations
  console.log(`${mode} ${query} [${format}]: ${operations} reads, ${micros.toFixed(1)} µs each`)
  await cache.$cache.close()
} finally {
  await redis.close()
  await db.drop()
}
