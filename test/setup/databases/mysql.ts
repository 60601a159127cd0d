import { PrismaMariaDb } from '@prisma/adapter-mariadb'
import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client'
import mariadb from 'mariadb'
import { inject } from 'vitest'
import { DEFAULT_POOL_SIZE, SEED_CATEGORY, type TestDatabase, type TestPrismaClient } from '../database.ts'
import { readMigrations } from '../migrations.ts'
import type { ProviderFeatures } from '../providers.ts'
import { countStatements, RecordingStatementCounter } from '../statements.ts'

/** What both MySQL clients' constructors have in common. */
type MysqlClientConstructor = new (options: {
  adapter: SqlDriverAdapterFactory
  errorFormat?: 'minimal' | 'pretty' | 'colorless'
}) => { $disconnect(): Promise<void> }

/**
 * Pool settings of every test client: one connection kept, the others opened when needed and closed after 2 s
 * unused. The driver's default keeps `connectionLimit` connections open per client from the start, and test
 * files create many clients that live until the file ends: with several files in parallel, MariaDB's 151
 * connections ran out. (`minimumIdle: 0` would be leaner, but then the pool never answered here.)
 */
const LAZY_POOL = { minimumIdle: 1, idleTimeout: 2 } as const

const SEED_SQL = `INSERT INTO \`Category\` (\`id\`, \`name\`) VALUES (${SEED_CATEGORY.id}, '${SEED_CATEGORY.name}')`

/**
 * A MySQL/MariaDB database named `name` on the server at `serverUrl` (default: the global setup's), for
 * the `mysql` (foreign keys) or `mysql-relationmode` (relationMode = "prisma") copy of the schema.
 */
export async function createMysqlDatabase(
  features: ProviderFeatures,
  name: string,
  serverUrl: string = mysqlServerUrl(),
): Promise<TestDatabase> {
  const server = connectionConfig(serverUrl)
  const admin = await mariadb.createConnection({ ...server, multipleStatements: true })
  try {
    await admin.query(`CREATE DATABASE ${quote(name)}`)
    await admin.query(`USE ${quote(name)}`)
    for (const migration of await readMigrations(features)) {
      // MySQL commits every DDL statement on its own: a failed migration leaves a half-built database,
      // dropped below.
      await admin.query(migration.sql).catch((error: unknown) => {
        throw new Error(`Migration ${migration.name} failed in database ${name}: ${String(error)}`, {
          cause: error,
        })
      })
    }
    await admin.query(SEED_SQL)
  } catch (error) {
    await admin.query(`DROP DATABASE IF EXISTS ${quote(name)}`).catch(() => {})
    await admin.end().catch(() => {})
    throw error
  }

  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  // Only the copy's own client is loaded: its query compiler emulates referential actions or not.
  const Client: MysqlClientConstructor = features.foreignKeys
    ? (await import('../../../generated/mysql/client.ts')).PrismaClient
    : (await import('../../../generated/mysql-relationmode/client.ts')).PrismaClient
  const clients = new Set<{ $disconnect(): Promise<void> }>()
  let dropped: Promise<void> | undefined

  return {
    provider: features.provider,
    features,
    url: url.href,
    schema: name,
    createClient({ errorFormat, poolSize = DEFAULT_POOL_SIZE } = {}) {
      if (dropped) throw new Error(`Test database ${name} was dropped`)
      const statements = new RecordingStatementCounter()
      const adapter = countStatements(
        new PrismaMariaDb({ ...server, database: name, connectionLimit: poolSize, ...LAZY_POOL }),
        statements,
      )
      const client = new Client(errorFormat ? { adapter, errorFormat } : { adapter })
      clients.add(client)
      // The one cast from this provider's client to the type every test uses (see TestPrismaClient).
      return { client: client as unknown as TestPrismaClient, statements }
    },
    async truncateAll() {
      const rows: { name: string }[] = await admin.query(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name',
        [name],
      )
      const truncates = rows.map((row) => `TRUNCATE TABLE ${quote(row.name)};`).join(' ')
      await admin.query(`SET FOREIGN_KEY_CHECKS = 0; ${truncates} SET FOREIGN_KEY_CHECKS = 1; ${SEED_SQL}`)
    },
    drop() {
      dropped ??= (async () => {
        await Promise.allSettled([...clients].map((client) => client.$disconnect()))
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${quote(name)}`)
        } finally {
          await admin.end()
        }
      })()
      return dropped
    },
  }
}

/** The server URL the global setup found, or the reason it found none. */
function mysqlServerUrl(): string {
  const url = inject('mysqlUrl')
  if (url === '') throw new Error(inject('mysqlError'))
  return url
}

/** Host, port, user and password of a `mysql://` or `mariadb://` URL, as the mariadb driver takes them. */
export function connectionConfig(url: string): {
  host: string
  port: number
  user: string
  password?: string
} {
  const parsed = new URL(url)
  const password = decodeURIComponent(parsed.password)
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username) || 'root',
    ...(password === '' ? {} : { password }),
  }
}

function quote(identifier: string): string {
  return `\`${identifier.replaceAll('`', '``')}\``
}
