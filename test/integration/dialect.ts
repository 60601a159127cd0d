import { Prisma } from '../../generated/prisma/client.ts'
import type { ProviderFeatures } from '../setup/providers.ts'

type Dialect = ProviderFeatures['dialect']

/** `name` quoted as an identifier of `dialect`: `"users"`, or `` `users` `` on MySQL. */
export function quoteIdentifier(dialect: Dialect, name: string): string {
  return dialect === 'mysql' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`
}

/**
 * `sql` with each `$n` placeholder rewritten for `dialect`, and the values in the order the rewritten
 * placeholders take them: PostgreSQL keeps `$n`; MySQL and SQLite take positional `?`, so a placeholder
 * used twice takes its value twice.
 */
export function positional(
  dialect: Dialect,
  sql: string,
  values: readonly unknown[],
): { sql: string; values: unknown[] } {
  if (dialect === 'postgresql') return { sql, values: [...values] }
  const ordered: unknown[] = []
  const rewritten = sql.replace(/\$(\d+)/g, (_, index: string) => {
    ordered.push(values[Number(index) - 1])
    return '?'
  })
  return { sql: rewritten, values: ordered }
}

/** Matches SQL text that names `table`, quoted in any dialect's way or not at all. */
export function namesTable(table: string): RegExp {
  return new RegExp(`[\`"\\s.(]${table}[\`"\\s)]`)
}

/**
 * `sql` with `$n` placeholders as a `Prisma.sql` template for `$executeRaw`/`$queryRaw` (a placeholder may
 * repeat); Prisma writes each provider's own placeholders.
 */
export function sqlTemplate(sql: string, values: readonly unknown[]): Prisma.Sql {
  const used = [...sql.matchAll(/\$(\d+)/g)].map((match) => values[Number(match[1]) - 1])
  return Prisma.sql(sql.split(/\$\d+/), ...used)
}
