import { rm } from 'node:fs/promises'
import path from 'node:path'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import Database from 'better-sqlite3'
import { inject } from 'vitest'
import { PrismaClient } from '../../../generated/sqlite/client.ts'
import { SEED_CATEGORY, type TestDatabase, type TestPrismaClient } from '../database.ts'
import { readMigrations } from '../migrations.ts'
import type { ProviderFeatures } from '../providers.ts'
import { countStatements, RecordingStatementCounter } from '../statements.ts'

const SEED_SQL = `INSERT INTO "Category" ("id", "name") VALUES (${SEED_CATEGORY.id}, '${SEED_CATEGORY.name}')`

/**
 * A SQLite file `name.db` in `directory` (default: the run's directory from the global setup). Each client
 * opens its own connection to it; the file is in WAL mode, so readers never wait for a writer.
 */
export async function createSqliteDatabase(
  features: ProviderFeatures,
  name: string,
  directory: string = inject('sqliteDir'),
): Promise<TestDatabase> {
  const file = path.join(directory, `${name}.db`)
  const admin = new Database(file)
  try {
    admin.pragma('journal_mode = WAL')
    for (const migration of await readMigrations(features)) {
      try {
        admin.exec(`BEGIN; ${migration.sql}; COMMIT;`)
      } catch (error) {
        throw new Error(`Migration ${migration.name} failed in ${file}: ${String(error)}`, { cause: error })
      }
    }
    admin.exec(SEED_SQL)
    // Only truncateAll uses this connection: it empties tables in any order.
    admin.pragma('foreign_keys = OFF')
  } catch (error) {
    admin.close()
    await removeFiles(file)
    throw error
  }

  const clients = new Set<PrismaClient>()
  let dropped: Promise<void> | undefined

  return {
    provider: features.provider,
    features,
    url: `file:${file}`,
    schema: 'main',
    createClient({ errorFormat } = {}) {
      if (dropped) throw new Error(`Test database ${file} was dropped`)
      const statements = new RecordingStatementCounter()
      const adapter = countStatements(new PrismaBetterSqlite3({ url: `file:${file}` }), statements)
      const client = new PrismaClient(errorFormat ? { adapter, errorFormat } : { adapter })
      clients.add(client)
      // The one cast from this provider's client to the type every test uses (see TestPrismaClient).
      return { client: client as unknown as TestPrismaClient, statements }
    },
    async truncateAll() {
      const tables = admin
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as { name: string }[]
      const deletes = tables.map((table) => `DELETE FROM ${quote(table.name)};`).join(' ')
      // Deleting the AUTOINCREMENT counters restarts every id at 1.
      admin.exec(`BEGIN; ${deletes} DELETE FROM sqlite_sequence; ${SEED_SQL}; COMMIT;`)
    },
    drop() {
      dropped ??= (async () => {
        await Promise.allSettled([...clients].map((client) => client.$disconnect()))
        admin.close()
        await removeFiles(file)
      })()
      return dropped
    },
  }
}

/** The database file and the WAL files beside it. */
async function removeFiles(file: string): Promise<void> {
  await Promise.all(['', '-wal', '-shm', '-journal'].map((suffix) => rm(`${file}${suffix}`, { force: true })))
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`
}
