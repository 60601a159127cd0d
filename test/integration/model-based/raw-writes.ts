/**
 * Raw SQL steps of the model-based test (G4): a statement in the provider's dialect, sent through
 * `$executeRaw`, `$executeRawUnsafe` or `$queryRawUnsafe`, with the models whose tables it writes. The
 * statements themselves are in `raw-writes-<dialect>.ts`.
 */
import fc from 'fast-check'
import type { TestPrismaClient } from '../../setup/database.ts'
import type { ProviderFeatures } from '../../setup/providers.ts'
import { positional, sqlTemplate } from '../dialect.ts'
import { rejectedWrite } from './calls.ts'
import { resolveRefs } from './refs.ts'
import { coarseReach, type ModelName } from './schema-map.ts'
import { show } from './show.ts'
import type { Write } from './write.ts'

/** How a raw statement is sent: `$executeRaw` (a `Prisma.sql` template), its unsafe form, or `$queryRawUnsafe`. */
export type RawOperation = '$executeRaw' | '$executeRawUnsafe' | '$queryRawUnsafe'

/** `$executeRaw` or `$executeRawUnsafe`, each as likely. */
export const executeOperation = fc.constantFrom<RawOperation>('$executeRaw', '$executeRawUnsafe')

/** Builds raw steps. */
export type RawStatement = (
  operation: RawOperation,
  sql: string,
  params: readonly unknown[],
  tables: readonly ModelName[],
) => Write

/**
 * Raw steps in `dialect`. `sql` uses `$1`, `$2`… for `params`, which may hold row references; MySQL and SQLite
 * get positional `?` (`$executeRaw` leaves that to Prisma). `tables` are the models whose tables it writes:
 * what it may reach is those and their neighbours (cascades stay one hop).
 */
export function rawStatement(dialect: ProviderFeatures['dialect']): RawStatement {
  return (operation, sql, params, tables) => {
    const describe = (values: readonly unknown[]) =>
      `${operation}(${JSON.stringify(sql)}${values.map((value) => `, ${show(value)}`).join('')})`
    const reach = new Set<ModelName>()
    for (const table of tables) for (const model of coarseReach(table, {})) reach.add(model)
    return {
      reach,
      kinds: [operation],
      async run({ client, base }) {
        const values = await resolveRefs(base as TestPrismaClient, [...params])
        const call = describe(values)
        const raw = client as TestPrismaClient
        try {
          if (operation === '$executeRaw') await raw.$executeRaw(sqlTemplate(sql, values))
          else {
            const unsafe = positional(dialect, sql, values)
            await raw[operation](unsafe.sql, ...unsafe.values)
          }
          return { call, outcome: 'ok' }
        } catch (error) {
          return { call, outcome: rejectedWrite(call, error) }
        }
      },
      toString: () => describe(params),
    }
  }
}
