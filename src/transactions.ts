/**
 * Transaction detection. Prisma does not tell extensions that they run inside a transaction
 * (prisma/prisma#20789, #26296), so this module reads the one internal detail it needs: the interactive
 * transaction client carries a scope context under a registered symbol. test/integration/transactions
 * fails loudly if a Prisma upgrade changes it.
 */
const TRANSACTION_SCOPE = Symbol.for('prisma.client.transaction.scope_context')

/** True when `client` is the client of an interactive `$transaction(async (tx) => …)` callback. */
export function isInTransaction(client: unknown): boolean {
  if (client === null || (typeof client !== 'object' && typeof client !== 'function')) return false
  const scope = (client as Record<symbol, unknown>)[TRANSACTION_SCOPE] as { kind?: string } | undefined
  return scope !== undefined && scope !== null && scope.kind === 'nested'
}
