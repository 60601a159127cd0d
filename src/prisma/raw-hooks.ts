import { Prisma } from '@prisma/client/extension'
import { StrategyError } from '../errors.ts'
import { noteWrite } from '../memo/reporting.ts'
import type { QueryCache } from '../query-cache.ts'
import type { SqlDialect } from '../raw-sql/analysis.ts'
import { EVERYTHING, rawWriteDependencies, sqlTextOf } from '../raw-sql/invalidation.ts'
import type { RawCacheStrategy, RawSql } from '../types.ts'
import { isTransactionClient, transactionOfHook } from './internals.ts'
import { writeThrough } from './write-through.ts'

/** A query hook's arguments, as Prisma passes them to `$allOperations` and the raw hooks. */
export interface HookArgs {
  operation: string
  args: unknown
  query: (args: any) => Promise<unknown>
}

/**
 * The hook for `$executeRaw`, `$executeRawUnsafe`, `$queryRaw` and `$queryRawUnsafe`: a statement that writes
 * invalidates the models behind the tables it writes, or everything when the SQL cannot be analysed (G4).
 */
export function rawWriteHook(cache: () => QueryCache, dialect: SqlDialect | undefined) {
  return function rawHook(hookArgs: HookArgs): Promise<unknown> {
    const { operation, args, query } = hookArgs
    const write = rawWriteDependencies(cache().graph, dialect, sqlTextOf(args))
    if (write.kind === 'none')
      return cache().uncachedRawRead(transactionOfHook(hookArgs) !== undefined, () => query(args))
    // Even a write to tables no model maps: a memoized call's result may depend on it.
    noteWrite('$raw', operation)
    if (write.kind === 'tables' && write.dependencies.length === 0) return query(args)
    const dependencies = write.kind === 'all' ? EVERYTHING : write.dependencies
    const context =
      write.kind === 'all' ? { operation, reason: write.reason } : { operation, tables: write.tables }
    const run = async () => {
      try {
        return { ok: true as const, result: await query(args), dependencies }
      } catch (error) {
        return { ok: false as const, error, dependencies }
      }
    }
    return writeThrough(hookArgs, run, () =>
      cache().invalidateDependencies(dependencies, 'hard', 'raw-sql', context),
    )
  }
}

/**
 * `$queryRaw` with a cache: `prisma.$queryRawCached({ ttl: 60, models: ['User'] }, Prisma.sql\`SELECT …\`)`.
 * Raw reads are never cached implicitly; the strategy names the models (and/or tags) whose invalidation must
 * reach the result. Inside a transaction it bypasses the cache.
 */
export function queryRawCached(cache: () => QueryCache) {
  return function $queryRawCached<T = unknown>(
    this: unknown,
    strategy: RawCacheStrategy,
    sql: RawSql,
  ): Promise<T> {
    const context = Prisma.getExtensionContext(this) as unknown as { $queryRaw(sql: RawSql): Promise<T> }
    if (typeof sql !== 'object' || sql === null || !Array.isArray(sql.strings)) {
      return Promise.reject(new StrategyError('$queryRawCached: the query must be a Prisma.sql`…` object'))
    }
    try {
      const served = cache().readRaw(
        strategy,
        sql.strings.join(' $1 '),
        sql.values,
        isTransactionClient(this),
        () => context.$queryRaw(sql),
      )
      return Promise.resolve(served).then((result) => result.data as T)
    } catch (error) {
      return Promise.reject(error)
    }
  }
}
