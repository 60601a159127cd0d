import { transactionOfHook } from './internals.ts'
import { currentTransactionScope, deferInvalidation } from './transactions.ts'

/** Runs a write hook's query and then its invalidation; see {@link writeThrough}. */
export type WriteThrough = <T>(
  hookArgs: { args: unknown; query: (args: any) => Promise<T> },
  dependencies: readonly string[],
  invalidate: () => Promise<void>,
) => Promise<T>

/**
 * Runs a write hook's query. Inside a transaction its invalidation waits for the commit (dropped on rollback);
 * otherwise it follows the query, also after a failure: a write whose outcome is unknown (a lost connection) may
 * have committed.
 */
export const writeThrough: WriteThrough = async (hookArgs, dependencies, invalidate) => {
  const scope = transactionOfHook(hookArgs) !== undefined ? currentTransactionScope() : undefined
  if (scope !== undefined) {
    deferInvalidation(scope, dependencies)
    return hookArgs.query(hookArgs.args)
  }
  try {
    return await hookArgs.query(hookArgs.args)
  } finally {
    await invalidate()
  }
}
