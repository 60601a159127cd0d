/**
 * Runs a model write so that the rows it changes can be told: the pinned fields are added to a narrow `select`
 * (and taken out of the result again), and an update that changes pinned fields first reads their values, then
 * updates only if they are still those (so no concurrent write can slip in between), retrying a few times.
 */

import { isObject } from '../invalidation/prisma-args.ts'
import type { WriteOutcome, WritePlan } from '../invalidation/write-effects.ts'
import { isRefusal } from './internals.ts'

/** Attempts of a read-before update whose row keeps changing, before it falls back to the whole model. */
const READ_BEFORE_ATTEMPTS = 3

/** A write hook's arguments, as Prisma passes them to `$allOperations`. */
export interface WriteHookArgs {
  model: string
  operation: string
  args: unknown
  query: (args: any) => Promise<unknown>
}

/** What running a write came to: its result or error, and what its invalidation needs. */
export type RanWrite = ({ ok: true; result: unknown } | { ok: false; error: unknown }) & {
  outcome: WriteOutcome
}

type Row = Record<string, unknown>

/** `args` whose result carries `fields`, and the fields the caller did not ask for (taken out again). */
function withFields(args: unknown, fields: readonly string[]): { args: unknown; added: string[] } {
  if (!isObject(args)) return { args, added: [] }
  if (isObject(args.select)) {
    const select = args.select
    const added = fields.filter((field) => select[field] !== true)
    if (added.length === 0) return { args, added }
    return {
      args: { ...args, select: { ...select, ...Object.fromEntries(added.map((f) => [f, true])) } },
      added,
    }
  }
  if (isObject(args.omit)) {
    const omit = args.omit
    const added = fields.filter((field) => omit[field] === true)
    if (added.length === 0) return { args, added }
    return {
      args: { ...args, omit: { ...omit, ...Object.fromEntries(added.map((f) => [f, false])) } },
      added,
    }
  }
  return { args, added: [] }
}

function rowsOf(result: unknown): Row[] {
  return (Array.isArray(result) ? result : [result]).filter(isObject) as Row[]
}

/** The pinned fields of each row, copied before the extra fields are taken out of the caller's result. */
function images(result: unknown, fields: readonly string[]): Row[] {
  return rowsOf(result).map((row) => {
    const image: Row = {}
    for (const field of fields) if (field in row) image[field] = row[field]
    return image
  })
}

function strip(result: unknown, added: readonly string[]): void {
  if (added.length === 0) return
  for (const row of rowsOf(result)) for (const field of added) delete row[field]
}

/**
 * A write that threw. Refused outside an interactive transaction: nothing was written. Inside one, a refused
 * statement may leave the statements before it (a nested write has no savepoint) to a commit.
 */
function failure(error: unknown, plan: WritePlan): RanWrite {
  const refused = isRefusal(error) && !plan.inTransaction
  return { ok: false, error, outcome: { kind: refused ? 'refused' : 'failed' } }
}

async function attempt(
  hook: WriteHookArgs,
  args: unknown,
): Promise<{ result: unknown } | { error: unknown }> {
  try {
    return { result: await hook.query(args) }
  } catch (error) {
    return { error }
  }
}

/** Runs the write of `hook` as `plan` says, never throwing: the caller rethrows after invalidating. */
export async function runRowWrite(hook: WriteHookArgs, plan: WritePlan, client: object): Promise<RanWrite> {
  const rows = plan.rows
  if (rows.kind === 'none' || rows.kind === 'data') {
    const ran = await attempt(hook, hook.args)
    if ('error' in ran) return failure(ran.error, plan)
    const outcome: WriteOutcome =
      rows.kind === 'none'
        ? { kind: 'untold', reason: rows.reason }
        : { kind: 'done', before: [], after: rows.rows }
    return { ok: true, result: ran.result, outcome }
  }
  const { args, added } = withFields(hook.args, plan.pinnedFields)
  if (rows.kind === 'read-before') return readBefore(hook, plan, client, rows.changed, args, added)
  const ran = await attempt(hook, args)
  if ('error' in ran) return failure(ran.error, plan)
  const found = images(ran.result, plan.pinnedFields)
  strip(ran.result, added)
  const outcome: WriteOutcome =
    rows.images === 'before'
      ? { kind: 'done', before: found, after: [] }
      : { kind: 'done', before: [], after: found }
  return { ok: true, result: ran.result, outcome }
}

/**
 * An update that changes pinned fields: reads their values, then updates only while they still hold them (an
 * `AND` added to its unique `where`), so the values read are the row's values right before the update.
 */
async function readBefore(
  hook: WriteHookArgs,
  plan: WritePlan,
  client: object,
  changed: readonly string[],
  args: unknown,
  added: readonly string[],
): Promise<RanWrite> {
  const delegate = (client as Record<string, Record<string, (args: object) => Promise<unknown>>>)[
    plan.model.charAt(0).toLowerCase() + plan.model.slice(1)
  ]
  const where = isObject(args) && isObject(args.where) ? args.where : undefined
  if (delegate?.findUnique === undefined || where === undefined) {
    return untold(hook, plan, args, added)
  }
  const select = Object.fromEntries(plan.pinnedFields.map((field) => [field, true]))
  for (let i = 0; i < READ_BEFORE_ATTEMPTS; i++) {
    let before: unknown
    try {
      before = await delegate.findUnique({ where, select })
    } catch {
      return untold(hook, plan, args, added)
    }
    if (!isObject(before)) return untold(hook, plan, args, added)
    const unchanged = Object.fromEntries(changed.map((field) => [field, before[field]]))
    const and = where.AND === undefined ? [] : Array.isArray(where.AND) ? where.AND : [where.AND]
    const guarded = { ...(args as object), where: { ...where, AND: [...and, unchanged] } }
    const ran = await attempt(hook, guarded)
    if ('result' in ran) {
      const after = images(ran.result, plan.pinnedFields)
      strip(ran.result, added)
      return { ok: true, result: ran.result, outcome: { kind: 'done', before: [before], after } }
    }
    // Not found: the row changed (or went) since it was read; anything else is the caller's answer.
    if ((ran.error as { code?: unknown }).code !== 'P2025') return failure(ran.error, plan)
  }
  return untold(hook, plan, args, added)
}

/** Runs the update as asked; its rows cannot be told. */
async function untold(
  hook: WriteHookArgs,
  plan: WritePlan,
  args: unknown,
  added: readonly string[],
): Promise<RanWrite> {
  const ran = await attempt(hook, args)
  if ('error' in ran) return failure(ran.error, plan)
  strip(ran.result, added)
  return {
    ok: true,
    result: ran.result,
    outcome: { kind: 'untold', reason: 'row changed while it was written' },
  }
}
