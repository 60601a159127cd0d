/**
 * `npm run bench:memoize`: a memoized function (a user page assembled from three reads) against the same function
 * uncached and against one cached read hit, on real PostgreSQL and, for the Redis rows, Redis (DATABASE_URL,
 * REDIS_URL, or the local defaults). BENCH_SCALE multiplies the iterations (default 2,000 per row).
 */
import type { PrismaClient } from '../../generated/prisma/client.ts'
import { queryCache } from '../../src/index.ts'
import { createTestDatabase } from '../setup/database.ts'
import { createTestRedis } from '../setup/redis.ts'
import { DATABASE_URL, REDIS_URL, seed, USER_ID } from './fixtures.ts'

const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const ITERATIONS = Math.max(100, Math.round(2_000 * SCALE))

/** Mean and median microseconds per call of `fn`, after a warm-up. */
async function measure(fn: () => Promise<unknown>): Promise<{ mean: number; p50: number }> {
  for (let i = 0; i < Math.min(200, ITERATIONS); i++) await fn()
  const samples: number[] = []
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now()
    await fn()
    samples.push((performance.now() - started) * 1000)
  }
  samples.sort((a, b) => a - b)
  const mean = samples.reduce((sum, sample) => sum + sample, 0) / samples.length
  return { mean, p50: samples[Math.floor(samples.length / 2)] as number }
}

/** The function memoized: a user, their 5 latest posts with comment counts, and their number of comments. */
function userPage(client: PrismaClient) {
  return async (id: number) => {
    const user = await client.user.findUnique({ where: { id } })
    const posts = await client.post.findMany({
      where: { authorId: id },
      orderBy: { id: 'desc' },
      take: 5,
      include: { _count: { select: { comments: true } } },
    })
    const comments = await client.comment.count({ where: { authorId: id } })
    return { user, posts, comments }
  }
}

const db = await createTestDatabase({ url: DATABASE_URL, label: 'memoize' })
const redis = createTestRedis({ url: REDIS_URL })
const rows: string[] = []
try {
  await seed(db.createClient().client)
  const plain = db.createClient({ errorFormat: 'minimal' }).client
  rows.push(row('function, uncached', await measure(() => userPage(plain)(USER_ID))))
  for (const tiers of ['memory', 'memory + redis', 'redis'] as const) {
    const options =
      tiers === 'memory'
        ? {}
        : {
            redis: redis.connect(),
            namespace: redis.namespace,
            memory: tiers === 'redis' ? (false as const) : undefined,
          }
    const prisma = db.createClient({ errorFormat: 'minimal' }).client.$extends(queryCache({ ...options }))
    const page = prisma.$cache.memoize('user-page', userPage(prisma as unknown as PrismaClient), {
      ttl: 3600,
    })
    await page(USER_ID)
    rows.push(row(`memoized hit (${tiers})`, await measure(() => page(USER_ID))))
    rows.push(
      row(
        `one cached findUnique hit (${tiers})`,
        await measure(() => prisma.user.findUnique({ where: { id: USER_ID }, cacheStrategy: { ttl: 3600 } })),
      ),
    )
    await prisma.$cache.invalidateAll()
    await prisma.$cache.close()
  }
  console.log(`memoize bench: ${ITERATIONS} calls per row (µs per call)\n`)
  console.log(`${'case'.padEnd(44)}${'mean'.padStart(10)}${'p50'.padStart(10)}`)
  for (const line of rows) console.log(line)
} finally {
  await redis.close()
  await db.drop()
}

function row(name: string, result: { mean: number; p50: number }): string {
  return `${name.padEnd(44)}${result.mean.toFixed(1).padStart(10)}${result.p50.toFixed(1).padStart(10)}`
}
