/**
 * The model-based property test's suite (see `test/integration/model-based.test.ts` and
 * `model-based-instances.test.ts`): environment knobs, subjects, configurations.
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
import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import type { CacheEvent, QueryCacheOptions } from '../../../src/index.ts'
import type { ProviderFeatures } from '../../setup/providers.ts'
import { Chaos, type ChaosPolicy } from '../chaos.ts'
import { cachedClient, type Fixture } from '../helpers.ts'
import { ModelMismatch, POOL_MEMORY_REGION, POOL_OPTIONS } from './calls.ts'
import { ModelStats, runSequence, type Subject } from './harness.ts'
import { writeOperations } from './provider-writes.ts'
import { seedRows } from './seed.ts'
import { stepOn } from './steps.ts'
import type { Write } from './write.ts'

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`)
  return value
}

export const SEED = integerFromEnv('PQC_SEED', Math.floor(Math.random() * 2 ** 31))
export const RUNS = integerFromEnv('PQC_RUNS', 3)
export const STEPS = integerFromEnv('PQC_STEPS', 200)
const VERBOSE = integerFromEnv('PQC_VERBOSE', 0)
const PATH = process.env.PQC_PATH || undefined
const FULL_EVERY = Math.max(1, integerFromEnv('PQC_FULL_EVERY', 4))
const PRECISION = process.env.PQC_PRECISION !== '0'
const TRANSACTIONS = process.env.PQC_TRANSACTIONS !== '0'
const RAW = process.env.PQC_RAW !== '0'
const BUDGET_MS = integerFromEnv('PQC_SHRINK_SECONDS', 600) * 1000
/** Below this many writes in all, an operation that never succeeded is not a coverage failure. */
const COVERAGE_MIN_WRITES = 600

console.info(`model-based: PQC_SEED=${SEED} PQC_RUNS=${RUNS} PQC_STEPS=${STEPS}`)

/** Sequences of up to STEPS (or `maxSteps`) writes, unbiased so that lengths spread evenly (fast-check's bias favours short arrays). */
function sequenceOf(features: ProviderFeatures, maxSteps = STEPS): fc.Arbitrary<Write[]> {
  const maxLength = Math.max(1, Math.min(STEPS, maxSteps))
  const step = stepOn(features, { transactions: TRANSACTIONS, raw: RAW })
  return fc.noBias(fc.array(step, { minLength: 1, maxLength, size: 'max' }))
}

/** The model-based test file of a provider, for the command that reproduces a failure. */
function testFile(features: ProviderFeatures): string {
  return features.provider === 'postgresql' ? 'model-based' : `model-based.${features.provider}.test.ts`
}

/** The tag the writer invalidates after a write; the reader hearing it proves the write's message arrived. */
const BARRIER_TAG = 'model-based-barrier'

/** Polls `check` until it holds; fails with `what` after `ms`. */
async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`model-based: waited ${ms} ms for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** The pool's options for an instance: without a memory tier, the memory-only region uses Redis instead. */
function poolOptions(options: QueryCacheOptions): QueryCacheOptions {
  if (options.memory !== false) return POOL_OPTIONS
  return { ...POOL_OPTIONS, regions: { ...POOL_OPTIONS.regions, [POOL_MEMORY_REGION]: { ttl: 3600 } } }
}

/**
 * A cached client on the test database, as a {@link Subject} that starts every sequence from the seed rows.
 * With `writer`, writes go through a second instance built from those options (another process, in effect).
 * With `chaos`, each instance's Redis goes through a {@link Chaos} of its own; reads and writes run under it,
 * and it is paused only to reset and to let Redis catch up (`settle`) before another instance's reads.
 */
export function createSubject(fixture: Fixture, configuration: Configuration, index: number): Subject {
  const { name } = configuration
  const chaoses: Chaos[] = []
  const withChaos = (options: QueryCacheOptions): QueryCacheOptions => {
    if (configuration.chaos === undefined || options.redis === undefined) return options
    const chaos = new Chaos(SEED + 1_000 * index + chaoses.length, configuration.chaos)
    chaoses.push(chaos)
    return { ...options, redis: chaos.wrap(options.redis as Redis) }
  }
  const heard: Array<(event: CacheEvent) => void> = []
  const readerOptions = configuration.options()
  const { prisma, base } = cachedClient(fixture.db, {
    ...poolOptions(readerOptions),
    ...withChaos(readerOptions),
    onEvent: (event) => {
      for (const listener of heard) listener(event)
    },
  })
  const writerOptions = configuration.writer?.()
  const other =
    writerOptions === undefined
      ? undefined
      : cachedClient(fixture.db, { ...poolOptions(writerOptions), ...withChaos(writerOptions) }).prisma
  const instances = other === undefined ? [prisma] : [prisma, other]

  /** Resolves when the reader heard the barrier, or its subscription came (back) up. */
  const barrierHeard = (): { heard: Promise<void>; stop: () => void } => {
    let listener: (event: CacheEvent) => void = () => undefined
    const promise = new Promise<void>((resolve) => {
      listener = (event) => {
        const barrier =
          event.type === 'invalidate' &&
          event.cause === 'bus' &&
          event.dependencies.includes(`#${BARRIER_TAG}`)
        // A subscription that came back up makes the reader check its memory tier against Redis instead.
        if (barrier || (event.type === 'bus' && event.state === 'up')) resolve()
      }
      heard.push(listener)
    })
    return { heard: promise, stop: () => heard.splice(heard.indexOf(listener), 1) }
  }

  /** With chaos paused: waits until Redis took every invalidation and (`awaitBus`) the reader heard of it. */
  const settle = async () => {
    for (const chaos of chaoses) chaos.enabled = false
    await Promise.all(chaoses.map((chaos) => chaos.idle()))
    await waitFor(
      () => instances.every((instance) => instance.$cache.stats().pendingInvalidations === 0),
      'every invalidation to reach Redis',
    )
    if (configuration.awaitBus && other !== undefined) {
      // Messages from one connection arrive in order: hearing the barrier means hearing the write.
      const { heard: delivered, stop } = barrierHeard()
      await other.$cache.invalidate({ tags: [BARRIER_TAG] })
      try {
        await Promise.race([
          delivered,
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error('model-based: the bus did not deliver within 5 s')),
              5_000,
            ).unref(),
          ),
        ])
      } finally {
        stop()
      }
    }
    for (const chaos of chaoses) chaos.enabled = true
  }
  const settles =
    other !== undefined && (configuration.chaos !== undefined || configuration.awaitBus === true)
  return {
    label: name,
    reproduce: `PQC_SEED=${SEED} PQC_RUNS=${RUNS} PQC_STEPS=${STEPS} npx vitest run test/integration/${testFile(fixture.db.features)} -t '${name}'`,
    prisma,
    base,
    // Under chaos a failing Redis command turns a hit into a miss: correct, but not precise.
    checkPrecision: PRECISION && configuration.chaos === undefined,
    fullCheckEvery: FULL_EVERY,
    ...(other === undefined ? {} : { writeClient: other }),
    // A single instance must read its own writes at once, chaos or not: only a reader elsewhere waits.
    ...(settles ? { afterWrite: settle } : {}),
    async reset() {
      for (const chaos of chaoses) chaos.enabled = false
      await fixture.db.truncateAll()
      await seedRows(base, fixture.db.features)
      // The seed rows and the truncation bypassed the cache.
      await prisma.$cache.invalidateAll()
      if (chaoses.length > 0 || settles) await settle()
    },
    async close() {
      for (const chaos of chaoses) chaos.enabled = false
      await Promise.all(instances.map((instance) => instance.$cache.close()))
      const counts = chaoses.map((chaos) => JSON.stringify(chaos.counts))
      if (counts.length > 0) console.info(`  chaos [${name}]: ${counts.join(' ')}`)
    },
  }
}

export interface Configuration {
  name: string
  options(): QueryCacheOptions
  /** Options of a second instance that does the writes (same namespace), if any. */
  writer?(): QueryCacheOptions
  /** Before reading after a write, wait until the reader heard of it over the bus (memory tiers). */
  awaitBus?: boolean
  /** Each instance's Redis misbehaves this way (see {@link Chaos}). */
  chaos?: ChaosPolicy
  /** At most this many writes per sequence, below PQC_STEPS (for slow configurations). */
  maxSteps?: number
}

/**
 * A Redis connection of its own and a namespace unique to this file and `suffix`. The timeout is generous:
 * on a loaded machine the default 250 ms would turn slow replies into misses, which the precision check
 * would report although nothing is wrong with invalidation.
 */
export function redisOptions(fixture: Fixture, suffix: string): QueryCacheOptions {
  return {
    redis: fixture.connection(),
    namespace: `${fixture.redis.namespace}${suffix}`,
    redisTimeout: 5_000,
  }
}

/**
 * The configurations MySQL and SQLite run (PostgreSQL runs more, in `model-based.test.ts` and
 * `model-based-instances.test.ts`): the memory tier, both tiers on one instance, and Redis only with the writes
 * coming from a second instance. What differs between providers is the database (its writes, cascades,
 * transactions and raw SQL), not the tiers' own logic, which the PostgreSQL files cover in every
 * configuration. Three configurations make enough writes by default for the coverage check (every write kind
 * succeeded somewhere).
 */
export function providerConfigurations(fixture: Fixture): Configuration[] {
  const redisOnly = (suffix: string): QueryCacheOptions => ({
    ...redisOptions(fixture, suffix),
    memory: false,
  })
  return [
    { name: 'memory only', options: () => ({}) },
    { name: 'memory + redis', options: () => redisOptions(fixture, 'b') },
    { name: 'two instances, redis only', options: () => redisOnly('w'), writer: () => redisOnly('w') },
  ]
}

/**
 * The chaos of the chaos configurations: some commands fail, some run but lose their reply, some are held back
 * past `redisTimeout` (so they time out and then run late); bus messages come late or twice; now and then the
 * subscription drops.
 */
export const CHAOS: ChaosPolicy = {
  fail: 0.04,
  lose: 0.02,
  delay: 0.03,
  maxDelayMs: 70,
  delayMessage: 0.2,
  duplicateMessage: 0.1,
  dropSubscription: 0.001,
}
export const CHAOS_TIMEOUT_MS = 50

/**
 * Registers the property for each configuration (configuration i runs seed + `seedOffset` + i), then a check
 * that every write kind succeeded somewhere among them.
 */
export function describeModelBased(
  title: string,
  fixture: Fixture,
  configurations: readonly Configuration[],
  seedOffset: number,
): void {
  const total = new ModelStats()
  describe(title, () => {
    it.each(configurations.map((configuration, index) => ({ ...configuration, index: seedOffset + index })))(
      '$name',
      async ({ name, index }) => {
        const seed = SEED + index
        const subject = createSubject(fixture, configurations[index - seedOffset] as Configuration, index)
        const stats = new ModelStats()
        const started = performance.now()
        try {
          await fc.assert(
            fc.asyncProperty(
              sequenceOf(fixture.db.features, configurations[index - seedOffset]?.maxSteps),
              (writes: Write[]) => runSequence(subject, writes, stats),
            ),
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

        total.add(stats)
        // Precision: a cache that dropped everything on every write would have no hit after a write.
        expect(stats.hitsAfterWrites, 'reads served from the cache after a write').toBeGreaterThan(0)
      },
      BUDGET_MS + 60_000,
    )

    it('exercised every write kind (over all configurations)', () => {
      console.info(total.summary('all configurations'))
      if (total.writes < COVERAGE_MIN_WRITES) return
      const operations = writeOperations(fixture.db.features)
      expect(total.missingKinds(operations), 'write operations that never succeeded').toEqual([])
    })
  })
}

/** The message of the error the property failed with (fast-check 4 keeps it as the `cause`). */
export async function failureOf(run: Promise<void>): Promise<string> {
  try {
    await run
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause
    return cause instanceof ModelMismatch ? cause.message : `not a ModelMismatch: ${String(cause ?? error)}`
  }
  return 'the property held'
}
