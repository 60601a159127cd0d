/**
 * G2 and G6 across instances, by the model-based property test (see `model-based.test.ts`): writes come from
 * one instance and another instance's memory tier must follow them once the bus delivered them; under chaos
 * (a Redis whose commands fail, lose their replies or run late, and a bus whose messages come late or twice
 * and whose subscription drops), a single instance reads its own writes throughout, and another instance
 * reads them once Redis behaves again.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { useFixture } from './helpers.ts'
import { ModelStats, runSequence } from './model-based/harness.ts'
import { MODEL_WRITE } from './model-based/steps.ts'
import {
  CHAOS,
  CHAOS_TIMEOUT_MS,
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
  {
    // Both memory tiers: the reader's is kept coherent by the bus alone.
    name: 'two instances, memory + redis',
    options: () => redisOptions(fixture, 'm'),
    writer: () => redisOptions(fixture, 'm'),
    awaitBus: true,
  },
  {
    name: 'memory + redis under chaos',
    options: () => ({ ...redisOptions(fixture, 'c'), redisTimeout: CHAOS_TIMEOUT_MS }),
    chaos: CHAOS,
  },
  {
    name: 'two instances under chaos',
    options: () => ({ ...redisOptions(fixture, 'x'), redisTimeout: CHAOS_TIMEOUT_MS }),
    writer: () => ({ ...redisOptions(fixture, 'x'), redisTimeout: CHAOS_TIMEOUT_MS }),
    awaitBus: true,
    chaos: CHAOS,
    // Each write waits for Redis to take it and the bus to deliver it, with retries behind the breaker.
    maxSteps: 100,
  },
]

describeModelBased('model-based: many instances and chaos (G2, G6)', fixture, CONFIGURATIONS, 10)

describe('model-based: the model can fail across instances', () => {
  it("reports a stale read when the reader's memory tier never hears the writer", async () => {
    // A bus that loses every message (Redis never does on a live subscription) and a check that does not
    // wait for it: the reader keeps serving what its memory tier holds.
    const deaf: Configuration = {
      name: 'self-test: deaf reader',
      options: () => redisOptions(fixture, 'deaf'),
      writer: () => redisOptions(fixture, 'deaf'),
      chaos: { dropMessage: 1 },
    }
    const subject = { ...createSubject(fixture, deaf, -3), checkPrecision: false }
    const run = fc.assert(
      fc.asyncProperty(fc.array(MODEL_WRITE, { minLength: 30, maxLength: 30 }), (steps: Write[]) =>
        runSequence(subject, steps, new ModelStats()),
      ),
      { seed: SEED, numRuns: 2, endOnFailure: true },
    )
    expect(await failureOf(run)).toMatch(/cached read differs from the uncached read/)
    await subject.close?.()
  })
})
