/**
 * The Redis outage part of the report: the table of each case's read latencies, and the latency bounds of a
 * Redis that is down or silent, judged against the uncached case of the same run. Reported, not asserted.
 */
import { TUNABLES } from '../../src/config/defaults.ts'
import type { OutageCase, OutageResult } from './redis-outage.ts'
import { SLOW_READ_MS } from './redis-outage.ts'
import { table } from './report.ts'

/** The cases whose connection is known down: every read within uncached + this many milliseconds. */
export const DOWN_CASES = [
  'refused',
  'unreachable',
  'closed mid-run',
] as const satisfies readonly OutageCase[]
export const DOWN_ALLOWANCE_MS = 5

/** A bound on a case's reads, with what it measured. */
export interface OutageTargetResult {
  readonly goal: string
  readonly name: OutageCase
  /** What the bound is on, e.g. `max − uncached max`, and its value in milliseconds (or reads). */
  readonly measure: string
  readonly value: number
  readonly limit: number
  readonly unit: 'ms' | 'reads'
  readonly pass: boolean
}

/** The outage table: each case's read latencies in milliseconds, and what its p50 adds to uncached. */
export function outageTable(results: readonly OutageResult[]): string {
  const uncached = results.find((r) => r.name === 'uncached')
  const rows = results.map((r) => [
    r.name,
    String(r.reads),
    r.firstMs.toFixed(2),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.maxMs.toFixed(1),
    (r.maxAtMs / 1000).toFixed(2),
    uncached === undefined || r === uncached ? '' : signed(r.p50Ms - uncached.p50Ms),
    String(r.slowReads),
    r.recoveredMs === undefined ? '' : r.recoveredMs === null ? 'never' : `${r.recoveredMs.toFixed(0)} ms`,
  ])
  return table(
    [
      'findUnique',
      'reads',
      'first ms',
      'p50 ms',
      'p99 ms',
      'max ms',
      'max at s',
      'p50 added ms',
      `reads > ${SLOW_READ_MS} ms`,
      'back to hits',
    ],
    rows,
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  )
}

/**
 * The bounds: with the connection known down, every read within uncached + {@link DOWN_ALLOWANCE_MS}: the slowest
 * against the slowest uncached read, and the first read of a new client against a warm uncached read (the goal as
 * written) and against the first read of a new client on a healthy Redis (what the outage adds: any new client's
 * first read pays its own start-up). With a black hole, no read above one `redisTimeout` plus the slowest uncached
 * read, and slow reads only until the breaker opens, then one probe per open period.
 */
export function outageTargets(
  results: readonly OutageResult[],
  { redisTimeoutMs, windowMs }: { redisTimeoutMs: number; windowMs: number },
): OutageTargetResult[] {
  const uncached = results.find((r) => r.name === 'uncached')
  const healthy = results.find((r) => r.name === 'redis healthy')
  if (uncached === undefined || healthy === undefined) return []
  const list: OutageTargetResult[] = []
  const within = (name: OutageCase, measure: string, value: number, limit: number, unit: 'ms' | 'reads') =>
    ({ name, measure, value, limit, unit, pass: value <= limit }) as const
  for (const result of results) {
    const name = result.name
    if ((DOWN_CASES as readonly string[]).includes(name)) {
      const goal = `every read within uncached + ${DOWN_ALLOWANCE_MS} ms`
      list.push({
        goal,
        ...within(name, 'max − uncached max', result.maxMs - uncached.maxMs, DOWN_ALLOWANCE_MS, 'ms'),
      })
      const first = (measure: string, reference: number) =>
        within(name, measure, result.firstMs - reference, DOWN_ALLOWANCE_MS, 'ms')
      list.push({ goal, ...first('first read − uncached p50', uncached.p50Ms) })
      list.push({ goal, ...first('first read − healthy first read', healthy.firstMs) })
    }
    if (name === 'black hole') {
      list.push({
        goal: '≤ one redisTimeout per read',
        ...within(name, 'max − uncached max', result.maxMs - uncached.maxMs, redisTimeoutMs, 'ms'),
      })
      const { failures, openMs } = TUNABLES.breaker
      list.push({
        goal: 'timeouts only until the breaker opens, then one probe per open period',
        ...within(
          name,
          'reads > 100 ms',
          result.slowReads,
          1 + failures + Math.ceil(windowMs / openMs),
          'reads',
        ),
      })
    }
  }
  return list
}

/** The outage bounds with ✓ / ✗ marks. */
export function outageTargetLines(results: readonly OutageTargetResult[]): string {
  const rows = results.map((r) => [
    r.pass ? '✓' : '✗',
    r.goal,
    r.name,
    r.measure,
    r.unit === 'ms' ? `${r.value.toFixed(2)} ms` : `${r.value} reads`,
    r.unit === 'ms' ? `≤ ${r.limit} ms` : `≤ ${r.limit}`,
  ])
  const passed = results.filter((r) => r.pass).length
  return `${table(['', 'bound', 'case', 'measured', 'value', 'limit'], rows, [4, 5])}\n${passed}/${results.length} bounds met`
}

function signed(ms: number): string {
  return `${ms < 0 ? '' : '+'}${ms.toFixed(2)}`
}
