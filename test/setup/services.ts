import { Redis } from 'ioredis'
import mariadb from 'mariadb'
import pg from 'pg'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server-level PostgreSQL URL; each test file creates its own schema in it (see `database.ts`). */
    databaseUrl: string
    /** Redis URL shared by all test files; each isolates itself with a namespace (see `redis.ts`). */
    redisUrl: string
    /**
     * Server-level MySQL/MariaDB URL; each test file creates its own database in it (see
     * `databases/mysql.ts`). Empty when none was found: then {@link ProvidedContext.mysqlError} says why.
     */
    mysqlUrl: string
    /** Why there is no MySQL server, and what to provide; empty when there is one. */
    mysqlError: string
    /** Directory of this run's SQLite files, one per test file (see `databases/sqlite.ts`). */
    sqliteDir: string
  }
}

/** PostgreSQL tried when `DATABASE_URL` is unset: local server, user postgres, trust auth, database `test`. */
export const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test'

/** MySQL/MariaDB tried when `MYSQL_URL` is unset: local server, user root without a password. */
export const LOCAL_MYSQL_URL = 'mysql://root@127.0.0.1:3306'

/** Redis tried when `REDIS_URL` is unset. */
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379'

/** How long a local service may take to answer before it counts as absent, in milliseconds. */
export const PROBE_TIMEOUT_MS = 1_000

const POSTGRES_IMAGE = 'postgres:15-alpine'
const REDIS_IMAGE = 'redis:7-alpine'
const MARIADB_IMAGE = 'mariadb:11'

/** Where a service came from. */
export type ServiceSource = 'env' | 'local' | 'container'

/** A reachable service for the test run. */
export interface ResolvedService {
  /** Connection URL to hand to clients. */
  readonly url: string
  /** `env` (from the environment variable), `local` (default port) or `container` (started here). */
  readonly source: ServiceSource
  /** Stops what this process started (a container); a no-op otherwise. */
  stop(): Promise<void>
}

/**
 * Whether a PostgreSQL server accepts a connection and answers `SELECT 1` within `timeoutMs`.
 * Resolves to the failure instead of throwing, so callers can report it.
 */
export async function probePostgres(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<true | Error> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  })
  // An unreachable server can also surface as an 'error' event; without a listener it would crash the process.
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (error) {
    return asError(error)
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Whether a MySQL/MariaDB server accepts a connection and answers `SELECT 1` within `timeoutMs`.
 * Resolves to the failure instead of throwing, so callers can report it.
 */
export async function probeMysql(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<true | Error> {
  let connection: mariadb.Connection | undefined
  try {
    const parsed = new URL(url)
    connection = await mariadb.createConnection({
      host: parsed.hostname,
      port: Number(parsed.port || 3306),
      user: decodeURIComponent(parsed.username) || 'root',
      password: decodeURIComponent(parsed.password),
      connectTimeout: timeoutMs,
      queryTimeout: timeoutMs,
    })
    await connection.query('SELECT 1')
    return true
  } catch (error) {
    return asError(error)
  } finally {
    await connection?.end().catch(() => {})
  }
}

/**
 * Whether a Redis server answers `PING` within `timeoutMs`, without retries.
 * Resolves to the failure instead of throwing, so callers can report it.
 */
export async function probeRedis(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<true | Error> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  })
  // ioredis rejects a refused connection with "Connection is closed"; the 'error' event has the cause.
  let connectionError: Error | undefined
  redis.on('error', (error: Error) => {
    connectionError ??= error
  })
  try {
    await redis.connect()
    const reply = await redis.ping()
    return reply === 'PONG' ? true : new Error(`PING answered ${JSON.stringify(reply)}`)
  } catch (error) {
    return connectionError ?? asError(error)
  } finally {
    redis.disconnect()
  }
}

/**
 * Finds a PostgreSQL server for the tests: `DATABASE_URL` if set (it must be reachable), else a local
 * server at {@link LOCAL_DATABASE_URL}, else a testcontainer. Throws an error that says what to provide.
 */
export function resolveDatabaseService(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedService> {
  return resolveService({
    service: 'PostgreSQL',
    envVariable: 'DATABASE_URL',
    envUrl: env.DATABASE_URL,
    localUrl: LOCAL_DATABASE_URL,
    probe: probePostgres,
    async startContainer() {
      const { PostgreSqlContainer } = await loadTestcontainers(() => import('@testcontainers/postgresql'))
      const container = await new PostgreSqlContainer(POSTGRES_IMAGE).start()
      return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) }
    },
    choices: [
      'DATABASE_URL=postgresql://user:password@host:port/database (PostgreSQL 15+, a user that may CREATE SCHEMA);',
      `a local PostgreSQL 15+ on 127.0.0.1:5432 accepting user "postgres" without a password, with a database "test" (${LOCAL_DATABASE_URL});`,
      'a running Docker engine, for a PostgreSQL testcontainer (testcontainers 12 needs Node 22+).',
    ],
  })
}

/**
 * Finds a Redis server for the tests: `REDIS_URL` if set (it must be reachable), else a local server at
 * {@link LOCAL_REDIS_URL}, else a testcontainer. Throws an error that says what to provide.
 */
export function resolveRedisService(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedService> {
  return resolveService({
    service: 'Redis',
    envVariable: 'REDIS_URL',
    envUrl: env.REDIS_URL,
    localUrl: LOCAL_REDIS_URL,
    probe: probeRedis,
    async startContainer() {
      const { RedisContainer } = await loadTestcontainers(() => import('@testcontainers/redis'))
      const container = await new RedisContainer(REDIS_IMAGE).start()
      return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) }
    },
    choices: [
      'REDIS_URL=redis://host:port (Redis 7+);',
      `a local Redis 7+ on 127.0.0.1:6379 without a password (${LOCAL_REDIS_URL});`,
      'a running Docker engine, for a Redis testcontainer (testcontainers 12 needs Node 22+).',
    ],
  })
}

/**
 * Finds a MySQL/MariaDB server for the tests: `MYSQL_URL` if set (it must be reachable), else a local server
 * at {@link LOCAL_MYSQL_URL}, else a testcontainer. Throws an error that says what to provide.
 */
export function resolveMysqlService(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedService> {
  return resolveService({
    service: 'MySQL/MariaDB',
    envVariable: 'MYSQL_URL',
    envUrl: env.MYSQL_URL,
    localUrl: LOCAL_MYSQL_URL,
    probe: probeMysql,
    async startContainer() {
      const { MariaDbContainer } = await loadTestcontainers(() => import('@testcontainers/mariadb'))
      // Root, because each test file creates a database of its own.
      const container = await new MariaDbContainer(MARIADB_IMAGE).withRootPassword('test').start()
      const url = `mysql://root:test@${container.getHost()}:${container.getPort()}`
      return { url, stop: async () => void (await container.stop()) }
    },
    choices: [
      'MYSQL_URL=mysql://user:password@host:port (MariaDB 10.6+ or MySQL 8+, a user that may CREATE DATABASE);',
      `a local MariaDB or MySQL on 127.0.0.1:3306 accepting user "root" without a password (${LOCAL_MYSQL_URL}); on Debian: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd;`,
      'a running Docker engine, for a MariaDB testcontainer (testcontainers 12 needs Node 22+).',
    ],
  })
}

interface ServiceCandidates {
  service: string
  envVariable: string
  envUrl: string | undefined
  localUrl: string
  probe(url: string, timeoutMs?: number): Promise<true | Error>
  startContainer(): Promise<{ url: string; stop(): Promise<void> }>
  /** What the user can provide, one line each, for the error message. */
  choices: string[]
}

async function resolveService(candidates: ServiceCandidates): Promise<ResolvedService> {
  const { service, envVariable, envUrl, localUrl, probe } = candidates
  if (envUrl) {
    // An explicit URL is never silently replaced by another server.
    const reachable = await probe(envUrl, 5 * PROBE_TIMEOUT_MS)
    if (reachable !== true) {
      throw new Error(
        `${envVariable} is set but ${service} there did not answer: ${sentence(reachable.message)}`,
        {
          cause: reachable,
        },
      )
    }
    return staticService(envUrl, 'env')
  }
  const local = await probe(localUrl)
  if (local === true) return staticService(localUrl, 'local')
  try {
    return { ...(await candidates.startContainer()), source: 'container' }
  } catch (error) {
    throw new Error(
      [
        `No ${service} for the tests. Provide one of:`,
        ...candidates.choices.map((choice) => `  - ${choice}`),
        `Local ${service} (${localUrl}): ${sentence(local.message)}`,
        `Testcontainer: ${sentence(asError(error).message)}`,
      ].join('\n'),
      { cause: error },
    )
  }
}

/**
 * Imports a testcontainers module only when needed: testcontainers 12 pulls undici 8, which needs Node 22,
 * so on Node 20 the import itself fails.
 */
async function loadTestcontainers<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    throw new Error(
      `could not load testcontainers on Node ${process.versions.node} (testcontainers 12 needs Node 22+): ${asError(error).message}`,
      { cause: error },
    )
  }
}

function staticService(url: string, source: ServiceSource): ResolvedService {
  return { url, source, stop: async () => {} }
}

function sentence(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}
