/**
 * G2, proven by a model-based property test: after any random sequence of writes (every top-level and
 * nested kind, on both sides of every relation, with referential actions, plus batch and interactive
 * transactions and raw SQL), every cached read of a pool that uses every dependency feature equals the same
 * read without the cache, and reads that the write cannot affect stay cached. Run on the memory tier, on
 * Redis, on both, and on Redis with the writes coming from a second instance.
 *
 * A failure names the configuration, the environment to reproduce it, every write so far (with row
 * references resolved) and the first difference; fast-check adds the seed, the replay path and the shrunk
 * counterexample (writes with symbolic row references such as `user#2`, the third user by id).
 *
 * Environment knobs:
 * - PQC_SEED: fast-check seed (default: random, printed). Configuration i runs seed + i.
 * - PQC_RUNS: sequences per configuration (default 3).
 * - PQC_STEPS: maximum writes per sequence (default 200; lengths spread evenly from 1 up to it).
 * - PQC_PATH: fast-check replay path printed with a counterexample (replays that one case; use with -t).
 * - PQC_VERBOSE: fast-check verbosity, 0–2 (default 0).
 * - PQC_FULL_EVERY: every how many writes every read also runs uncached (default 4, and always after the
 *   last write of a sequence); in between, reads that the write cannot reach reuse their previous uncached
 *   result. 1 runs every read uncached after every write.
 * - PQC_PRECISION=0: do not fail when a read outside a write's reach stopped being a hit.
 * - PQC_TRANSACTIONS=0: no batch or interactive transactions among the steps (G3).
 * - PQC_RAW=0: no raw SQL steps (`$executeRaw`, `$executeRawUnsafe`, `$queryRawUnsafe` writes; G4).
 * - PQC_SHRINK_SECONDS: time budget for running and shrinking per configuration (default 600).
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../src/index.ts'
import { cachedClient, createFixture, type Fixture } from './helpers.ts'
import { ModelMismatch, POOL_OPTIONS } from './model-based/calls.ts'
import { RAW_WRITES, transactionWrites } from './model-based/compound.ts'
import { ModelStats, runSequence, type Subject } from './model-based/harness.ts'
import { seedRows } from './model-based/seed.ts'
import type { Write } from './model-based/write.ts'
import { COMMENT_WRITES } from './model-based/writes-comments.ts'
import { POST_WRITES } from './model-based/writes-posts.ts'
import { REFERENCE_WRITES } from './model-based/writes-reference.ts'
import { TEAM_WRITES } from './model-based/writes-teams.ts'
import { USER_WRITES } from './model-based/writes-users.ts'

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`)
  return value
}

const SEED = integerFromEnv('PQC_SEED', Math.floor(Math.random() * 2 ** 31))
const RUNS = integerFromEnv('PQC_RUNS', 3)
const STEPS = integerFromEnv('PQC_STEPS', 200)
const VERBOSE = integerFromEnv('PQC_VERBOSE', 0)
const PATH = process.env.PQC_PATH || undefined
const FULL_EVERY = Math.max(1, integerFromEnv('PQC_FULL_EVERY', 4))
const PRECISION = process.env.PQC_PRECISION !== '0'
const TRANSACTIONS = process.env.PQC_TRANSACTIONS !== '0'
const RAW = process.env.PQC_RAW !== '0'
const BUDGET_MS = integerFromEnv('PQC_SHRINK_SECONDS', 600) * 1000
/** Below this many writes in all, an operation that never succeeded is not a coverage failure. */
const COVERAGE_MIN_WRITES = 600
/** Counters over every configuration, for the coverage check. */
const TOTAL = new ModelStats()

console.info(`model-based: PQC_SEED=${SEED} PQC_RUNS=${RUNS} PQC_STEPS=${STEPS}`)

const MODEL_WRITE = fc.oneof(
  ...USER_WRITES,
  ...POST_WRITES,
  ...COMMENT_WRITES,
  ...TEAM_WRITES,
  ...REFERENCE_WRITES,
)
const WRITE: fc.Arbitrary<Write> = fc.oneof(
  { arbitrary: MODEL_WRITE, weight: 40 },
  ...(TRANSACTIONS ? transactionWrites(MODEL_WRITE).map((arbitrary) => ({ arbitrary, weight: 2 })) : []),
  ...(RAW ? [{ arbitrary: fc.oneof(...RAW_WRITES), weight: 3 }] : []),
)
// Unbiased, so that lengths spread evenly up to STEPS (fast-check's bias favours short arrays).
const SEQUENCE = fc.noBias(fc.array(WRITE, { minLength: 1, maxLength: Math.max(1, STEPS), size: 'max' }))

let fixture: Fixture & { dispose(): Promise<void> }

beforeAll(async () => {
  fixture = await createFixture()
})
afterAll(async () => {
  await fixture?.dispose()
})

/**
 * A cached client on the test database, as a {@link Subject} that starts every sequence from the seed rows.
 * With `writer`, writes go through a second instance built from those options (another process, in effect).
 */
function createSubject(name: string, options: QueryCacheOptions, writer?: QueryCacheOptions): Subject {
  const { prisma, base } = cachedClient(fixture.db, { ...POOL_OPTIONS, ...options })
  const other =
    writer === undefined ? undefined : cachedClient(fixture.db, { ...POOL_OPTIONS, ...writer }).prisma
  return {
    label: name,
    reproduce: `PQC_SEED=${SEED} PQC_RUNS=${RUNS} PQC_STEPS=${STEPS} npx vitest run test/integration/model-based.test.ts -t '${name}'`,
    prisma,
    base,
    checkPrecision: PRECISION,
    fullCheckEvery: FULL_EVERY,
    ...(other === undefined ? {} : { writeClient: other }),
    async reset() {
      await fixture.db.truncateAll()
      await seedRows(base)
      // The seed rows and the truncation bypassed the cache.
      await prisma.$cache.invalidateAll()
    },
    async close() {
      await Promise.all([prisma.$cache.close(), other?.$cache.close()])
    },
  }
}

interface Configuration {
  name: string
  options(): QueryCacheOptions
  /** Options of a second instance that does the writes (same namespace), if any. */
  writer?(): QueryCacheOptions
}

/**
 * A Redis connection of its own and a namespace unique to this file and `suffix`. The timeout is generous:
 * on a loaded machine the default 250 ms would turn slow replies into misses, which the precision check
 * would report although nothing is wrong with invalidation.
 */
function redisOptions(suffix: string): QueryCacheOptions {
  return {
    redis: fixture.connection(),
    namespace: `${fixture.redis.namespace}${suffix}`,
    redisTimeout: 5_000,
  }
}

const CONFIGURATIONS: Configuration[] = [
  { name: 'memory only', options: () => ({}) },
  {
    name: 'redis only',
    options: () => ({ ...redisOptions('r'), memory: false }),
  },
  {
    name: 'memory + redis',
    options: () => redisOptions('b'),
  },
  {
    // Without a memory tier, the reading instance must see the writer's invalidations at once: both check
    // the same Redis versions, so no pub/sub delay is involved.
    name: 'two instances, redis only',
    options: () => ({ ...redisOptions('w'), memory: false }),
    writer: () => ({ ...redisOptions('w'), memory: false }),
  },
]

describe('model-based: cached reads equal uncached reads after any writes (G2)', () => {
  it.each(CONFIGURATIONS.map((configuration, index) => ({ ...configuration, index })))(
    '$name',
    async ({ name, options, writer, index }) => {
      const seed = SEED + index
      const subject = createSubject(name, options(), writer?.())
      const stats = new ModelStats()
      const started = performance.now()
      try {
        await fc.assert(
          fc.asyncProperty(SEQUENCE, (writes: Write[]) => runSequence(subject, writes, stats)),
          {
            seed,
            numRuns: RUNS,
            verbose: VERBOSE,
            interruptAfterTimeLimit: BUDGET_MS,
            markInterruptAsFailure: true,
            ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }),
          },
        )
      } finally {
        const { errors } = subject.prisma.$cache.stats()
        console.info(
          `${stats.summary(`${name}, fast-check seed ${seed}`, performance.now() - started)}\n  cache errors (stats().errors): ${errors}`,
        )
        await subject.close?.()
      }

      TOTAL.add(stats)
      // Precision: a cache that dropped everything on every write would have no hit after a write.
      expect(stats.hitsAfterWrites, 'reads served from the cache after a write').toBeGreaterThan(0)
    },
    BUDGET_MS + 60_000,
  )

  it('exercised every write kind (over all configurations)', () => {
    console.info(TOTAL.summary('all configurations'))
    if (TOTAL.writes < COVERAGE_MIN_WRITES) return
    expect(TOTAL.missingKinds(), 'write operations that never succeeded').toEqual([])
  })
})

/** The message of the error the property failed with (fast-check 4 keeps it as the `cause`). */
async function failureOf(run: Promise<void>): Promise<string> {
  try {
    await run
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause
    return cause instanceof ModelMismatch ? cause.message : `not a ModelMismatch: ${String(cause ?? error)}`
  }
  return 'the property held'
}

describe('model-based: the model can fail', () => {
  const sequence = fc.array(MODEL_WRITE, { minLength: 30, maxLength: 30 })
  const once = { seed: SEED, numRuns: 2, endOnFailure: true }

  it('reports a stale read when writes bypass the cache (they go through the plain client)', async () => {
    const subject = createSubject('self-test: stale', {})
    const writes = { ...subject, writeClient: subject.base, checkPrecision: false }
    const run = fc.assert(
      fc.asyncProperty(sequence, (steps: Write[]) => runSequence(writes, steps, new ModelStats())),
      once,
    )
    expect(await failureOf(run)).toMatch(/cached read differs from the uncached read/)
    await subject.close?.()
  })

  it('reports lost precision when every write drops the whole cache', async () => {
    const subject = createSubject('self-test: precision', {})
    const coarse = {
      ...subject,
      checkPrecision: true,
      afterWrite: () => subject.prisma.$cache.invalidateAll(),
    }
    const run = fc.assert(
      fc.asyncProperty(sequence, (steps: Write[]) => runSequence(coarse, steps, new ModelStats())),
      once,
    )
    expect(await failureOf(run)).toMatch(/precision: .* was a miss after a write that cannot affect it/)
    await subject.close?.()
  })
})
