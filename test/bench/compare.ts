/**
 * Compares this working tree's cache with another version's, side by side in one process:
 * `npm run bench:compare -- <git ref>` (default `HEAD~1`). The other version's `src/` is taken from git into a
 * temporary folder and imported next to this one; both wrap the same clients, and every case of both runs in the
 * same interleaved rounds, so machine noise hits them alike. Prints p50 latencies and the ratio new / old.
 * BENCH_SCALE (default 1) multiplies the iteration counts.
 */
import type { PrismaClient } from '../../generated/prisma/client.ts'
import * as current from '../../src/index.ts'
import { createTestDatabase } from '../setup/database.ts'
import { createTestRedis } from '../setup/redis.ts'
import {
  CACHE_STRATEGY,
  DATABASE_URL,
  FIND_MANY_ARGS,
  QUERIES,
  type Query,
  REDIS_URL,
  seed,
  USER_ID,
} from './fixtures.ts'
import { type LatencyCase, measureInterleaved } from './measure.ts'
import { otherBuild } from './other-build.ts'

const REF = process.argv[2] ?? 'HEAD~1'
const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const ROUNDS = 20
const ITERATIONS = { micro: scaled(20_000), redis: scaled(8_000), database: scaled(3_000) }

function scaled(count: number): number {
  return Math.max(ROUNDS, Math.round(count * SCALE))
}

type QueryCacheFactory = typeof current.queryCache
type Cached = ReturnType<typeof cachedClient>
type Run = () => PromiseLike<unknown>

function cachedClient(client: PrismaClient, factory: QueryCacheFactory, options: current.QueryCacheOptions) {
  return client.$extends(factory(options))
}

let sequence = 0
function hitReads(client: Cached): Record<Query, Run> {
  return {
    findUnique: () => client.user.findUnique({ where: { id: USER_ID }, cacheStrategy: CACHE_STRATEGY }),
    findMany: () => client.post.findMany({ ...FIND_MANY_ARGS, cacheStrategy: CACHE_STRATEGY }),
  }
}
function missReads(client: Cached): Record<Query, Run> {
  return {
    findUnique: () =>
      client.user.findUnique({
        where: { id: USER_ID, name: { not: `miss-${sequence++}` } },
        cacheStrategy: CACHE_STRATEGY,
      }),
    findMany: () =>
      client.post.findMany({
        ...FIND_MANY_ARGS,
        where: { title: { not: `miss-${sequence++}` } },
        cacheStrategy: CACHE_STRATEGY,
      }),
  }
}

async function main(): Promise<void> {
  const other = await otherBuild(REF)
  const db = await createTestDatabase({ url: DATABASE_URL, label: 'compare' })
  const redis = createTestRedis({ url: REDIS_URL })
  const closers: Array<() => Promise<unknown>> = []
  try {
    const old = other.module
    await seed(db.createClient().client)
    const base = db.createClient().client
    const connection = redis.connect()
    const builds = { old: old.queryCache, new: current.queryCache } as const
    const cases: LatencyCase[] = []
    const names: string[] = []
    for (const [build, factory] of Object.entries(builds)) {
      const make = (label: string, options: current.QueryCacheOptions) => {
        const client = cachedClient(base, factory, {
          ...options,
          namespace: `${redis.namespace}-${build}-${label}`,
        })
        closers.push(() => client.$cache.close())
        return client
      }
      const memory = hitReads(make('memory', {}))
      const redisHit = hitReads(make('redis', { redis: connection, memory: false }))
      const missMemory = missReads(make('miss-memory', {}))
      const missRedis = missReads(make('miss-redis', { redis: redis.connect() }))
      for (const query of QUERIES) {
        const add = (label: string, run: Run, iterations: number) => {
          const name = `${query} ${label}`
          if (!names.includes(name)) names.push(name)
          cases.push({ name: `${name} [${build}]`, run, iterations })
        }
        await memory[query]()
        await redisHit[query]()
        add('memory hit', memory[query], ITERATIONS.micro)
        add('redis hit', redisHit[query], ITERATIONS.redis)
        add('miss, memory', missMemory[query], ITERATIONS.database)
        add('miss, memory+redis', missRedis[query], ITERATIONS.database)
      }
    }
    for (const query of QUERIES) {
      const plain = {
        findUnique: () => base.user.findUnique({ where: { id: USER_ID } }),
        findMany: () => base.post.findMany(FIND_MANY_ARGS),
      }
      cases.push({ name: `${query} uncached`, run: plain[query], iterations: ITERATIONS.database })
    }
    const results = await measureInterleaved(cases, {
      rounds: ROUNDS,
      warmupRounds: 1,
      onRound: (round, total) => process.stderr.write(`round ${round}/${total}\n`),
    })
    console.log(`\nold = ${REF} (${other.commit}), new = working tree\n`)
    console.log('| case | old p50 µs | new p50 µs | new / old |')
    console.log('|---|---|---|---|')
    for (const name of names) {
      const before = results.get(`${name} [old]`)!.p50
      const after = results.get(`${name} [new]`)!.p50
      console.log(`| ${name} | ${before.toFixed(1)} | ${after.toFixed(1)} | ${(after / before).toFixed(3)} |`)
    }
    for (const query of QUERIES)
      console.log(`| ${query} uncached | ${results.get(`${query} uncached`)!.p50.toFixed(1)} | | |`)
  } finally {
    await Promise.allSettled(closers.map((close) => close()))
    await redis.close()
    await db.drop()
    other.remove()
  }
}

await main()
