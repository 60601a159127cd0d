/**
 * What a write invalidates, row-precisely where the cache can prove it: the pins of every row it changes, taken
 * from the row before and after the write, and the whole model (`!Model`) where it cannot tell which rows change.
 */
import type { WriteOperation } from '../prisma/operations.ts'
import type { SchemaGraph } from '../schema/types.ts'
import { unpinnedDependency } from './dependency-ids.ts'
import type { PinRules } from './pins.ts'
import { isObject } from './prisma-args.ts'
import { analyzeWrite } from './write-dependencies.ts'

/** Most pins one write moves; a write of more rows invalidates every pinned read of its model instead. */
export const MAX_WRITE_PINS = 128

/** Why a write's own rows could not be told apart: it falls back to the whole model. */
export type FallbackReason =
  | 'nested write'
  | 'referential action'
  | 'many rows'
  | 'result without its keys'
  | 'row changed while it was written'
  | 'unknown outcome'
  | 'no schema'

/**
 * How the rows a write names are found, to name their pins. `wildcards`: pinned fields it may change in rows whose
 * value before it is not known; every read pinned by a scheme on one of them is invalidated.
 */
export type RowSource =
  /** From its result: the rows after the write (`after`), before it (`before`), or both alike (`same`). */
  | { kind: 'result'; images: 'after' | 'before' | 'same'; wildcards: readonly string[] }
  /** From `createMany` data (the fields no row gives are wildcards: their defaults are not known here). */
  | { kind: 'data'; rows: readonly Record<string, unknown>[]; wildcards: readonly string[] }
  /** An update that changes key fields: the pinned fields it changes are read first (outside transactions). */
  | { kind: 'read-before'; changed: readonly string[] }
  | { kind: 'none'; reason: FallbackReason }

/** A write's invalidation, planned before it runs. */
export interface WritePlan {
  readonly model: string
  readonly operation: WriteOperation
  /** It runs inside a transaction: no read-before, and a refused statement may still leave others to commit. */
  readonly inTransaction: boolean
  /** Moved whatever happens: every model and join table it may change. */
  readonly dependencies: readonly string[]
  /** Moved when it may have changed rows: `!Model` of every model it reaches beyond its own rows. */
  readonly reached: readonly string[]
  /** How its own rows' pins are found. */
  readonly rows: RowSource
  /** Every pinned field of the model: what a row image must carry. */
  readonly pinnedFields: readonly string[]
  /** Why models other than its own fall back, if any. */
  readonly reasons: readonly FallbackReason[]
}

/** What a write came to, for its invalidation. */
export type WriteOutcome =
  | { kind: 'done'; before: readonly unknown[]; after: readonly unknown[] }
  /** It ran, but its rows could not be told (see the reason). */
  | { kind: 'untold'; reason: FallbackReason }
  /** Prisma reported a statement error: the write changed nothing (it was rolled back). */
  | { kind: 'refused' }
  /** It failed some other way: it may or may not have committed. */
  | { kind: 'failed' }

/** The dependencies a write moves, and why it was not row-precise where it was not. */
export interface WriteInvalidation {
  dependencies: string[]
  reasons: FallbackReason[]
}

/** Plans a write's invalidation. `inTransaction`: no read-before is possible. */
export function planWrite(
  graph: SchemaGraph,
  rules: PinRules,
  model: string,
  operation: WriteOperation,
  args: unknown,
  inTransaction: boolean,
): WritePlan {
  const analysis = analyzeWrite(graph, model, operation, args)
  const reached: string[] = []
  const reasons = new Set<FallbackReason>()
  for (const [other, reason] of analysis.reached) {
    reached.push(unpinnedDependency(other))
    reasons.add(reason)
  }
  const pinned = rules.schemeFields(model)
  const keys = rules.keyFields(model)
  const changed = analysis.changed
  const changedPinned = changed === 'all' ? [...pinned] : [...pinned].filter((field) => changed.has(field))
  const rows = rowSource(operation, args, pinned, keys, changedPinned, inTransaction)
  return {
    model,
    operation,
    inTransaction,
    dependencies: analysis.dependencies,
    reached,
    rows: pinned.size === 0 ? { kind: 'none', reason: 'no schema' } : rows,
    pinnedFields: [...pinned],
    reasons: [...reasons],
  }
}

function rowSource(
  operation: WriteOperation,
  args: unknown,
  pinned: ReadonlySet<string>,
  keys: ReadonlySet<string>,
  changed: readonly string[],
  inTransaction: boolean,
): RowSource {
  switch (operation) {
    case 'create':
    case 'createManyAndReturn':
      return { kind: 'result', images: 'after', wildcards: [] }
    case 'delete':
      return { kind: 'result', images: 'before', wildcards: [] }
    case 'update':
      // A key moved (a review to another product): the row's values before are worth one read.
      if (!inTransaction && changed.some((field) => keys.has(field))) return { kind: 'read-before', changed }
      return { kind: 'result', images: 'same', wildcards: changed }
    case 'upsert':
    case 'updateManyAndReturn':
      return { kind: 'result', images: 'same', wildcards: changed }
    case 'createMany': {
      const data = isObject(args) ? args.data : undefined
      const rows = (Array.isArray(data) ? data : [data]).filter(isObject)
      const missing = [...pinned].filter((field) => rows.some((row) => row[field] === undefined))
      return { kind: 'data', rows, wildcards: missing }
    }
    default:
      return { kind: 'none', reason: 'many rows' }
  }
}

/** The dependencies a write moves once its outcome is known. */
export function invalidationOf(rules: PinRules, plan: WritePlan, outcome: WriteOutcome): WriteInvalidation {
  // A statement Prisma refused was rolled back: no row changed, so no pinned read is touched.
  if (outcome.kind === 'refused') return { dependencies: [...plan.dependencies], reasons: [] }
  const dependencies = [...plan.dependencies, ...plan.reached]
  const reasons = [...plan.reasons]
  const fallBack = (reason: FallbackReason) => {
    dependencies.push(unpinnedDependency(plan.model))
    if (!reasons.includes(reason)) reasons.push(reason)
  }
  switch (outcome.kind) {
    case 'failed':
      fallBack('unknown outcome')
      return { dependencies, reasons }
    case 'untold':
      fallBack(outcome.reason)
      return { dependencies, reasons }
  }
  const rows = plan.rows
  const wildcards = rows.kind === 'result' || rows.kind === 'data' ? rows.wildcards : []
  const pins = new Set<string>(rules.wildcards(plan.model, wildcards))
  for (const images of [outcome.before, outcome.after]) {
    for (const row of images) {
      const rowPins = rules.rowPins(plan.model, row, wildcards)
      if (rowPins === undefined) {
        fallBack('result without its keys')
        return { dependencies, reasons }
      }
      for (const pin of rowPins) pins.add(pin)
      // Invalidation stays one bounded script call: past the bound, the model is cheaper than its rows.
      if (pins.size > MAX_WRITE_PINS) {
        fallBack('many rows')
        return { dependencies, reasons }
      }
    }
  }
  for (const pin of pins) dependencies.push(pin)
  return { dependencies, reasons }
}
