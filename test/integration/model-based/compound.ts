import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import type { CacheInfo } from '../../../src/index.ts'
import type { ProviderFeatures } from '../../setup/providers.ts'
import {
  cachedArgs,
  ModelMismatch,
  method,
  type Outcome,
  outcomeOf,
  readCached,
  rejectedWrite,
} from './calls.ts'
import { type PoolRead, readsOn } from './reads.ts'
import type { ModelName } from './schema-map.ts'
import { show } from './show.ts'
import type { ModelWrite, Write } from './write.ts'

class RollbackRequested extends Error {
  override name = 'RollbackRequested'
}

function union(writes: readonly ModelWrite[]): Set<ModelName> {
  return new Set(writes.flatMap((write) => [...write.reach]))
}

function kindsOf(kind: string, writes: readonly ModelWrite[]): string[] {
  return [kind, ...writes.flatMap((write) => write.kinds)]
}

/**
 * A pool read issued twice at the same point of a transaction, cached and plain: both run inside it, so they
 * must agree (a cached read that served committed data from the shared cache would not see the
 * transaction's own writes), and the cached one must report `bypass`.
 */
function compareInside(
  label: string,
  read: PoolRead,
  cached: Outcome,
  info: CacheInfo | undefined,
  plain: Outcome,
): void {
  if (!isDeepStrictEqual(cached, plain)) {
    throw new ModelMismatch(
      `${label}: cached read inside the transaction differs from the plain one: ${read}\ncached: ${show(cached)}\nplain: ${show(plain)}`,
    )
  }
  if (info !== undefined && info.status !== 'bypass') {
    throw new ModelMismatch(
      `${label}: a read inside a transaction was not a bypass: ${read} ${JSON.stringify(info)}`,
    )
  }
}

/** `$transaction([...])` of some writes and at most one pool read (cached, then plain), all in one batch. */
function batch(writes: readonly ModelWrite[], read: PoolRead | undefined): Write {
  const describe = (calls: readonly string[]) =>
    `$transaction([${[...calls, ...(read === undefined ? [] : [`${read} cached + plain`])].join(', ')}])`
  return {
    reach: union(writes),
    kinds: kindsOf('$transaction.batch', writes),
    async run({ client, base }) {
      const prepared = await Promise.all(writes.map((write) => write.prepare(base)))
      const call = describe(prepared.map((item) => item.call))
      const operations: Promise<unknown>[] = prepared.map((item) => item.send(client))
      if (read !== undefined) {
        operations.push(method(client, read.delegate, read.operation)(cachedArgs(read)))
        operations.push(method(client, read.delegate, read.operation)(read.args))
      }
      const transaction = (client as { $transaction(operations: Promise<unknown>[]): Promise<unknown[]> })
        .$transaction
      let results: unknown[]
      try {
        results = await transaction.call(client, operations)
      } catch (error) {
        return { call, outcome: rejectedWrite(call, error) }
      }
      if (read !== undefined) {
        const [cached, plain] = results.slice(-2)
        compareInside(call, read, { ok: true, data: cached }, undefined, { ok: true, data: plain })
      }
      return { call, outcome: 'ok' }
    },
    toString: () => describe(writes.map(String)),
  }
}

/**
 * `$transaction(async (tx) => …)`: some writes through `tx`, then pool reads through `tx` (cached and plain,
 * compared), then commit or a deliberate rollback. After a rollback, nothing it read or wrote may be visible.
 */
/**
 * An interactive transaction: its writes, then reads compared inside it; then a rollback (`rollback`), or a
 * commit. `tolerant`: a write Prisma refuses is caught and the transaction goes on to commit what it can (Prisma
 * uses no savepoint, so the statements of a refused nested write before its failure stay in the transaction).
 */
function interactive(
  writes: readonly ModelWrite[],
  reads: readonly PoolRead[],
  rollback: boolean,
  tolerant = false,
): Write {
  const step = (call: string) => (tolerant ? `await tx.${call}.catch(ignore)` : `await tx.${call}`)
  const describe = (calls: readonly string[]) =>
    `$transaction(async (tx) => { ${[...calls.map(step), ...reads.map((read) => `read ${read} cached + plain`), ...(rollback ? ['throw (rollback)'] : [])].join('; ')} })`
  const kind = rollback
    ? '$transaction.rollback'
    : tolerant
      ? '$transaction.tolerant'
      : '$transaction.interactive'
  return {
    reach: union(writes),
    kinds: kindsOf(kind, writes),
    async run({ client, base }) {
      const prepared = await Promise.all(writes.map((write) => write.prepare(base)))
      const call = describe(prepared.map((item) => item.call))
      const transaction = (client as { $transaction(callback: (tx: object) => Promise<void>): Promise<void> })
        .$transaction
      try {
        await transaction.call(client, async (tx) => {
          for (const item of prepared) {
            if (!tolerant) await item.send(tx)
            else await item.send(tx).catch((error: unknown) => rejectedWrite(call, error))
          }
          for (const read of reads) {
            const cached = await readCached(tx, read)
            const plain = await outcomeOf(method(tx, read.delegate, read.operation)(read.args))
            compareInside(call, read, cached.outcome, cached.info, plain)
          }
          if (rollback) throw new RollbackRequested()
        })
        return { call, outcome: 'ok' }
      } catch (error) {
        if (error instanceof RollbackRequested) return { call, outcome: 'rolled back' }
        return { call, outcome: rejectedWrite(call, error) }
      }
    },
    toString: () => describe(writes.map(String)),
  }
}

/**
 * Transactions of 1–3 writes from `writes`: batch, interactive committed, interactive rolled back, interactive
 * that catches refused writes and commits.
 */
export function transactionWrites(
  writes: fc.Arbitrary<ModelWrite>,
  features: ProviderFeatures,
): fc.Arbitrary<Write>[] {
  const poolRead = fc.constantFrom(...readsOn(features))
  const some = fc.array(writes, { minLength: 1, maxLength: 3 })
  return [
    fc
      .record({ writes: some, read: fc.option(poolRead, { nil: undefined }) })
      .map(({ writes, read }) => batch(writes, read)),
    fc
      .record({ writes: some, reads: fc.array(poolRead, { maxLength: 2 }) })
      .map(({ writes, reads }) => interactive(writes, reads, false)),
    fc
      .record({ writes: some, reads: fc.array(poolRead, { maxLength: 2 }) })
      .map(({ writes, reads }) => interactive(writes, reads, true)),
    fc
      .record({ writes: some, reads: fc.array(poolRead, { maxLength: 2 }) })
      .map(({ writes, reads }) => interactive(writes, reads, false, true)),
  ]
}
