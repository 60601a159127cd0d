/**
 * Database for the example: PostgreSQL through `@prisma/adapter-pg` when `DATABASE_URL` is set (in a
 * schema of its own, dropped at the end), otherwise an embedded in-memory PGlite. Either way the SQL
 * migrations under `prisma/migrations` are applied in order and `Category` 1 is seeded, because
 * `Post.categoryId` defaults to it.
 */
import { readdir, readFile } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { PrismaClient } from '../generated/prisma/client.ts'

const MIGRATIONS = new URL('../prisma/migrations/', import.meta.url)
const SCHEMA = 'pqc_example'
const SEED_SQL = `
  INSERT INTO "Category" ("id", "name") VALUES (1, 'uncategorized');
  SELECT setval(pg_get_serial_sequence('"Category"', 'id'), 1);
`

/** A Prisma client on a freshly migrated database, and how to get rid of both. */
export interface ExampleDatabase {
  client: PrismaClient
  /** What the example runs on, for the log. */
  description: string
  /** Disconnects the client and drops the example schema (PostgreSQL) or the database (PGlite). */
  close(): Promise<void>
}

/** Every `migration.sql`, in folder (timestamp) order, followed by the seed. */
async function setupSql(): Promise<string[]> {
  const folders = (await readdir(MIGRATIONS, { withFileTypes: true })).filter((entry) => entry.isDirectory())
  const names = folders.map((folder) => folder.name).sort()
  const migrations = names.map((name) => readFile(new URL(`${name}/migration.sql`, MIGRATIONS), 'utf8'))
  return [...(await Promise.all(migrations)), SEED_SQL]
}

/** Opens the database the environment asks for; see the module comment. */
export async function openDatabase(databaseUrl = process.env.DATABASE_URL): Promise<ExampleDatabase> {
  if (!databaseUrl) {
    const db = new PGlite()
    for (const sql of await setupSql()) await db.exec(sql)
    const client = new PrismaClient({ adapter: new PrismaPGlite(db) })
    const close = async () => {
      await client.$disconnect()
      await db.close()
    }
    return { client, description: 'embedded PGlite (in memory)', close }
  }

  // search_path makes unqualified names in the migrations (and in raw SQL) land in the example schema.
  const url = new URL(databaseUrl)
  const options = url.searchParams.get('options')
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c search_path=${SCHEMA}`)
  const admin = new pg.Client({ connectionString: url.href })
  await admin.connect()
  // Start clean even if an earlier run was interrupted before it could drop the schema.
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`)
  for (const sql of await setupSql()) await admin.query(sql)
  const client = new PrismaClient({
    adapter: new PrismaPg({ connectionString: url.href }, { schema: SCHEMA }),
  })
  const close = async () => {
    await client.$disconnect()
    await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE`)
    await admin.end()
  }
  return { client, description: `PostgreSQL at ${url.host}, schema ${SCHEMA}`, close }
}
