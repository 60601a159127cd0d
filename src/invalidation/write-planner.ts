import type { Reporter } from '../observability/events.ts'
import type { StatsRecorder } from '../observability/stats.ts'
import type { WriteOperation } from '../prisma/operations.ts'
import type { SchemaGraph } from '../schema/graph.ts'
import { ALL_DEPENDENCY, unpinnedDependency } from './dependency-ids.ts'
import type { PinRules } from './pins.ts'
import {
  type FallbackReason,
  invalidationOf,
  planWrite,
  type WriteInvalidation,
  type WriteOutcome,
  type WritePlan,
} from './write-effects.ts'

/**
 * What a model write invalidates: planned before it runs, settled once its outcome is known. Cache trouble never
 * fails a write: what cannot be planned or settled falls back to wider invalidation, never to less.
 */
export class WritePlanner {
  readonly #graph: SchemaGraph
  readonly #pins: PinRules
  readonly #reporter: Reporter
  readonly #stats: StatsRecorder

  constructor(graph: SchemaGraph, pins: PinRules, reporter: Reporter, stats: StatsRecorder) {
    this.#graph = graph
    this.#pins = pins
    this.#reporter = reporter
    this.#stats = stats
  }

  /**
   * Plans the invalidation of a model write before it runs. Never throws: arguments it cannot walk make a plan
   * that invalidates the whole namespace.
   */
  plan(model: string, operation: WriteOperation, args: unknown, inTransaction: boolean): WritePlan {
    try {
      return planWrite(this.#graph, this.#pins, model, operation, args, inTransaction)
    } catch (error) {
      this.#reporter.fail(undefined, 'plan-write', error)
      return {
        model,
        operation,
        inTransaction,
        dependencies: [ALL_DEPENDENCY],
        reached: [],
        rows: { kind: 'none', reason: 'unknown outcome' },
        pinnedFields: [],
        reasons: [],
      }
    }
  }

  /** What a model write moves, once its outcome is known; counted as row-precise or not. Never throws. */
  settle(plan: WritePlan, outcome: WriteOutcome): WriteInvalidation {
    let invalidation: WriteInvalidation
    try {
      invalidation = invalidationOf(this.#pins, plan, outcome)
    } catch (error) {
      this.#reporter.fail(undefined, 'invalidate-write', error)
      const reasons: FallbackReason[] = ['unknown outcome']
      invalidation = {
        dependencies: [...plan.dependencies, ...plan.reached, unpinnedDependency(plan.model)],
        reasons,
      }
    }
    if (outcome.kind !== 'refused') this.#stats.write(invalidation.reasons)
    return invalidation
  }
}
