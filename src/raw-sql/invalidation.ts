import { ALL_DEPENDENCY, unpinnedDependency } from '../invalidation/dependency-ids.ts'
import { writeDependencies } from '../invalidation/write-dependencies.ts'
import type { SchemaGraph } from '../schema/graph.ts'
import { analyzeSql, type SqlDialect, type TableRef } from './analysis.ts'

/** Prisma providers mapped to the SQL dialect whose lexical rules apply; others cannot be analysed. */
const DIALECTS: Readonly<Record<string, SqlDialect>> = {
  postgresql: 'postgresql',
  postgres: 'postgresql',
  cockroachdb: 'postgresql',
  mysql: 'mysql',
  sqlite: 'sqlite',
}

/** The SQL dialect of a Prisma provider, or undefined (then every raw write invalidates everything). */
export function dialectOf(provider: string | undefined): SqlDialect | undefined {
  return provider === undefined ? undefined : DIALECTS[provider]
}

/**
 * The SQL text of a raw call's arguments as query hooks see them: `[strings, ...values]` for the tagged
 * `$queryRaw`/`$executeRaw` (fragments joined with a placeholder), `[sql, ...values]` for the `…Unsafe`
 * variants, `{ sql }` for typed SQL. Undefined when the shape is not recognised.
 */
export function sqlTextOf(args: unknown): string | undefined {
  if (Array.isArray(args)) {
    const first = args[0]
    if (typeof first === 'string') return first
    if (Array.isArray(first) && first.every((part) => typeof part === 'string')) return first.join(' $1 ')
    return undefined
  }
  if (typeof args === 'object' && args !== null) {
    const sql = (args as { sql?: unknown }).sql
    if (typeof sql === 'string') return sql
    const strings = (args as { strings?: unknown }).strings
    if (Array.isArray(strings) && strings.every((part) => typeof part === 'string'))
      return strings.join(' $1 ')
  }
  return undefined
}

/** Result of analysing a raw statement for invalidation. */
export type RawWrite =
  | { kind: 'none' }
  | { kind: 'tables'; dependencies: string[]; tables: string[] }
  | { kind: 'all'; reason: string }

function tableDependencies(graph: SchemaGraph, table: TableRef, dialect: SqlDialect): string[] | undefined {
  // PostgreSQL folds unquoted identifiers to lower case; MySQL and SQLite compare table names without case
  // here, which the graph's case-insensitive fallback covers.
  const name = dialect === 'postgresql' && !table.quoted ? table.name.toLowerCase() : table.name
  return graph.tableToDependencies(name, table.schema) ?? graph.tableToDependencies(table.name, table.schema)
}

/**
 * What a raw statement invalidates: the models (and join tables) behind the tables it writes, with the
 * referential actions a delete or a key update of those rows can trigger; everything when the statement cannot
 * be analysed with confidence; nothing for a read. Tables that no model maps (not Prisma's) are ignored: no
 * cached read depends on them.
 */
export function rawWriteDependencies(
  graph: SchemaGraph,
  dialect: SqlDialect | undefined,
  sql: string | undefined,
): RawWrite {
  if (dialect === undefined) return { kind: 'all', reason: 'raw SQL on a provider this cache cannot analyse' }
  if (sql === undefined) return { kind: 'all', reason: 'raw SQL arguments of an unknown shape' }
  const analysis = analyzeSql(sql, dialect)
  if (analysis.kind === 'read') return { kind: 'none' }
  if (analysis.kind === 'unknown')
    return { kind: 'all', reason: `raw SQL not understood: ${analysis.reason}` }
  const dependencies = new Set<string>()
  const tables: string[] = []
  for (const table of analysis.tables) {
    tables.push(table.schema === undefined ? table.name : `${table.schema}.${table.name}`)
    for (const dependency of tableDependencies(graph, table, dialect) ?? []) {
      if (graph.model(dependency) === undefined) {
        dependencies.add(dependency) // a join table
        continue
      }
      // Any row may be inserted, updated or deleted: include what deletes and key updates cascade to, and every
      // pinned read of each model reached (which rows changed cannot be told).
      for (const d of [
        ...writeDependencies(graph, dependency, 'deleteMany', {}),
        ...writeDependencies(graph, dependency, 'updateMany', {}),
      ]) {
        dependencies.add(d)
        if (graph.model(d) !== undefined) dependencies.add(unpinnedDependency(d))
      }
    }
  }
  return { kind: 'tables', dependencies: [...dependencies].sort(), tables }
}

/** Every dependency of the namespace: used when a raw statement could have written anything. */
export const EVERYTHING: readonly string[] = [ALL_DEPENDENCY]
