import type { ReadResult } from '../read/lookup.ts'
import type { ReadPlan } from '../read/planner.ts'
import type { Reporter } from './events.ts'

/** Reports a cached read's answer as a `read` event (call it only when someone listens). */
export function observeRead(
  reporter: Reporter,
  plan: ReadPlan,
  started: number,
  result: Promise<ReadResult> | ReadResult,
): Promise<ReadResult> | ReadResult {
  const report = (done: ReadResult): ReadResult => {
    const { status, tier, reason } = done.info
    reporter.emit({
      type: 'read',
      key: plan.key,
      region: plan.region.name,
      model: plan.model,
      operation: plan.operation,
      status,
      duration: performance.now() - started,
      ...(tier !== undefined ? { tier } : {}),
      ...(reason !== undefined ? { reason } : {}),
    })
    return done
  }
  return result instanceof Promise ? result.then(report) : report(result)
}
