/**
 * G2, proven by a model-based property test: after any random sequence of writes (every top-level and
 * nested kind, on both sides of every relation, with referential actions, plus batch and interactive
 * transactions and raw SQL), every cached read of a pool that uses every dependency feature equals the same
 * read without the cache, and reads that the write cannot affect stay cached. Run on the memory tier, on
 * Redis, on both, and on Redis with the writes coming from a second instance. More instances and chaos:
 * `model-based-instances.test.ts`.
 *
 * A failure names the configuration, the environment to reproduce it, every write so far (with row
 * references resolved) and the first difference; fast-check adds the seed, the replay path and the shrunk
 * counterexample (writes with symbolic row references such as `user#2`, the third user by id). Environment
 * knobs (PQC_SEED, PQC_RUNS, PQC_STEPS, ...): `model-based/suite.ts`.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { useFixture } from './helpers.ts'
import { ModelStats, runSequence } from './model-based/harness.ts'
import { modelOf } from './model-based/schema-map.ts'
import { MODEL_WRITE } from './model-based/steps.ts'
import {
  type Configuration,
  createSubject,
  describeModelBased,
  failureOf,
  redisOptions,
  SEED,
} from './model-based/suite.ts'
import type { Write } from './model-based/write.ts'

const fixture = useFixture({ truncate: false })

const CONFIGURATIONS: Configuration[] = [
  { name: 'memory only', options: () => ({}) },
  {
    name: 'redis only',
    options: () => ({ ...redisOptions(fixture, 'r'), memory: false }),
  },
  {
    name: 'memory + redis',
    options: () => redisOptions(fixture, 'b'),
  },
  {
    // Without a memory tier, the reading instance must see the writer's invalidations at once: both check
    // the same Redis versions, so no pub/sub delay is involved.
    name: 'two instances, redis only',
    options: () => ({ ...redisOptions(fixture, 'w'), memory: false }),
    writer: () => ({ ...redisOptions(fixture, 'w'), memory: false }),
  },
]

describeModelBased(
  'model-based: cached reads equal uncached reads after any writes (G2)',
  fixture,
  CONFIGURATIONS,
  0,
)

describe('model-based: the model can fail', () => {
  const sequence = fc.array(MODEL_WRITE, { minLength: 30, maxLength: 30 })
  const once = { seed: SEED, numRuns: 2, endOnFailure: true }

  it('reports a stale read when writes bypass the cache (they go through the plain client)', async () => {
    const subject = createSubject(fixture, { name: 'self-test: stale', options: () => ({}) }, -1)
    const writes = { ...subject, writeClient: subject.base, checkPrecision: false }
    const run = fc.assert(
      fc.asyncProperty(sequence, (steps: Write[]) => runSequence(writes, steps, new ModelStats())),
      once,
    )
    expect(await failureOf(run)).toMatch(/cached read differs from the uncached read/)
    await subject.close?.()
  })

  it('reports lost precision when every write drops the whole cache', async () => {
    const subject = createSubject(fixture, { name: 'self-test: precision', options: () => ({}) }, -2)
    const coarse = {
      ...subject,
      checkPrecision: true,
      afterWrite: () => subject.prisma.$cache.invalidateAll(),
    }
    const run = fc.assert(
      fc.asyncProperty(sequence, (steps: Write[]) => runSequence(coarse, steps, new ModelStats())),
      once,
    )
    expect(await failureOf(run)).toMatch(/precision: .* was a miss after a (row-precise )?write that/)
    await subject.close?.()
  })

  it('reports lost row precision when every write invalidates its whole model', async () => {
    const subject = createSubject(fixture, { name: 'self-test: row precision', options: () => ({}) }, -3)
    let model: string | undefined
    const modelWide = {
      ...subject,
      checkPrecision: true,
      afterWrite: async () => {
        if (model !== undefined) await subject.prisma.$cache.invalidate({ models: [model] })
      },
    }
    const writes = fc.array(MODEL_WRITE, { minLength: 20, maxLength: 40 }).map((steps) =>
      steps.map((step) => ({
        ...step,
        run: (context: Parameters<Write['run']>[0]) => {
          model = 'delegate' in step ? modelOf(String(step.delegate)) : undefined
          return step.run(context)
        },
      })),
    )
    const run = fc.assert(
      fc.asyncProperty(writes, (steps: Write[]) => runSequence(modelWide, steps, new ModelStats())),
      once,
    )
    expect(await failureOf(run)).toMatch(
      /row precision: .* after a row-precise write that changed none of its rows/,
    )
    await subject.close?.()
  })
})
