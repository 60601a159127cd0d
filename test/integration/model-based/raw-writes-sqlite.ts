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

const raw = rawStatement('sqlite')

/**
 * Raw writes in SQLite: double quotes, brackets, backticks and bare names, UPDATE … FROM, the implicit m2m
 * table, INSERT OR IGNORE / OR REPLACE, REPLACE INTO, UPDATE OR REPLACE, ON CONFLICT DO NOTHING / DO UPDATE,
 * a CTE, RETURNING through `$queryRawUnsafe`, cascades (SetNull, Cascade, SetDefault) and a key update.
 */
export const SQLITE_RAW_WRITES: fc.Arbitrary<Write>[] = [
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
        'INSERT OR IGNORE INTO "_PostToTag" ("A", "B") VALUES ($1, $2)',
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
      raw(operation, 'UPDATE [users] SET [active] = NOT [active] WHERE [id] = $1', [id], ['User']),
    ),
  fc
    .tuple(executeOperation, postId)
    .map(([operation, id]) =>
      raw(
        operation,
        'DELETE FROM `comments` WHERE `post_id` IN (SELECT p."id" FROM "posts" AS p WHERE NOT p."published" AND p."id" = $1)',
        [id],
        ['Comment'],
      ),
    ),
  // OR REPLACE deletes the row a new one conflicts with: its dependent rows cascade away.
  fc
    .tuple(executeOperation, tagName)
    .map(([operation, name]) =>
      raw(operation, 'INSERT OR REPLACE INTO "Tag" ("name") VALUES ($1)', [name], ['Tag']),
    ),
  fc
    .tuple(executeOperation, countryCode)
    .map(([operation, code]) =>
      raw(
        operation,
        'REPLACE INTO "Country" ("code", "name") VALUES ($1, \'replaced\')',
        [code],
        ['Country'],
      ),
    ),
  fc
    .tuple(executeOperation, tagName, tagId)
    .map(([operation, name, id]) =>
      raw(operation, 'UPDATE OR REPLACE "Tag" SET "name" = $1 WHERE "id" = $2', [name, id], ['Tag']),
    ),
  fc
    .tuple(executeOperation, categoryId)
    .map(([operation, id]) =>
      raw(
        operation,
        'WITH moved AS (SELECT "id" FROM "posts" WHERE "category_id" = $1) UPDATE "posts" SET "category_id" = 1 WHERE "id" IN (SELECT "id" FROM moved)',
        [id],
        ['Post'],
      ),
    ),
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(
        operation,
        'INSERT INTO "profiles" ("bio", "user_id") SELECT \'auto\', "id" FROM "users" WHERE "id" = $1 ON CONFLICT ("user_id") DO UPDATE SET "bio" = excluded."bio"',
        [id],
        ['Profile'],
      ),
    ),
  // Strings with quotes and statement-like text: only the real statement writes.
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(
        operation,
        'UPDATE "AuditLog" SET "message" = \'it\'\'s; DELETE FROM "users"\' WHERE "id" = $1',
        [id],
        ['AuditLog'],
      ),
    ),
  fc.constant(raw('$executeRawUnsafe', 'DELETE FROM "AuditLog"', [], ['AuditLog'])),
  // Reads through the raw API: nothing may be invalidated.
  userId.map((id) => raw('$queryRawUnsafe', 'SELECT "id" FROM "users" WHERE "id" = $1', [id], [])),
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
  commentId.map((id) =>
    raw('$queryRawUnsafe', 'DELETE FROM "comments" WHERE "id" = $1 RETURNING "id"', [id], ['Comment']),
  ),
]
