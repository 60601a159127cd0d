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
 * `executeRaw` on the adapter, and on every transaction it starts. Everything else is forwarded
 * untouched through a `Proxy` (provider, adapterName, getConnectionInfo, executeScript, dispose, commit,
 * rollback, savepoints...).
 *
 * Forwarded methods are called on the proxy, so statements an adapter sends through its own `executeRaw`
 * (adapter-pg's savepoints) are counted as well. The `BEGIN` (and
 * `SET TRANSACTION ISOLATION LEVEL`) that adapter-pg sends inside `startTransaction`, on a transaction
 * object the wrapper only receives afterwards, is recorded by the wrapper itself.
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
      counter.record('BEGIN')
      if (isolationLevel) counter.record(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`)
      return intercept<Transaction>(transaction, recordQueries(counter))
    },
  })
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

type MethodKeys<T> = { [K in keyof T]-?: T[K] extends (...args: any[]) => any ? K : never }[keyof T]
type Overrides<T> = { [K in MethodKeys<T>]?: (original: T[K]) => T[K] }

/**
 * A proxy of `target` whose listed methods are replaced by `override(original)`, where `original` is
 * bound to `target`; every other property is read through untouched. Replacements are created once, so
 * repeated reads return the same function.
 */
function intercept<T extends object>(target: T, overrides: Overrides<T>): T {
  const replaced = new Map<PropertyKey, unknown>()
  const byName = overrides as Record<PropertyKey, ((original: unknown) => unknown) | undefined>
  return new Proxy(target, {
    get(object, property, receiver) {
      const override = byName[property]
      if (!override) return Reflect.get(object, property, receiver)
      if (!replaced.has(property)) {
        const original = Reflect.get(object, property, object) as (...args: unknown[]) => unknown
        replaced.set(property, override(original.bind(object)))
      }
      return replaced.get(property)
    },
  })
}
