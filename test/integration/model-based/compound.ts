import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { Prisma, type PrismaClient } from '../../../generated/prisma/client.ts'
import type { CacheInfo } from '../../../src/index.ts'
import {
  cachedArgs,
  ModelMismatch,
  method,
  type Outcome,
  outcomeOf,
  readCached,
  rejectedWrite,
} from './calls.ts'
import { type PoolRead, READS } from './reads.ts'
import { resolveRefs } from './refs.ts'
import { coarseReach, type ModelName } from './schema-map.ts'
import { show } from './show.ts'
import {
  categoryId,
  commentId,
  countryCode,
  type ModelWrite,
  membershipRole,
  postId,
  tagId,
  tagName,
  teamId,
  teamName,
  userId,
  userName,
  type Write,
} from './write.ts'

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
function interactive(writes: readonly ModelWrite[], reads: readonly PoolRead[], rollback: boolean): Write {
  const describe = (calls: readonly string[]) =>
    `$transaction(async (tx) => { ${[...calls.map((call) => `await tx.${call}`), ...reads.map((read) => `read ${read} cached + plain`), ...(rollback ? ['throw (rollback)'] : [])].join('; ')} })`
  return {
    reach: union(writes),
    kinds: kindsOf(rollback ? '$transaction.rollback' : '$transaction.interactive', writes),
    async run({ client, base }) {
      const prepared = await Promise.all(writes.map((write) => write.prepare(base)))
      const call = describe(prepared.map((item) => item.call))
      const transaction = (client as { $transaction(callback: (tx: object) => Promise<void>): Promise<void> })
        .$transaction
      try {
        await transaction.call(client, async (tx) => {
          for (const item of prepared) await item.send(tx)
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

const poolRead = fc.constantFrom(...READS)

/** Transactions of 1–3 writes from `writes`: batch, interactive committed, interactive rolled back. */
export function transactionWrites(writes: fc.Arbitrary<ModelWrite>): fc.Arbitrary<Write>[] {
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
  ]
}

/** How a raw statement is sent: `$executeRaw` (a `Prisma.sql` template), its unsafe form, or `$queryRawUnsafe`. */
type RawOperation = '$executeRaw' | '$executeRawUnsafe' | '$queryRawUnsafe'

/**
 * A raw statement. `sql` uses `$1`, `$2`… for `params`, which may hold row references. `tables` are the
 * models whose tables it writes: what it may reach is those and their neighbours (cascades stay one hop).
 */
function raw(
  operation: RawOperation,
  sql: string,
  params: readonly unknown[],
  tables: readonly ModelName[],
): Write {
  const describe = (values: readonly unknown[]) =>
    `${operation}(${JSON.stringify(sql)}${values.map((value) => `, ${show(value)}`).join('')})`
  const reach = new Set<ModelName>()
  for (const table of tables) for (const model of coarseReach(table, {})) reach.add(model)
  return {
    reach,
    kinds: [operation],
    async run({ client, base }) {
      const values = await resolveRefs(base as PrismaClient, [...params])
      const call = describe(values)
      const raw = client as {
        $executeRaw(query: Prisma.Sql): Promise<number>
        $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>
        $queryRawUnsafe(query: string, ...values: unknown[]): Promise<unknown>
      }
      try {
        if (operation === '$executeRaw') await raw.$executeRaw(template(sql, values))
        else await raw[operation](sql, ...values)
        return { call, outcome: 'ok' }
      } catch (error) {
        return { call, outcome: rejectedWrite(call, error) }
      }
    },
    toString: () => describe(params),
  }
}

/** `sql` with `$n` placeholders as a `Prisma.sql` template (a placeholder may repeat). */
function template(sql: string, values: readonly unknown[]): Prisma.Sql {
  const used = [...sql.matchAll(/\$(\d+)/g)].map((match) => values[Number(match[1]) - 1])
  return Prisma.sql(sql.split(/\$\d+/), ...used)
}

const executeOperation = fc.constantFrom<RawOperation>('$executeRaw', '$executeRawUnsafe')

/**
 * Raw writes: quoted and unquoted table names, aliases and joins, the implicit m2m table, a CTE, comments
 * naming other tables, `$queryRaw` with `RETURNING`, cascades (SetNull, Cascade, SetDefault) and a key update.
 */
export const RAW_WRITES: fc.Arbitrary<Write>[] = [
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) => raw(operation, 'DELETE FROM "users" WHERE "id" = $1', [id], ['User'])),
  fc
    .tuple(executeOperation, userName, userId)
    .map(([operation, name, id]) =>
      raw(operation, 'UPDATE "users" SET "name" = $1 WHERE "id" = $2', [name, id], ['User']),
    ),
  fc
    .tuple(executeOperation, countryCode, countryCode)
    .map(([operation, to, from]) =>
      raw(operation, 'UPDATE "Country" SET "code" = $1 WHERE "code" = $2', [to, from], ['Country']),
    ),
  fc
    .tuple(executeOperation, postId)
    .map(([operation, id]) => raw(operation, 'DELETE FROM "posts" WHERE "id" = $1', [id], ['Post'])),
  fc
    .tuple(executeOperation, categoryId)
    .map(([operation, id]) =>
      raw(operation, 'DELETE FROM "Category" WHERE "id" = $1 AND "id" <> 1', [id], ['Category']),
    ),
  fc
    .tuple(executeOperation, postId, tagId)
    .map(([operation, post, tag]) =>
      raw(
        operation,
        'INSERT INTO "_PostToTag" ("A", "B") VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [post, tag],
        ['Post', 'Tag'],
      ),
    ),
  fc
    .tuple(executeOperation, commentId)
    .map(([operation, id]) => raw(operation, 'delete from comments where id = $1', [id], ['Comment'])),
  fc
    .tuple(executeOperation, membershipRole, teamName)
    .map(([operation, role, team]) =>
      raw(
        operation,
        'UPDATE memberships AS m SET role = $1 FROM "Team" AS t WHERE t.id = m.team_id AND t.name = $2',
        [role, team],
        ['Membership'],
      ),
    ),
  fc
    .tuple(executeOperation, tagName)
    .map(([operation, name]) =>
      raw(
        operation,
        'INSERT INTO "Tag" ("name") VALUES ($1) ON CONFLICT ("name") DO NOTHING',
        [name],
        ['Tag'],
      ),
    ),
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(operation, 'UPDATE "posts" SET "views" = "views" + 1 WHERE "author_id" = $1', [id], ['Post']),
    ),
  fc
    .tuple(executeOperation, postId)
    .map(([operation, id]) =>
      raw(
        operation,
        'WITH gone AS (DELETE FROM "comments" WHERE "post_id" = $1 RETURNING "id") SELECT count(*) FROM gone',
        [id],
        ['Comment'],
      ),
    ),
  fc
    .tuple(executeOperation, postId)
    .map(([operation, id]) =>
      raw(
        operation,
        'INSERT INTO "AuditLog" ("message") SELECT "title" FROM "posts" WHERE "id" = $1',
        [id],
        ['AuditLog'],
      ),
    ),
  fc
    .tuple(executeOperation, teamName, teamId)
    .map(([operation, name, id]) =>
      raw(
        operation,
        '/* not "users" */ UPDATE "Team" SET "name" = $1 WHERE "id" = $2 -- nor posts',
        [name, id],
        ['Team'],
      ),
    ),
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(operation, 'UPDATE ONLY "users" SET "active" = NOT "active" WHERE "id" = $1', [id], ['User']),
    ),
  fc
    .tuple(executeOperation, postId)
    .map(([operation, id]) =>
      raw(
        operation,
        'DELETE FROM "comments" c USING "posts" p WHERE c."post_id" = p."id" AND NOT p."published" AND p."id" = $1',
        [id],
        ['Comment'],
      ),
    ),
  fc
    .tuple(executeOperation, tagName)
    .map(([operation, name]) =>
      raw(
        operation,
        'MERGE INTO "Tag" AS t USING (SELECT $1::text AS name) AS s ON t."name" = s.name WHEN NOT MATCHED THEN INSERT ("name") VALUES (s.name)',
        [name],
        ['Tag'],
      ),
    ),
  fc
    .tuple(executeOperation, categoryId)
    .map(([operation, id]) =>
      raw(
        operation,
        'WITH moved AS (UPDATE "posts" SET "category_id" = 1 WHERE "category_id" = $1 RETURNING "id") DELETE FROM "Category" WHERE "id" = $1 AND "id" <> 1',
        [id],
        ['Post', 'Category'],
      ),
    ),
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(
        operation,
        'INSERT INTO "profiles" ("bio", "user_id") SELECT \'auto\', "id" FROM "users" WHERE "id" = $1 ON CONFLICT ("user_id") DO UPDATE SET "bio" = EXCLUDED."bio"',
        [id],
        ['Profile'],
      ),
    ),
  // Strings, dollar quotes and several statements: only the real statements write.
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(
        operation,
        'UPDATE "AuditLog" SET "message" = $q$it\'s; DELETE FROM "users"$q$ WHERE "id" = $1',
        [id],
        ['AuditLog'],
      ),
    ),
  tagName.map((name) =>
    raw(
      '$executeRawUnsafe',
      `UPDATE "AuditLog" SET "message" = 'a;b' WHERE "message" = 'x'; DELETE FROM "Tag" WHERE "name" = '${name}'`,
      [],
      ['AuditLog', 'Tag'],
    ),
  ),
  fc.constant(raw('$executeRawUnsafe', 'TRUNCATE "AuditLog"', [], ['AuditLog'])),
  // Reads through the raw API: nothing may be invalidated.
  userId.map((id) => raw('$queryRawUnsafe', 'SELECT "id" FROM "users" WHERE "id" = $1 FOR UPDATE', [id], [])),
  fc
    .tuple(tagName, tagId)
    .map(([name, id]) =>
      raw(
        '$queryRawUnsafe',
        'UPDATE "Tag" SET "name" = $1 WHERE "id" = $2 RETURNING "id", "name"',
        [name, id],
        ['Tag'],
      ),
    ),
]
