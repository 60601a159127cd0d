import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import {
  type ResolvedService,
  resolveDatabaseService,
  resolveMysqlService,
  resolveRedisService,
} from './services.ts'

/**
 * Vitest global setup: finds (or starts) PostgreSQL, Redis and MySQL/MariaDB once per run, creates a directory
 * for the run's SQLite files, provides them to test workers as `inject('databaseUrl')`, `inject('redisUrl')`,
 * `inject('mysqlUrl')` and `inject('sqliteDir')`, and returns the teardown that stops any container it
 * started and removes the directory.
 *
 * PostgreSQL and Redis are required. Without MySQL the run goes on: `inject('mysqlError')` says what to
 * provide, and every MySQL test file fails with that message.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [database, redis, mysql] = await Promise.allSettled([
    resolveDatabaseService(),
    resolveRedisService(),
    resolveMysqlService(),
  ])
  const started = [database, redis, mysql].flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  )
  const sqliteDir = await mkdtemp(path.join(process.env.SQLITE_DIR ?? tmpdir(), 'pqc-sqlite-'))
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled([
      ...started.map((service) => service.stop()),
      rm(sqliteDir, { recursive: true }),
    ])
  }
  if (database.status === 'rejected' || redis.status === 'rejected') {
    await stopAll()
    const reasons = [database, redis].flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    )
    throw reasons.length === 1 ? reasons[0] : new AggregateError(reasons, reasons.map(messageOf).join('\n\n'))
  }
  project.provide('databaseUrl', database.value.url)
  project.provide('redisUrl', redis.value.url)
  project.provide('mysqlUrl', mysql.status === 'fulfilled' ? mysql.value.url : '')
  project.provide('mysqlError', mysql.status === 'rejected' ? messageOf(mysql.reason) : '')
  project.provide('sqliteDir', sqliteDir)
  if (started.some((service) => service.source === 'container')) {
    const found = mysql.status === 'fulfilled' ? describe(mysql.value) : 'none'
    console.info(
      `test services: PostgreSQL (${describe(database.value)}), Redis (${describe(redis.value)}), MySQL (${found})`,
    )
  }
  return stopAll
}

function describe(service: ResolvedService): string {
  return service.source === 'container' ? `container at ${service.url}` : service.source
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason)
}
