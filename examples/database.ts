/**
 * Database for the example, chosen by `DATABASE_URL`:
 * - unset: an embedded in-memory PGlite (PostgreSQL), nothing to install;
 * - `postgresql://…`: that server, through `@prisma/adapter-pg`, in a schema of its own (`pqc_example`);
 * - `mysql://…` or `mariadb://…`: that server, through `@prisma/adapter-mariadb`, in a database of its own
 *   (`pqc_example`; the URL's database, if any, is not used);
 * - `file:…`: a SQLite file, through `@prisma/adapter-better-sqlite3`, created by the example (it refuses a
 *   file that exists) and removed at the end; `file::memory:` for an in-memory one.
 * Either way the provider's SQL migrations are applied in order and `Category` 1 is seeded, because
 * `Post.categoryId` defaults to it; the schema, database or file is dropped at the end.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaMariaDb } from '@prisma/adapter-mariadb'
import { PrismaPg } from '@prisma/adapter-pg'
import mariadb from 'mariadb'
import pg from 'pg'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { PrismaClient } from '../generated/prisma/client.ts'

const NAME = 'pqc_example'
const SEED_SQL = {
  postgresql: `INSERT INTO "Category" ("id", "name") VALUES (1, 'uncategorized');
    SELECT setval(pg_get_serial_sequence('"Category"', 'id'), 1);`,
  mysql: "INSERT INTO `Category` (`id`, `name`) VALUES (1, 'uncategorized')",
  sqlite: `INSERT INTO "Category" ("id", "name") VALUES (1, 'uncategorized')`,
}

/** A Prisma client on a freshly migrated database, and how to get rid of both. */
export interface ExampleDatabase {
  /**
   * Typed as the PostgreSQL schema's client for every provider: the MySQL and SQLite clients are generated
   * from copies of the same schema (`prisma/mysql`, `prisma/sqlite`) with the same models, minus scalar lists.
   */
  client: PrismaClient
  /** What the example runs on, for the log. */
  description: string
  /** Disconnects the client and drops the example schema, database or file. */
  close(): Promise<void>
}

/** Every `migration.sql` under `prisma/<folder>migrations`, in folder (timestamp) order, then the seed. */
async function setupSql(folder: '' | 'mysql/' | 'sqlite/', seed: string): Promise<string[]> {
  const migrations = new URL(`../prisma/${folder}migrations/`, import.meta.url)
  const folders = (await readdir(migrations, { withFileTypes: true })).filter((entry) => entry.isDirectory())
  const names = folders.map((entry) => entry.name).sort()
  const sql = names.map((name) => readFile(new URL(`${name}/migration.sql`, migrations), 'utf8'))
  return [...(await Promise.all(sql)), seed]
}

/** Opens the database the environment asks for; see the module comment. */
export async function openDatabase(databaseUrl = process.env.DATABASE_URL): Promise<ExampleDatabase> {
  if (!databaseUrl) return openPglite()
  const protocol = databaseUrl.slice(0, databaseUrl.indexOf(':'))
  if (protocol === 'postgresql' || protocol === 'postgres') return openPostgres(databaseUrl)
  if (protocol === 'mysql' || protocol === 'mariadb') return openMysql(databaseUrl)
  if (protocol === 'file') return openSqlite(databaseUrl)
  throw new Error(`DATABASE_URL: expected postgresql://, mysql://, mariadb:// or file:, got ${protocol}:`)
}

async function openPglite(): Promise<ExampleDatabase> {
  const db = new PGlite()
  for (const sql of await setupSql('', SEED_SQL.postgresql)) await db.exec(sql)
  const client = new PrismaClient({ adapter: new PrismaPGlite(db) })
  const close = async () => {
    await client.$disconnect()
    await db.close()
  }
  return { client, description: 'embedded PGlite (in memory)', close }
}

async function openPostgres(databaseUrl: string): Promise<ExampleDatabase> {
  // search_path makes unqualified names in the migrations (and in raw SQL) land in the example schema.
  const url = new URL(databaseUrl)
  const options = url.searchParams.get('options')
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c search_path=${NAME}`)
  const admin = new pg.Client({ connectionString: url.href })
  await admin.connect()
  // Start clean even if an earlier run was interrupted before it could drop the schema.
  await admin.query(`DROP SCHEMA IF EXISTS ${NAME} CASCADE; CREATE SCHEMA ${NAME}`)
  for (const sql of await setupSql('', SEED_SQL.postgresql)) await admin.query(sql)
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url.href }, { schema: NAME }) })
  const close = async () => {
    await client.$disconnect()
    await admin.query(`DROP SCHEMA ${NAME} CASCADE`)
    await admin.end()
  }
  return { client, description: `PostgreSQL at ${url.host}, schema ${NAME}`, close }
}

async function openMysql(databaseUrl: string): Promise<ExampleDatabase> {
  const url = new URL(databaseUrl)
  const server = {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
  }
  const admin = await mariadb.createConnection({ ...server, multipleStatements: true })
  await admin.query(`DROP DATABASE IF EXISTS ${NAME}`)
  await admin.query(`CREATE DATABASE ${NAME}`)
  await admin.query(`USE ${NAME}`)
  for (const sql of await setupSql('mysql/', SEED_SQL.mysql)) await admin.query(sql)
  const { PrismaClient: MysqlClient } = await import('../generated/mysql/client.ts')
  const mysqlClient = new MysqlClient({ adapter: new PrismaMariaDb({ ...server, database: NAME }) })
  const close = async () => {
    await mysqlClient.$disconnect()
    await admin.query(`DROP DATABASE ${NAME}`)
    await admin.end()
  }
  const client = mysqlClient as unknown as PrismaClient
  return { client, description: `MySQL/MariaDB at ${url.host}, database ${NAME}`, close }
}

async function openSqlite(databaseUrl: string): Promise<ExampleDatabase> {
  const file = databaseUrl.slice('file:'.length)
  const inMemory = file === ':memory:'
  if (!inMemory && existsSync(file)) {
    throw new Error(
      `DATABASE_URL: ${file} exists; the example creates and removes its own file, pick a new path`,
    )
  }
  const { PrismaClient: SqliteClient } = await import('../generated/sqlite/client.ts')
  const sqliteClient = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: databaseUrl }) })
  // One statement at a time: the driver prepares one per call (the migrations have no `;` inside strings).
  for (const script of await setupSql('sqlite/', SEED_SQL.sqlite)) {
    for (const statement of script.split(/;\s*$/m).filter((sql) => sql.trim() !== '')) {
      await sqliteClient.$executeRawUnsafe(statement)
    }
  }
  const close = async () => {
    await sqliteClient.$disconnect()
    if (!inMemory)
      await Promise.all(['', '-wal', '-shm', '-journal'].map((end) => rm(`${file}${end}`, { force: true })))
  }
  const client = sqliteClient as unknown as PrismaClient
  return { client, description: `SQLite ${inMemory ? 'in memory' : `file ${file}`}`, close }
}
