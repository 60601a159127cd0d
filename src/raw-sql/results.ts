/** The result of analysing SQL: what it can do to table rows, and how results combine. */
import type { TableRef } from './syntax.ts'

/** What executing a SQL text can do to table rows. */
export type SqlAnalysis =
  /** Provably changes no table rows and publishes no earlier changes. */
  | { kind: 'read' }
  /** Changes rows of exactly these tables (deduplicated, in order of appearance). */
  | { kind: 'write'; tables: TableRef[] }
  /** Might change rows, but which tables cannot be told: the caller invalidates everything. */
  | { kind: 'unknown'; reason: string }

/** The analysis of a text that provably changes nothing. */
export const READ: SqlAnalysis = { kind: 'read' }

/** An `unknown` analysis: the caller invalidates everything, for `reason`. */
export function unknown(reason: string): SqlAnalysis {
  return { kind: 'unknown', reason }
}

/** A `write` analysis of `tables`, deduplicated. */
export function write(tables: TableRef[]): SqlAnalysis {
  return merge(READ, { kind: 'write', tables })
}

/** Union of two analyses: `unknown` wins, then the deduplicated union of written tables. */
export function merge(a: SqlAnalysis, b: SqlAnalysis): SqlAnalysis {
  if (a.kind === 'unknown') return a
  if (b.kind === 'unknown') return b
  const tables = [...(a.kind === 'write' ? a.tables : []), ...(b.kind === 'write' ? b.tables : [])]
  if (tables.length === 0) return READ
  const seen = new Map<string, TableRef>()
  for (const table of tables) {
    const key = JSON.stringify([table.schema ?? null, table.schemaQuoted ?? null, table.name, table.quoted])
    if (!seen.has(key)) seen.set(key, table)
  }
  return { kind: 'write', tables: [...seen.values()] }
}
