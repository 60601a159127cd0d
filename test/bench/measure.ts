/**
 * Timing primitives of the benchmark: latency cases measured side by side in interleaved rounds, so that
 * machine noise (a shared, 2-core box) hits every case alike, and throughput with a fixed number of
 * operations in flight.
 */

/** One operation, timed on its own: every sample is one awaited call. */
export interface AsyncCase {
  readonly name: string
  readonly run: () => PromiseLike<unknown>
  /** Samples kept over all measured rounds. */
  readonly iterations: number
}

/**
 * A synchronous operation too fast to time on its own (well under a microsecond): every sample is the mean
 * of `batch` calls, so its p99 is that of batch means, not of single calls. `run` must return a value other
 * than `undefined`: that is checked, which also keeps the optimizer from dropping the calls.
 */
export interface SyncCase {
  readonly name: string
  readonly run: () => unknown
  readonly iterations: number
  readonly batch: number
}

export type LatencyCase = AsyncCase | SyncCase

/** Distribution of samples: microseconds per operation for latency cases, milliseconds for bursts. */
export interface LatencyStats {
  readonly samples: number
  readonly p50: number
  readonly p99: number
  readonly mean: number
}

/** How {@link measureInterleaved} spreads the work. */
export interface RoundOptions {
  /** Measured rounds; each runs every case for `iterations / rounds` samples. */
  readonly rounds: number
  /** Unrecorded rounds first (JIT, connection pools, caches), each as long as a measured one. */
  readonly warmupRounds: number
  /** Called after each round, measured or not, e.g. to print progress. */
  readonly onRound?: (round: number, total: number) => void
}

/**
 * Measures every case once per round, in an order that rotates from round to round (so no case always
 * follows the same neighbour), and returns the stats of each case by name over all measured rounds.
 */
export async function measureInterleaved(
  cases: readonly LatencyCase[],
  { rounds, warmupRounds, onRound }: RoundOptions,
): Promise<Map<string, LatencyStats>> {
  const samples = new Map(cases.map((c) => [c.name, new Float64Array(c.iterations)]))
  const filled = new Map(cases.map((c) => [c.name, 0]))
  const total = warmupRounds + rounds
  for (let round = 0; round < total; round++) {
    const measured = round >= warmupRounds
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(round + i) % cases.length]!
      const perRound = Math.ceil(c.iterations / rounds)
      const out = measured ? samples.get(c.name)! : new Float64Array(perRound)
      const from = measured ? filled.get(c.name)! : 0
      const to = Math.min(out.length, from + perRound)
      if ('batch' in c) timeSync(c, out, from, to)
      else await timeAsync(c, out, from, to)
      if (measured) filled.set(c.name, to)
    }
    onRound?.(round + 1, total)
  }
  return new Map(cases.map((c) => [c.name, summarize(samples.get(c.name)!.subarray(0, filled.get(c.name)))]))
}

async function timeAsync(c: AsyncCase, out: Float64Array, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const start = performance.now()
    await c.run()
    out[i] = (performance.now() - start) * 1000
  }
}

function timeSync(c: SyncCase, out: Float64Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const start = performance.now()
    let result: unknown
    for (let j = 0; j < c.batch; j++) result = c.run()
    out[i] = ((performance.now() - start) * 1000) / c.batch
    if (result === undefined) throw new Error(`${c.name} returned undefined`)
  }
}

/** p50, p99 (nearest rank) and mean of microsecond samples. */
export function summarize(samples: Float64Array): LatencyStats {
  if (samples.length === 0) throw new Error('no samples: iterations must be ≥ 1')
  const sorted = Float64Array.from(samples).sort()
  let sum = 0
  for (const sample of sorted) sum += sample
  return {
    samples: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: sum / sorted.length,
  }
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}

/** A case of {@link measureThroughput}. */
export interface ThroughputCase {
  readonly name: string
  readonly run: () => PromiseLike<unknown>
  /** Operations per measured round. */
  readonly operationsPerRound: number
}

/**
 * Operations per second with `concurrency` operations in flight at all times, cases interleaved in rounds
 * like {@link measureInterleaved}: total operations over total wall time of the measured rounds.
 */
export async function measureThroughput(
  cases: readonly ThroughputCase[],
  { rounds, warmupRounds, concurrency }: RoundOptions & { concurrency: number },
): Promise<Map<string, number>> {
  const elapsedMs = new Map(cases.map((c) => [c.name, 0]))
  for (let round = 0; round < warmupRounds + rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(round + i) % cases.length]!
      const ms = await inFlight(c.run, c.operationsPerRound, concurrency)
      if (round >= warmupRounds) elapsedMs.set(c.name, elapsedMs.get(c.name)! + ms)
    }
  }
  return new Map(
    cases.map((c) => [c.name, (c.operationsPerRound * rounds) / (elapsedMs.get(c.name)! / 1000)]),
  )
}

/** Runs `operations` calls of `run`, `concurrency` at a time; returns the wall time in milliseconds. */
async function inFlight(
  run: () => PromiseLike<unknown>,
  operations: number,
  concurrency: number,
): Promise<number> {
  let started = 0
  const worker = async () => {
    while (started < operations) {
      started++
      await run()
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  return performance.now() - start
}

/** What one burst of identical concurrent reads cost. */
export interface BurstStats {
  /** Database statements per burst: mean and worst over all bursts. */
  readonly statementsMean: number
  readonly statementsMax: number
  /** Wall time of one burst, in milliseconds. */
  readonly wallMs: LatencyStats
}

/** A case of {@link measureBursts}. */
export interface BurstCase {
  readonly name: string
  /** Makes the next read cold (e.g. `$cache.invalidateAll()`); not timed. */
  readonly prepare: () => Promise<unknown>
  readonly run: () => PromiseLike<unknown>
  /** Statements the client sent so far; reset before each burst. */
  readonly statements: { readonly count: number; reset(): void }
}

/** Fires `concurrency` identical reads at once, `bursts` times per case, cases interleaved. */
export async function measureBursts(
  cases: readonly BurstCase[],
  { bursts, concurrency }: { bursts: number; concurrency: number },
): Promise<Map<string, BurstStats>> {
  const counts = new Map(cases.map((c) => [c.name, [] as number[]]))
  const walls = new Map(cases.map((c) => [c.name, new Float64Array(bursts)]))
  for (let burst = 0; burst < bursts; burst++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(burst + i) % cases.length]!
      await c.prepare()
      c.statements.reset()
      const start = performance.now()
      await Promise.all(Array.from({ length: concurrency }, () => c.run()))
      walls.get(c.name)![burst] = performance.now() - start
      counts.get(c.name)!.push(c.statements.count)
    }
  }
  return new Map(
    cases.map((c) => {
      const statements = counts.get(c.name)!
      return [
        c.name,
        {
          statementsMean: statements.reduce((a, b) => a + b, 0) / statements.length,
          statementsMax: Math.max(...statements),
          wallMs: summarize(walls.get(c.name)!),
        },
      ]
    }),
  )
}
