import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client'

type SqlDriverAdapter = Awaited<ReturnType<SqlDriverAdapterFactory['connect']>>
type Transaction = Awaited<ReturnType<SqlDriverAdapter['startTransaction']>>

/** The SQL statements a client sent through its driver adapter: the database-work oracle for tests. */
export interface StatementCounter {
  /** Number of statements sent since creation or the last {@link StatementCounter.reset}. */
  readonly count: number
  /** Their SQL texts, in the order they were sent (a snapshot). */
  readonly log: readonly string[]
  /** Forgets everything counted so far. */
  reset(): void
}

/** A {@link StatementCounter} that the adapter wrapper can feed. */
export class RecordingStatementCounter implements StatementCounter {
  #log: string[] = []

  get count(): number {
    return this.#log.length
  }

  get log(): readonly string[] {
    return [...this.#log]
  }

  reset(): void {
    this.#log = []
  }

  /** Records one statement, before it is sent, so a failing statement counts too. */
  record(sql: string): void {
    this.#log.push(sql)
  }
}

/**
 * Wraps a driver adapter factory so that every statement its adapters run is recorded: `queryRaw` and
 * `executeRaw` on the adapter, and on every transaction it starts. Everything else is forwarded through a
 * `Proxy` (provider, adapterName, getConnectionInfo, executeScript, dispose...), methods bound to the
 * adapter itself (adapters keep state in `#private` fields, which a proxy cannot reach).
 *
 * What an adapter sends from its other methods, straight to its driver or through its own (unwrapped)
 * `executeRaw`, is recorded by the wrapper, so the log reads the same on every provider: the `BEGIN` (and
 * `SET TRANSACTION ISOLATION LEVEL`) sent inside `startTransaction`, on a transaction object the wrapper
 * only receives afterwards; savepoint statements; and, for adapters whose transactions use phantom queries
 * (adapter-mariadb), the `COMMIT` and `ROLLBACK` they send themselves. Other adapters leave those to
 * Prisma, which sends them through `executeRaw`.
 */
export function countStatements(
  factory: SqlDriverAdapterFactory,
  counter: RecordingStatementCounter,
): SqlDriverAdapterFactory {
  return intercept(factory, {
    connect: (connect) => async () => countAdapterStatements(await connect(), counter),
  })
}

function countAdapterStatements(
  adapter: SqlDriverAdapter,
  counter: RecordingStatementCounter,
): SqlDriverAdapter {
  return intercept(adapter, {
    ...recordQueries(counter),
    startTransaction: (startTransaction) => async (isolationLevel) => {
      const transaction = await startTransaction(isolationLevel)
      for (const sql of openingStatements(adapter.provider, isolationLevel)) counter.record(sql)
      const phantom = transaction.options.usePhantomQuery
      const recording =
        <A extends unknown[]>(sql: (...args: A) => string | undefined) =>
        (original: (...args: A) => Promise<void>) =>
        (...args: A) => {
          const sent = sql(...args)
          if (sent !== undefined) counter.record(sent)
          return original(...args)
        }
      return intercept<Transaction>(transaction, {
        ...recordQueries(counter),
        commit: recording(() => (phantom ? 'COMMIT' : undefined)),
        rollback: recording(() => (phantom ? 'ROLLBACK' : undefined)),
        createSavepoint: recording((name: string) => `SAVEPOINT ${name}`),
        rollbackToSavepoint: recording((name: string) => `ROLLBACK TO SAVEPOINT ${name}`),
        releaseSavepoint: recording((name: string) => `RELEASE SAVEPOINT ${name}`),
      })
    },
  })
}

/**
 * What `startTransaction` sends, in order: adapter-mariadb sets the isolation level before its BEGIN;
 * adapter-better-sqlite3 sends no level (SQLite transactions are serializable, others are refused).
 */
function openingStatements(provider: string, isolationLevel: string | undefined): string[] {
  const isolation = isolationLevel ? [`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`] : []
  if (provider === 'sqlite') return ['BEGIN']
  return provider === 'mysql' ? [...isolation, 'BEGIN'] : ['BEGIN', ...isolation]
}

function recordQueries(
  counter: RecordingStatementCounter,
): Overrides<Pick<Transaction, 'queryRaw' | 'executeRaw'>> {
  return {
    queryRaw: (queryRaw) => (query) => {
      counter.record(query.sql)
      return queryRaw(query)
    },
    executeRaw: (executeRaw) => (query) => {
      counter.record(query.sql)
      return executeRaw(query)
    },
  }
}

type MethodKeys<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends (...args: any[]) => any ? K : never
}[keyof T]
type Overrides<T> = { [K in MethodKeys<T>]?: (original: NonNullable<T[K]>) => NonNullable<T[K]> }

/**
 * A proxy of `target` whose listed methods are replaced by `override(original)` and whose other methods are
 * bound to `target`; other properties are read through untouched. Methods are bound once, so repeated reads
 * return the same function.
 */
function intercept<T extends object>(target: T, overrides: Overrides<T>): T {
  const methods = new Map<PropertyKey, unknown>()
  const byName = overrides as Record<PropertyKey, ((original: unknown) => unknown) | undefined>
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object)
      // Not a method, or an optional method the target lacks (savepoints): as it is.
      if (typeof value !== 'function') return value
      if (!methods.has(property)) {
        const bound = value.bind(object)
        const override = byName[property]
        methods.set(property, override ? override(bound) : bound)
      }
      return methods.get(property)
    },
  })
}
