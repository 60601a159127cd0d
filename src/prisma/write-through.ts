import { transactionOfHook } from './internals.ts'
import { currentTransactionScope, deferInvalidation } from './transactions.ts'

/** What running a write came to, with the dependencies its invalidation moves. */
export type WriteRun<T> = ({ ok: true; result: T } | { ok: false; error: unknown }) & {
  dependencies: readonly string[]
}

/**
 * Runs a write hook's query (`run`, which never throws) and invalidates what it moved. Inside a transaction the
 * invalidation waits for the commit (dropped on rollback); otherwise it follows the query, also after a failure:
 * a write whose outcome is unknown (a lost connection) may have committed. Then the result is returned, or the
 * error rethrown.
 */
export async function writeThrough<T>(
  hookArgs: unknown,
  run: () => Promise<WriteRun<T>>,
  invalidate: (dependencies: readonly string[]) => Promise<void>,
): Promise<T> {
  const scope = transactionOfHook(hookArgs) !== undefined ? currentTransactionScope() : undefined
  const ran = await run()
  if (scope !== undefined) deferInvalidation(scope, ran.dependencies)
  else await invalidate(ran.dependencies)
  if (!ran.ok) throw ran.error
  return ran.result
}
