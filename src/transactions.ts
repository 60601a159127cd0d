import { AsyncLocalStorage } from 'node:async_hooks'

/*
 * Transaction support. Prisma does not tell extensions that they run inside a transaction
 * (prisma/prisma#20789, #26296). Everything this package relies on about Prisma's internals for that lives in
 * this module, and test/integration/transactions.test.ts fails loudly if a Prisma upgrade changes any of it:
 *   1. the interactive transaction client carries a scope context under a registered symbol;
 *   2. query hooks receive `__internalParams.transaction` for statements that run inside a transaction;
 *   3. the client's own `$transaction` is a method on the prototype chain of `_originalClient`.
 */

const TRANSACTION_SCOPE = Symbol.for('prisma.client.transaction.scope_context')

/** True when `client` is the client of an interactive `$transaction(async (tx) => …)` callback. */
export function isInTransaction(client: unknown): boolean {
  if (client === null || (typeof client !== 'object' && typeof client !== 'function')) return false
  const scope = (client as Record<symbol, unknown>)[TRANSACTION_SCOPE] as { kind?: string } | undefined
  return scope !== undefined && scope !== null && scope.kind === 'nested'
}

/** The transaction a query hook's statement runs in, if any: `{ kind: 'itx' | 'batch', id }`. */
export function transactionOfHook(hookArgs: unknown): { kind: string; id: unknown } | undefined {
  const params = (hookArgs as { __internalParams?: { transaction?: { kind?: unknown; id?: unknown } } })
    .__internalParams
  const transaction = params?.transaction
  if (transaction === undefined || transaction === null || typeof transaction.kind !== 'string')
    return undefined
  return { kind: transaction.kind, id: transaction.id }
}

/** Prisma's own `$transaction`, found on the prototype chain of the client the extension is applied to. */
export function builtinTransaction(client: unknown): (this: unknown, ...args: unknown[]) => Promise<unknown> {
  const original = (client as { _originalClient?: object })._originalClient ?? client
  let proto: object | null = original as object
  while (proto !== null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, '$transaction')
    if (descriptor !== undefined && typeof descriptor.value === 'function') return descriptor.value
    proto = Object.getPrototypeOf(proto)
  }
  throw new Error(
    'prisma-query-cache: could not find PrismaClient.prototype.$transaction; this Prisma version is not supported',
  )
}

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

/** Is this error Prisma's report of a statement that failed, so that the transaction was rolled back? */
function isRolledBack(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: string }).name === 'PrismaClientKnownRequestError' ||
      (error as { name?: string }).name === 'PrismaClientValidationError')
  )
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
) {
  return async function $transaction(this: unknown, input: unknown, options?: unknown): Promise<unknown> {
    // A nested transaction commits with its outer one; another top-level transaction started inside a callback
    // (through the outer client) commits on its own.
    const parent = isInTransaction(this) ? scopes.getStore() : undefined
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
      if (!isRolledBack(error)) await settle()
      throw error
    }
    await settle()
    return result
  }
}
