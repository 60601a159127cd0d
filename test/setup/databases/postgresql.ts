import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { inject } from 'vitest'
import { PrismaClient } from '../../../generated/prisma/client.ts'
import { DEFAULT_POOL_SIZE, SEED_CATEGORY, type TestDatabase, type TestPrismaClient } from '../database.ts'
import { readMigrations } from '../migrations.ts'
import type { ProviderFeatures } from '../providers.ts'
import { countStatements, RecordingStatementCounter } from '../statements.ts'

const SEED_SQL = `
  INSERT INTO "Category" ("id", "name") VALUES (${SEED_CATEGORY.id}, '${SEED_CATEGORY.name}');
  SELECT setval(pg_get_serial_sequence('"Category"', 'id'), ${SEED_CATEGORY.id});
`

/** A PostgreSQL schema named `name` on the server at `serverUrl` (default: the global setup's). */
export async function createPostgresDatabase(
  features: ProviderFeatures,
  name: string,
  serverUrl: string = inject('databaseUrl'),
): Promise<TestDatabase> {
  const schema = name
  const url = withSearchPath(serverUrl, schema)
  const admin = new pg.Client({ connectionString: url })
  admin.on('error', () => {})
  await admin.connect()
  try {
    await admin.query(`CREATE SCHEMA ${quote(schema)}`)
    for (const migration of await readMigrations(features)) {
      await inTransaction(admin, migration.sql).catch((error: unknown) => {
        throw new Error(`Migration ${migration.name} failed in schema ${schema}: ${String(error)}`, {
          cause: error,
        })
      })
    }
    await admin.query(SEED_SQL)
  } catch (error) {
    await admin.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`).catch(() => {})
    await admin.end().catch(() => {})
    throw error
  }

  const clients = new Set<PrismaClient>()
  let dropped: Promise<void> | undefined

  return {
    provider: features.provider,
    features,
    url,
    schema,
    createClient({ errorFormat, poolSize = DEFAULT_POOL_SIZE } = {}) {
      if (dropped) throw new Error(`Test database ${schema} was dropped`)
      const statements = new RecordingStatementCounter()
      const adapter = countStatements(
        new PrismaPg({ connectionString: url, max: poolSize }, { schema }),
        statements,
      )
      const client: TestPrismaClient = new PrismaClient(errorFormat ? { adapter, errorFormat } : { adapter })
      clients.add(client)
      return { client, statements }
    },
    async truncateAll() {
      const { rows } = await admin.query<{ tablename: string }>(
        'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
        [schema],
      )
      const tables = rows.map((row) => quote(row.tablename)).join(', ')
      await inTransaction(admin, `TRUNCATE TABLE ${tables} RESTART IDENTITY CASCADE; ${SEED_SQL}`)
    },
    drop() {
      dropped ??= (async () => {
        await Promise.allSettled([...clients].map((client) => client.$disconnect()))
        try {
          await admin.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`)
        } finally {
          await admin.end()
        }
      })()
      return dropped
    },
  }
}

/** `url` with `search_path` set to `schema` through libpq's `options` startup parameter. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url)
  const existing = parsed.searchParams.get('options')
  const option = `-c search_path=${quote(schema)}`
  parsed.searchParams.set('options', existing ? `${existing} ${option}` : option)
  return parsed.href
}

async function inTransaction(client: pg.Client, sql: string): Promise<void> {
  await client.query('BEGIN')
  try {
    await client.query(sql)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`
}
