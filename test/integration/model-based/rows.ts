/**
 * The row-level oracle of the model-based test: snapshots of the tables before and after a write, the rows the
 * write changed, whether the README's precision rules call the write row-precise, and the rows a pinned read
 * depends on. Independent of src/: it reads the database and the test's own schema map.
 */
import { isDeepStrictEqual } from 'node:util'
import type { PrismaClient } from '../../../generated/prisma/client.ts'
import type { Outcome } from './calls.ts'
import { MODELS, type ModelName, PINNED_FIELDS, PRIMARY_KEYS, REFERENTIAL, RELATIONS } from './schema-map.ts'
import type { ModelWrite, Write } from './write.ts'

type Row = Record<string, unknown>

/** Every row of every model, by model and primary key. */
export type Snapshot = ReadonlyMap<ModelName, ReadonlyMap<string, Row>>

/** A row a write changed: as it was (undefined when created) and as it is (undefined when deleted). */
export interface ChangedRow {
  readonly model: ModelName
  readonly before: Row | undefined
  readonly after: Row | undefined
}

/** A set of rows a pinned read depends on: the rows of `model` that `match`. */
export interface RowPin {
  readonly model: ModelName
  match(row: Row): boolean
}

function delegateOf(model: ModelName): string {
  return model.charAt(0).toLowerCase() + model.slice(1)
}

/** Reads every table through the plain client. */
export async function snapshot(base: PrismaClient): Promise<Snapshot> {
  const tables = await Promise.all(
    MODELS.map(async (model) => {
      const rows = (await (base as unknown as Record<string, { findMany(): Promise<Row[]> }>)[
        delegateOf(model)
      ]!.findMany()) as Row[]
      const byKey = new Map(rows.map((row) => [JSON.stringify(PRIMARY_KEYS[model].map((f) => row[f])), row]))
      return [model, byKey] as const
    }),
  )
  return new Map(tables)
}

/** The rows that differ between two snapshots. */
export function changedRows(before: Snapshot, after: Snapshot): ChangedRow[] {
  const changed: ChangedRow[] = []
  for (const model of MODELS) {
    const old = before.get(model) ?? new Map()
    const now = after.get(model) ?? new Map()
    for (const key of new Set([...old.keys(), ...now.keys()])) {
      const was = old.get(key)
      const is = now.get(key)
      if (!isDeepStrictEqual(was, is)) changed.push({ model, before: was, after: is })
    }
  }
  return changed
}

/** The errors the README calls refusals: the statement was refused and nothing written. */
const REFUSALS: ReadonlySet<string> = new Set(
  [
    '2000',
    '2001',
    '2002',
    '2003',
    '2004',
    '2005',
    '2006',
    '2007',
    '2011',
    '2012',
    '2013',
    '2014',
    '2015',
    '2016',
    '2017',
    '2018',
    '2019',
    '2020',
    '2025',
    '2033',
  ].map((code) => `P${code}`),
)

/** Operations that name one row. */
const SINGLE_ROW = new Set(['create', 'update', 'upsert', 'delete'])

function hasRelationKeys(model: ModelName, data: unknown): boolean {
  const rows = Array.isArray(data) ? data : [data]
  return rows.some(
    (row) =>
      typeof row === 'object' &&
      row !== null &&
      Object.keys(row).some((key) => RELATIONS[model][key] !== undefined),
  )
}

function sets(data: unknown, fields: readonly string[]): boolean {
  return typeof data === 'object' && data !== null && Object.keys(data).some((key) => fields.includes(key))
}

/**
 * Whether the README's rules require this write to be row-precise: a top-level write (outside transactions and
 * raw SQL) without nested writes, that changed no rows but its own and could not have (no referential action may
 * reach others, see REFERENTIAL), of an operation the rules name: create, update (even of pinned fields), delete,
 * createManyAndReturn; upsert when it sets no pinned field; createMany when every row gives every pinned field. A write that failed changed
 * nothing and invalidates no pinned read either. (updateManyAndReturn is row-precise too, but the rows it names
 * cannot be told from the snapshots when some keep their values, so it is not checked here.)
 */
export function rowPrecise(write: Write, outcome: string, changed: readonly ChangedRow[]): boolean {
  if (!('operation' in write)) return false
  const { operation, args, delegate } = write as ModelWrite
  const model = (delegate.charAt(0).toUpperCase() + delegate.slice(1)) as ModelName
  // A write Prisma refused changed nothing; one that failed otherwise (an unknown database error) may have.
  if (outcome !== 'ok') return REFUSALS.has(outcome) && changed.length === 0
  // A write that changed no value still named rows the snapshots cannot show (an update to the same value).
  if (changed.length === 0) return false
  if (changed.some((row) => row.model !== model)) return false
  if (SINGLE_ROW.has(operation) && changed.length > 1) return false
  const input = args as Record<string, unknown>
  for (const data of [input.data, input.create, input.update]) if (hasRelationKeys(model, data)) return false
  const { onDelete, referenced } = REFERENTIAL[model]
  switch (operation) {
    case 'create':
    case 'createManyAndReturn':
      return true
    case 'update':
      return !sets(input.data, referenced)
    case 'delete':
      return !onDelete
    case 'upsert':
      return !sets(input.update, PINNED_FIELDS[model])
    case 'createMany': {
      // Rows skipped as duplicates are named by the write but not changed: the snapshots cannot show them.
      if (input.skipDuplicates === true) return false
      const rows = (Array.isArray(input.data) ? input.data : [input.data]) as Row[]
      return rows.every((row) => PINNED_FIELDS[model].every((field) => row[field] !== undefined))
    }
    default:
      return false
  }
}

/** Whether any changed row, before or after the write, is one a pinned read depends on. */
export function touches(changed: readonly ChangedRow[], pins: readonly RowPin[]): boolean {
  return changed.some((row) =>
    pins.some(
      (pin) =>
        pin.model === row.model &&
        ((row.before !== undefined && pin.match(row.before)) ||
          (row.after !== undefined && pin.match(row.after))),
    ),
  )
}

/** The data of a read's outcome, when it succeeded. */
export function dataOf(outcome: Outcome | undefined): unknown {
  return outcome?.ok === true ? outcome.data : undefined
}
