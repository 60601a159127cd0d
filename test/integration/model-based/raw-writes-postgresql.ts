import fc from 'fast-check'
import { executeOperation, rawStatement } from './raw-writes.ts'
import {
  categoryId,
  commentId,
  countryCode,
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

const raw = rawStatement('postgresql')

/**
 * Raw writes: quoted and unquoted table names, aliases and joins, the implicit m2m table, a CTE, comments
 * naming other tables, `$queryRaw` with `RETURNING`, cascades (SetNull, Cascade, SetDefault) and a key update.
 */
export const POSTGRESQL_RAW_WRITES: fc.Arbitrary<Write>[] = [
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
