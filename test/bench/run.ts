/**
 * The benchmark report: `npm run bench`. Not a test: it measures the cache against uncached Prisma and
 * against the floors it is built on, side by side in one run on real PostgreSQL and Redis (DATABASE_URL,
 * REDIS_URL, or the local defaults), prints the tables and the targets, and writes the numbers as JSON.
 * BENCH_SCALE (default 1) multiplies every iteration count, e.g. 0.1 for a quick look.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULTS } from '../../src/config/defaults.ts'
import { createTestDatabase } from '../setup/database.ts'
import { createTestRedis } from '../setup/redis.ts'
import { measureClusterStampede, measureCoherence, percentile } from './coherence.ts'
import { buildConcurrency } from './concurrency.ts'
import { type CacheOwner, DATABASE_URL, REDIS_URL, SEED, seed } from './fixtures.ts'
import { measureBursts, measureInterleaved, measureThroughput } from './measure.ts'
import { outageTable, outageTargetLines, outageTargets } from './outage-report.ts'
import { measureRedisOutage, OUTAGE_CASES, OUTAGE_STRATEGY } from './redis-outage.ts'
import { burstTable, evaluate, latencyTable, targetLines, targets, throughputTable } from './report.ts'
import { buildLatencyScenarios, type Iterations } from './scenarios.ts'

const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const ROUNDS = 20
const WARMUP_ROUNDS = 1

/** Reads in flight in the concurrency scenarios. */
const CONCURRENCY = 64

/** Samples per latency scenario over all rounds. */
const ITERATIONS: Iterations = {
  micro: scaled(20_000),
  redis: scaled(10_000),
  database: scaled(4_000),
}
const BURSTS = scaled(30, 3)
const THROUGHPUT_ROUNDS = 5
const THROUGHPUT_OPERATIONS = {
  hit: scaled(CONCURRENCY * 200, CONCURRENCY),
  uncached: scaled(CONCURRENCY * 20, CONCURRENCY),
}

/** Wall-clock window of sequential reads per Redis outage case, in milliseconds; not scaled. */
const OUTAGE_WINDOW_MS = 3_000

const RESULTS_PATH = fileURLToPath(new URL('./results/latest.json', import.meta.url))

/** `count` times BENCH_SCALE, at least `minimum`. */
function scaled(count: number, minimum = ROUNDS): number {
  if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`)
  return Math.max(minimum, Math.round(count * SCALE))
}

/** Progress on stderr, so stdout holds the report alone. */
function progress(message: string): void {
  process.stderr.write(`${message}\n`)
}

async function main(): Promise<void> {
  const started = performance.now()
  const loadBefore = os.loadavg()[0]!
  const db = await createTestDatabase({ url: DATABASE_URL, label: 'bench' })
  const redis = createTestRedis({ url: REDIS_URL })
  const caches: CacheOwner[] = []
  const shutdowns: (() => Promise<void>)[] = []
  try {
    progress(`seeding ${SEED.users} users, ${SEED.users * SEED.postsPerUser} posts, comments…`)
    await seed(db.createClient().client)

    const latencySetup = await buildLatencyScenarios(db, redis, ITERATIONS)
    caches.push(...latencySetup.caches)
    shutdowns.push(latencySetup.shutdown)
    const latency = await measureInterleaved(
      latencySetup.scenarios.map((s) => s.measure),
      {
        rounds: ROUNDS,
        warmupRounds: WARMUP_ROUNDS,
        onRound: (round, total) => progress(`latency: round ${round}/${total}`),
      },
    )

    const concurrency = await buildConcurrency(db, redis, THROUGHPUT_OPERATIONS)
    caches.push(...concurrency.caches)
    progress('concurrency: bursts')
    const bursts = await measureBursts(concurrency.bursts, { bursts: BURSTS, concurrency: CONCURRENCY })
    progress('concurrency: throughput')
    const throughput = await measureThroughput(concurrency.throughput, {
      rounds: THROUGHPUT_ROUNDS,
      warmupRounds: 1,
      concurrency: CONCURRENCY,
    })

    progress('coherence: cross-instance invalidation')
    const coherence = await measureCoherence(db, redis, scaled(300, 20))
    const coherenceLine =
      `${coherence.delaysMs.length} writes on instance A; delay until instance B's memory tier learns of each: ` +
      `p50 ${percentile(coherence.delaysMs, 50).toFixed(2)} ms, p99 ${percentile(coherence.delaysMs, 99).toFixed(2)} ms, ` +
      `max ${percentile(coherence.delaysMs, 100).toFixed(2)} ms; stale reads on B after delivery: ${coherence.staleReadsAfterDelivery}`

    progress('stampede: 4 instances × 250 identical cold reads')
    const stampede = await measureClusterStampede(db, redis, {
      instances: 4,
      readsPerInstance: 250,
      rounds: 10,
    })
    const stampedeLine =
      `${stampede.instances} instances × ${stampede.readsPerInstance} identical cold reads at once, ${stampede.rounds} rounds: ` +
      `database statements per round ${Math.min(...stampede.statementsPerRound)}–${Math.max(...stampede.statementsPerRound)} ` +
      `(uncached: ${stampede.instances * stampede.readsPerInstance} reads); wall p50 ${percentile(stampede.wallMs, 50).toFixed(1)} ms`

    progress(`redis outage: ${OUTAGE_CASES.length} cases × ${OUTAGE_WINDOW_MS / 1000} s of sequential reads`)
    const outage = await measureRedisOutage(db, redis, OUTAGE_WINDOW_MS)
    const outageResults = outageTargets(outage, {
      redisTimeoutMs: DEFAULTS.redisTimeout,
      windowMs: OUTAGE_WINDOW_MS,
    })

    const results = evaluate(targets(), latency)
    const seconds = (performance.now() - started) / 1000
    const loadAfter = os.loadavg()[0]!
    const environment = {
      node: process.version,
      prisma: prismaVersion(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      loadAverage: { before: loadBefore, after: loadAfter },
    }
    console.log(
      [
        `prisma-query-cache bench: node ${environment.node}, Prisma ${environment.prisma}, ` +
          `${environment.cpu} × ${environment.cores}, load ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}, ` +
          `${seconds.toFixed(0)} s`,
        `Latency: ${ROUNDS} interleaved rounds after ${WARMUP_ROUNDS} warm-up round; µs per operation, ` +
          'one sample per awaited call (lru-cache: mean of 100 calls).',
        'Cached queries use cacheStrategy { ttl: 3600 }; misses filter on a string no earlier call used.',
        '',
        latencyTable(latencySetup.scenarios, latency),
        '',
        `${CONCURRENCY} identical cold reads at once (after $cache.invalidateAll()), ${BURSTS} bursts each, ` +
          `one client with a pool of ${concurrency.poolSize}, default errorFormat:`,
        burstTable(bursts, concurrency.statementsPerLoad),
        '(Uncached, Prisma itself batches the findUnique calls of one tick into one statement.)',
        '',
        `${CONCURRENCY} reads in flight, ${THROUGHPUT_ROUNDS} interleaved rounds, same client:`,
        throughputTable(throughput, concurrency.uncachedOf),
        '',
        `Cross-instance invalidation (two instances, memory + Redis, pub/sub bus):`,
        coherenceLine,
        stampedeLine,
        '',
        `Redis slow or down: sequential findUnique reads for ${OUTAGE_WINDOW_MS / 1000} s per case, ` +
          `cacheStrategy { ttl: ${OUTAGE_STRATEGY.ttl} }, memory tier off, redisTimeout ${DEFAULTS.redisTimeout} ms (default); ` +
          "each cache fresh on a fresh connection with ioredis defaults (its first read is a new client's; the " +
          'window includes the failures that open the breaker). Refused: nothing listens on the port; ' +
          'unreachable: no such unix socket; closed mid-run: a private redis-server stopped at 1/3 of the window ' +
          'and started again at 2/3; black hole: accepts connections, never answers.',
        outageTable(outage),
        '',
        'Outage bounds (reported, not asserted):',
        outageTargetLines(outageResults),
        '',
        'Targets (reported, not asserted; verdict on p50 ratios, mean ratios in parentheses):',
        targetLines(results),
        '',
        `JSON: ${path.relative(process.cwd(), RESULTS_PATH)}`,
      ].join('\n'),
    )

    await mkdir(path.dirname(RESULTS_PATH), { recursive: true })
    const json = {
      generatedAt: new Date().toISOString(),
      environment,
      settings: {
        scale: SCALE,
        iterations: ITERATIONS,
        rounds: ROUNDS,
        warmupRounds: WARMUP_ROUNDS,
        concurrency: CONCURRENCY,
        bursts: BURSTS,
        throughputRounds: THROUGHPUT_ROUNDS,
        throughputOperations: THROUGHPUT_OPERATIONS,
        poolSize: concurrency.poolSize,
        seed: SEED,
        durationSeconds: seconds,
      },
      latencyMicroseconds: latencySetup.scenarios.map((s) => ({
        name: s.measure.name,
        query: s.query ?? null,
        scenario: s.label,
        errorFormat: s.format ?? null,
        ...latency.get(s.measure.name),
      })),
      bursts: [...bursts].map(([name, b]) => ({ name, ...b })),
      throughputOpsPerSecond: Object.fromEntries(throughput),
      coherence: {
        writes: coherence.delaysMs.length,
        p50Ms: percentile(coherence.delaysMs, 50),
        p99Ms: percentile(coherence.delaysMs, 99),
        maxMs: percentile(coherence.delaysMs, 100),
        staleReadsAfterDelivery: coherence.staleReadsAfterDelivery,
      },
      stampede,
      redisOutage: { windowMs: OUTAGE_WINDOW_MS, cases: outage, bounds: outageResults },
      targets: results,
    }
    await writeFile(RESULTS_PATH, `${JSON.stringify(json, roundNumbers, 2)}\n`)
  } finally {
    await Promise.allSettled(caches.map((cache) => cache.$cache.close()))
    await Promise.allSettled(shutdowns.map((shutdown) => shutdown()))
    await redis.close()
    await db.drop()
  }
}

/** JSON replacer: fractions to 3 decimals, which is below the timer's noise. */
function roundNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value
}

function prismaVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('@prisma/client/package.json') as { version: string }).version
}

await main()
