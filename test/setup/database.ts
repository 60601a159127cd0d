import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { expect } from 'vitest'
import type { PrismaClient } from '../../generated/prisma/client.ts'
import { FEATURES, type Provider, type ProviderFeatures } from './providers.ts'
import type { StatementCounter } from './statements.ts'

export type { StatementCounter } from './statements.ts'

/**
 * The client type every test uses, whatever the provider: the PostgreSQL client's. The generated clients of
 * the other providers have the same models and methods minus what their provider lacks (see
 * {@link ProviderFeatures}: scalar lists, `createManyAndReturn`...), so the provider modules cast their
 * client to this type, in one place each (`databases/*.ts`). The price: the compiler does not stop a test
 * from calling on MySQL what only PostgreSQL has; the test fails at run time instead, naming the method.
 */
export type TestPrismaClient = PrismaClient

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** Default `postgresql`. */
  provider?: Provider
  /** Server URL to create the schema or database in (not SQLite). Default: the one the global setup found. */
  url?: string
  /** Readable part of the schema, database or file name. Default: the current test file's name. */
  label?: string
}

/** Options of {@link TestDatabase.createClient}. */
export interface CreateClientOptions {
  /** Prisma's error format. Default: Prisma's own (`colorless` when not a TTY). */
  errorFormat?: 'minimal' | 'pretty' | 'colorless'
  /** Maximum connections in the client's pool (PostgreSQL, MySQL). Default 5. */
  poolSize?: number
}

/** A Prisma client on a test database, and the statements its driver adapter ran. */
export interface TestClient {
  /** A client whose queries run in the test database. */
  client: TestPrismaClient
  /** Counts every SQL statement this client sends, including those inside transactions. */
  statements: StatementCounter
}

/**
 * A database of one test file's own, with every migration of its provider applied and `Category` 1 seeded:
 * a PostgreSQL schema, a MySQL database, or a SQLite file.
 */
export interface TestDatabase {
  readonly provider: Provider
  readonly features: ProviderFeatures
  /** Connection URL; on PostgreSQL its `search_path` is {@link TestDatabase.schema}, so raw SQL lands there too. */
  readonly url: string
  /**
   * What qualifies a table name in raw SQL: the PostgreSQL schema (`t_setup_1f2e3d4c`), the MySQL database
   * (same form), or `main` on SQLite.
   */
  readonly schema: string
  /** Creates a client through the provider's driver adapter, wrapped to count statements. */
  createClient(options?: CreateClientOptions): TestClient
  /** Empties every table (identities restarted) and seeds `Category` 1 again. */
  truncateAll(): Promise<void>
  /** Disconnects every client created here and drops the schema, database or file. Safe to call twice. */
  drop(): Promise<void>
}

/** Connections per client's pool; small, because every test file runs its own clients in parallel. */
export const DEFAULT_POOL_SIZE = 5

/** The row `Post.categoryId` defaults to. */
export const SEED_CATEGORY = { id: 1, name: 'uncategorized' } as const

/**
 * Creates a test database of `provider` (default PostgreSQL) with a unique name, applies its migrations in
 * folder order and seeds the `Category` row that `Post.categoryId` defaults to (id 1, 'uncategorized').
 * Only the chosen provider's client and adapter are loaded.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const features = FEATURES[options.provider ?? 'postgresql']
  const name = uniqueName(options.label ?? currentTestFileLabel())
  switch (features.dialect) {
    case 'postgresql':
      return (await import('./databases/postgresql.ts')).createPostgresDatabase(features, name, options.url)
    case 'mysql':
      return (await import('./databases/mysql.ts')).createMysqlDatabase(features, name, options.url)
    case 'sqlite':
      return (await import('./databases/sqlite.ts')).createSqliteDatabase(features, name)
  }
}

/** `t_<label>_<8 hex digits>`: a schema, database or file name no other call returns. */
function uniqueName(label: string): string {
  return `t_${sanitize(label)}_${randomBytes(4).toString('hex')}`
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
