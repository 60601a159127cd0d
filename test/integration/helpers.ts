import type { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { type CacheEvent, type QueryCacheOptions, queryCache } from '../../src/index.ts'
import { INSTANCE_ID } from '../../src/shared-instance.ts'
import { createTestDatabase, type StatementCounter, type TestDatabase } from '../setup/database.ts'
import type { Provider } from '../setup/providers.ts'
import { createTestRedis, type TestRedis } from '../setup/redis.ts'

export { latch } from '../support/latch.ts'
export { ManualClock } from '../support/manual-clock.ts'

let instances = 0

/**
 * Creates a cached client on `db`, with events recorded. Each is an instance of its own, as if it ran in another
 * process (clients in one process that share a namespace share one instance): tests of many instances need
 * that. Pass `{ [INSTANCE_ID]: name }` to choose.
 */
export function cachedClient(db: TestDatabase, options: QueryCacheOptions = {}) {
  const { client, statements } = db.createClient({ errorFormat: 'minimal' })
  const events: CacheEvent[] = []
  const prisma = client.$extends(
    queryCache({
      ...({ [INSTANCE_ID]: `test-instance-${instances++}` } as QueryCacheOptions),
      ...options,
      onEvent: (event) => {
        events.push(event)
        options.onEvent?.(event)
      },
    }),
  )
  return { prisma, base: client, statements, events }
}

/**
 * A cached client with its events, and `next(match)`: resolves at the next matching event (call it before
 * the action that causes it), rejects after `ms`.
 */
export function observedClient(db: TestDatabase, options: QueryCacheOptions = {}) {
  const waiters: { match: (e: CacheEvent) => boolean; resolve: () => void }[] = []
  const setup = cachedClient(db, {
    ...options,
    onEvent: (event) => {
      options.onEvent?.(event)
      for (const waiter of [...waiters]) {
        if (waiter.match(event)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
    },
  })
  const next = (match: (e: CacheEvent) => boolean, ms = 5_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), ms)
      waiters.push({
        match,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      })
    })
  return { ...setup, next }
}

/** A test database and Redis namespace for one test file. */
export interface Fixture {
  db: TestDatabase
  redis: TestRedis
  connection(): Redis
  /** A Redis namespace no other call returns: the database is truncated between tests behind the cache's back. */
  namespace(): string
}

/** Creates the per-file fixture on `provider` (default PostgreSQL); call `dispose()` in afterAll. */
export async function createFixture(provider?: Provider): Promise<Fixture & { dispose(): Promise<void> }> {
  const db = await createTestDatabase(provider === undefined ? {} : { provider })
  const redis = createTestRedis()
  let namespaces = 0
  return {
    db,
    redis,
    connection: () => redis.connect(),
    namespace: () => `${redis.namespace}n${namespaces++}`,
    async dispose() {
      await redis.close()
      await db.drop()
    },
  }
}

/** Runs `fn` and returns how many SQL statements it caused. */
export async function countDuring(statements: StatementCounter, fn: () => Promise<unknown>): Promise<number> {
  const before = statements.count
  await fn()
  return statements.count - before
}

/**
 * Registers this file's fixture on `provider` (default PostgreSQL): created before its first test and
 * disposed after its last; unless `truncate` is false, every table is emptied before each test. The returned
 * object is filled in by `beforeAll`, so use its fields inside tests and hooks only.
 */
export function useFixture(options: { truncate?: boolean; provider?: Provider } = {}): Fixture {
  const fixture = {} as Fixture & { dispose?: () => Promise<void> }
  beforeAll(async () => {
    Object.assign(fixture, await createFixture(options.provider))
  })
  afterAll(async () => {
    await fixture.dispose?.()
  })
  if (options.truncate !== false) {
    beforeEach(async () => {
      await fixture.db.truncateAll()
    })
  }
  return fixture
}
