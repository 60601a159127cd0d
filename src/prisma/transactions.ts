import { AsyncLocalStorage } from 'node:async_hooks'
import { noteTransactionRead } from '../memo/reporting.ts'
import { isRefusal, isTransactionClient } from './internals.ts'

/*
 * Transaction support. Prisma does not tell extensions that they run inside a transaction
 * (prisma/prisma#20789, #26296): the details it takes are read in `internals.ts`. Here, invalidations caused
 * inside a transaction are collected and applied when it commits.
 */

/** Invalidations collected inside one transaction (or nested transaction), applied when it commits. */
interface TransactionScope {
  readonly dependencies: Set<string>
  readonly parent: TransactionScope | undefined
}

const scopes = new AsyncLocalStorage<TransactionScope>()

/** The transaction scope of the current async context, if a write should be deferred to its commit. */
export function currentTransactionScope(): TransactionScope | undefined {
  return scopes.getStore()
}

/** Records dependencies to invalidate when the transaction of `scope` commits. */
export function deferInvalidation(scope: TransactionScope, dependencies: readonly string[]): void {
  for (const dependency of dependencies) scope.dependencies.add(dependency)
}

/** Told when a transaction of the client starts and ends (see `TransactionWindow`). */
export interface TransactionsOpen {
  started(): void
  ended(): void
}

/**
 * Which loads may have read inside a transaction of their own client: on a client with one connection (SQLite's
 * adapters), a query through the client while one of its transactions is open runs inside it and may read what
 * that transaction has not committed. A load is stored only if no transaction of the client was open at any time
 * while it ran.
 */
export class TransactionWindow implements TransactionsOpen {
  #open = 0
  #changes = 0

  started(): void {
    this.#open++
    this.#changes++
  }

  ended(): void {
    this.#open--
    this.#changes++
  }

  /** A token for a load starting now, or undefined when a transaction is open. */
  begin(): number | undefined {
    return this.#open > 0 ? undefined : this.#changes
  }

  /** True when no transaction started or ended since `begin()` gave `token`. */
  untouched(token: number | undefined): boolean {
    return token !== undefined && token === this.#changes
  }
}

/**
 * Wraps Prisma's `$transaction` so that invalidations caused by writes inside it are applied after the commit
 * resolves and before the caller continues, and dropped on rollback. When the outcome is unknown (the callback
 * finished but the commit failed, or a batch failed for a reason other than a statement error), they are
 * applied anyway: an unnecessary invalidation is harmless, a missing one is not.
 */
export function transactionWrapper(
  builtin: (this: unknown, ...args: unknown[]) => Promise<unknown>,
  invalidate: (dependencies: readonly string[]) => Promise<void>,
  open: TransactionsOpen,
) {
  return async function $transaction(this: unknown, input: unknown, options?: unknown): Promise<unknown> {
    // Inside a memoized call: what the transaction reads may never be committed, so the call is not stored.
    noteTransactionRead()
    open.started()
    try {
      return await run.call(this, input, options)
    } finally {
      open.ended()
    }
  }

  async function run(this: unknown, input: unknown, options?: unknown): Promise<unknown> {
    // A nested transaction commits with its outer one; another top-level transaction started inside a callback
    // (through the outer client) commits on its own.
    const parent = isTransactionClient(this) ? scopes.getStore() : undefined
    const scope: TransactionScope = { dependencies: new Set(), parent }
    const settle = async () => {
      if (scope.dependencies.size === 0) return
      if (parent !== undefined) deferInvalidation(parent, [...scope.dependencies])
      else await invalidate([...scope.dependencies])
    }
    const args = options === undefined ? [input] : [input, options]
    if (typeof input === 'function') {
      let callbackFinished = false
      const callback = async (tx: unknown) => {
        const result = await (input as (tx: unknown) => unknown)(tx)
        callbackFinished = true
        return result
      }
      args[0] = callback
      let result: unknown
      try {
        result = await scopes.run(scope, () => builtin.apply(this, args))
      } catch (error) {
        if (callbackFinished) await settle()
        throw error
      }
      await settle()
      return result
    }
    let result: unknown
    try {
      result = await scopes.run(scope, () => builtin.apply(this, args))
    } catch (error) {
      if (!isRefusal(error)) await settle()
      throw error
    }
    await settle()
    return result
  }
}
