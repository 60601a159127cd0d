import { randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { expect, inject } from 'vitest'
import { PrismaClient } from '../../generated/prisma/client.ts'
import { countStatements, RecordingStatementCounter, type StatementCounter } from './statements.ts'

export type { StatementCounter } from './statements.ts'

/** Directory holding one folder per migration, each with a `migration.sql`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url))

/** Connections per client's pool; small, because every test file runs its own clients in parallel. */
const DEFAULT_POOL_SIZE = 5

const SEED_SQL = `
  INSERT INTO "Category" ("id", "name") VALUES (1, 'uncategorized');
  SELECT setval(pg_get_serial_sequence('"Category"', 'id'), 1);
`

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** Server URL to create the schema in. Default: `inject('databaseUrl')` from the global setup. */
  url?: string
  /** Readable part of the schema name. Default: the current test file's name. */
  label?: string
}

/** Options of {@link TestDatabase.createClient}. */
export interface CreateClientOptions {
  /** Prisma's error format. Default: Prisma's own (`colorless` when not a TTY). */
  errorFormat?: 'minimal' | 'pretty' | 'colorless'
  /** Maximum connections in the client's pool. Default 5. */
  poolSize?: number
}

/** A Prisma client on a test database, and the statements its driver adapter ran. */
export interface TestClient {
  /** A client whose queries run in the test database's schema. */
  client: PrismaClient
  /** Counts every SQL statement this client sends, including those inside transactions. */
  statements: StatementCounter
}

/** A private PostgreSQL schema with every migration applied, for one test file. */
export interface TestDatabase {
  /** Connection URL whose `search_path` is {@link TestDatabase.schema}, so raw SQL lands there too. */
  readonly url: string
  /** Name of the schema, e.g. `t_setup_1f2e3d4c`. */
  readonly schema: string
  /** Creates a client on this schema through `@prisma/adapter-pg`, wrapped to count statements. */
  createClient(options?: CreateClientOptions): TestClient
  /** Empties every table (sequences restarted) and seeds `Category` 1 again. */
  truncateAll(): Promise<void>
  /** Disconnects every client created here and drops the schema. Safe to call twice. */
  drop(): Promise<void>
}

/**
 * Creates a schema with a unique name, applies every `migration.sql` under `prisma/migrations` inside it,
 * in folder order, and seeds the `Category` row that `Post.categoryId` defaults to (id 1, 'uncategorized').
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = options.url ?? inject('databaseUrl')
  const schema = `t_${sanitize(options.label ?? currentTestFileLabel())}_${randomBytes(4).toString('hex')}`
  const url = withSearchPath(serverUrl, schema)
  const admin = new pg.Client({ connectionString: url })
  admin.on('error', () => {})
  await admin.connect()
  try {
    await admin.query(`CREATE SCHEMA ${quote(schema)}`)
    for (const migration of await readMigrations()) {
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
    url,
    schema,
    createClient({ errorFormat, poolSize = DEFAULT_POOL_SIZE } = {}) {
      if (dropped) throw new Error(`Test database ${schema} was dropped`)
      const statements = new RecordingStatementCounter()
      const adapter = countStatements(
        new PrismaPg({ connectionString: url, max: poolSize }, { schema }),
        statements,
      )
      const client = new PrismaClient(errorFormat ? { adapter, errorFormat } : { adapter })
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

interface Migration {
  name: string
  sql: string
}

let migrations: Promise<Migration[]> | undefined

/** Every migration, sorted by folder name (their timestamps), read once per worker. */
function readMigrations(): Promise<Migration[]> {
  migrations ??= (async () => {
    const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true })
    const names = entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
    if (names.length === 0) throw new Error(`No migrations in ${MIGRATIONS_DIR}`)
    return Promise.all(
      names.map(async (name) => ({
        name,
        sql: await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8'),
      })),
    )
  })()
  return migrations
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

function currentTestFileLabel(): string {
  const testPath = expect.getState().testPath
  return testPath ? path.basename(testPath).replace(/\.test(-d)?\.[cm]?[jt]s$/, '') : 'db'
}

function sanitize(label: string): string {
  return (
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 30) || 'db'
  )
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`
}
