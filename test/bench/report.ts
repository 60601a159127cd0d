/**
 * Turns measurements into the printed report (tables, then targets with pass/fail marks) and the JSON
 * results file. Targets are goals to report on, never assertions: the run succeeds whatever they say.
 */
import { ERROR_FORMATS, QUERIES, type Query } from './fixtures.ts'
import type { BurstStats, LatencyStats } from './measure.ts'
import { LABEL, type Scenario, scenarioName } from './scenarios.ts'

/**
 * A target: `subject`'s p50 over `reference`'s p50 at most `limit`; for a speedup, the inverse at least `limit`;
 * for an added cost, (`subject` − `base`) over `reference` at most `limit`.
 */
export interface Target {
  readonly goal: string
  readonly subject: string
  readonly reference: string
  readonly limit: number
  readonly kind: 'at most' | 'speedup at least' | 'added at most'
  /** For `added at most`: what the subject adds to (the same query without the cache). */
  readonly base?: string
}

/** A target with its measured ratios. */
export interface TargetResult extends Target {
  /** Ratio of p50s (the verdict), and of means for comparison. */
  readonly ratio: number
  readonly meanRatio: number
  readonly pass: boolean
}

/** The targets of the briefs (issue 15's goals among them), per query and error format where they apply. */
export function targets(): Target[] {
  const list: Target[] = []
  for (const format of ERROR_FORMATS) {
    for (const query of QUERIES) {
      list.push({
        goal: 'memory hit ≤ 1.5× hook floor (same errorFormat)',
        subject: scenarioName(query, LABEL.memoryHit, format),
        reference: scenarioName(query, LABEL.hookFloor, format),
        limit: 1.5,
        kind: 'at most',
      })
    }
    for (const query of QUERIES) {
      list.push({
        goal: 'memory hit, @opentelemetry/api without a provider ≤ 1.05× telemetry: false',
        subject: scenarioName(query, LABEL.memoryHit, format),
        reference: scenarioName(query, LABEL.memoryHitNoTelemetry, format),
        limit: 1.05,
        kind: 'at most',
      })
    }
    list.push({
      goal: 'memory hit ≥ 15× faster than uncached findUnique',
      subject: scenarioName('findUnique', LABEL.memoryHit, format),
      reference: scenarioName('findUnique', LABEL.uncached, format),
      limit: 15,
      kind: 'speedup at least',
    })
    for (const query of QUERIES) {
      for (const [subject, reference] of [
        [LABEL.acceleratedMemoryHit, LABEL.memoryHit],
        [LABEL.acceleratedRedisHit, LABEL.redisHit],
      ] as const) {
        list.push({
          goal: "withAccelerate() hit ≤ 1.05× queryCache()'s (same tier, same errorFormat)",
          subject: scenarioName(query, subject, format),
          reference: scenarioName(query, reference, format),
          limit: 1.05,
          kind: 'at most',
        })
      }
    }
    for (const query of QUERIES) {
      list.push({
        goal: 'redis hit ≤ 1.3× ioredis GET + decode of the same bytes',
        subject: scenarioName(query, LABEL.redisHit, format),
        reference: scenarioName(query, LABEL.redisFloor),
        limit: 1.3,
        kind: 'at most',
      })
    }
  }
  for (const query of QUERIES) {
    list.push({
      goal: 'redis hit ≥ 1.3× faster than prisma-extension-redis hit',
      subject: scenarioName(query, LABEL.redisHit, 'default'),
      reference: scenarioName(query, LABEL.peerHit),
      limit: 1.3,
      kind: 'speedup at least',
    })
  }
  for (const label of [LABEL.missMemory, LABEL.missRegion]) {
    for (const query of QUERIES) {
      list.push({
        goal: 'miss ≤ 1.10× the uncached query',
        subject: scenarioName(query, label),
        reference: scenarioName(query, LABEL.uncachedNewFilter),
        limit: 1.1,
        kind: 'at most',
      })
    }
  }
  for (const query of QUERIES) {
    list.push({
      goal: 'miss through redis: (miss − uncached) ≤ 1.2× a bare GET',
      subject: scenarioName(query, LABEL.missMemoryRedis),
      base: scenarioName(query, LABEL.uncachedNewFilter),
      reference: LABEL.redisGet,
      limit: 1.2,
      kind: 'added at most',
    })
  }
  return list
}

/** Evaluates targets against latency results. */
export function evaluate(
  list: readonly Target[],
  latency: ReadonlyMap<string, LatencyStats>,
): TargetResult[] {
  return list.map((target) => {
    const subject = stats(latency, target.subject)
    const reference = stats(latency, target.reference)
    const base = target.base === undefined ? undefined : stats(latency, target.base)
    const speedup = target.kind === 'speedup at least'
    const of = (key: 'p50' | 'mean') =>
      speedup ? reference[key] / subject[key] : (subject[key] - (base?.[key] ?? 0)) / reference[key]
    const ratio = of('p50')
    return {
      ...target,
      ratio,
      meanRatio: of('mean'),
      pass: speedup ? ratio >= target.limit : ratio <= target.limit,
    }
  })
}

function stats(latency: ReadonlyMap<string, LatencyStats>, name: string): LatencyStats {
  const found = latency.get(name)
  if (found === undefined) throw new Error(`no measurement named '${name}'`)
  return found
}

/** The latency table, grouped by query. */
export function latencyTable(
  scenarios: readonly Scenario[],
  latency: ReadonlyMap<string, LatencyStats>,
): string {
  const rows: string[][] = []
  for (const query of [...QUERIES, undefined]) {
    const group = scenarios.filter((s) => s.query === query)
    if (group.length === 0) continue
    rows.push([query === undefined ? 'reference' : title(query), '', '', '', '', ''])
    for (const scenario of group) {
      const own = stats(latency, scenario.measure.name)
      const reference = scenario.reference === undefined ? undefined : stats(latency, scenario.reference)
      rows.push([
        `  ${scenario.measure.name.replace(`${query} `, '')}`,
        micros(own.p50),
        micros(own.p99),
        micros(own.mean),
        String(own.samples),
        reference === undefined
          ? ''
          : `${(own.p50 / reference.p50).toFixed(2)}× ${scenario.reference!.replace(`${query} `, '')}`,
      ])
    }
  }
  return table(['µs per op', 'p50', 'p99', 'mean', 'n', 'p50 ratio'], rows, [1, 2, 3, 4])
}

function title(query: Query): string {
  return query === 'findUnique'
    ? 'findUnique: User by id (1 row)'
    : 'findMany: 20 Posts + author, orderBy id (20 rows + relation)'
}

/**
 * The bursts table: identical cold reads fired together. A cached configuration should load once per burst
 * (G5): its worst burst is marked ✓ when it sent no more statements than one read.
 */
export function burstTable(
  bursts: ReadonlyMap<string, BurstStats>,
  statementsPerLoad: ReadonlyMap<string, number>,
): string {
  const rows = [...bursts].map(([name, b]) => {
    const perLoad = statementsPerLoad.get(name) ?? 1
    const cached = !name.endsWith(' uncached')
    return [
      name,
      `${b.statementsMean.toFixed(1)} / ${b.statementsMax}`,
      cached ? `${b.statementsMax <= perLoad ? '✓' : '✗'} ${b.statementsMax / perLoad}` : '',
      b.wallMs.p50.toFixed(2),
      b.wallMs.p99.toFixed(2),
    ]
  })
  return table(
    ['burst', 'statements mean / max', 'loads max', 'wall p50 ms', 'wall p99 ms'],
    rows,
    [1, 2, 3, 4],
  )
}

/** The throughput table, with each case's speedup over the uncached case of its query. */
export function throughputTable(
  throughput: ReadonlyMap<string, number>,
  uncachedOf: (name: string) => string,
): string {
  const rows = [...throughput].map(([name, opsPerSecond]) => {
    const uncached = throughput.get(uncachedOf(name))
    const speedup =
      uncached === undefined || uncachedOf(name) === name ? '' : `${(opsPerSecond / uncached).toFixed(1)}×`
    return [name, Math.round(opsPerSecond).toLocaleString('en-US'), speedup]
  })
  return table(['64 in flight', 'ops/s', 'vs uncached'], rows, [1, 2])
}

/** The targets with ✓ / ✗ marks. */
export function targetLines(results: readonly TargetResult[]): string {
  const rows = results.map((r) => [
    r.pass ? '✓' : '✗',
    r.goal,
    r.base === undefined ? r.subject : `${r.subject} − uncached`,
    `${r.ratio.toFixed(2)}×`,
    `(${r.meanRatio.toFixed(2)}×)`,
  ])
  const passed = results.filter((r) => r.pass).length
  return `${table(['', 'target', 'measured', 'p50', '(mean)'], rows, [3, 4])}\n${passed}/${results.length} targets met`
}

/** Microseconds with about three significant digits. */
function micros(value: number): string {
  if (value < 1) return value.toFixed(3)
  if (value < 100) return value.toFixed(1)
  return value.toFixed(0)
}

/** A plain-text table; columns listed in `rightAligned` are right-aligned. */
export function table(
  headers: readonly string[],
  rows: readonly string[][],
  rightAligned: readonly number[],
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        rightAligned.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n')
}
