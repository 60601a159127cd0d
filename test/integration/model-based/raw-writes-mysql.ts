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

const raw = rawStatement('mysql')

/**
 * Raw writes in MySQL/MariaDB: backticks and bare names, aliases and multi-table UPDATE/DELETE, the implicit
 * m2m table, INSERT IGNORE, ON DUPLICATE KEY UPDATE, REPLACE (a delete and an insert, so it cascades),
 * INSERT … SET, `#` comments, MariaDB's DELETE … RETURNING through `$queryRawUnsafe`, cascades (SetNull,
 * Cascade, and Restrict where PostgreSQL has SetDefault) and a key update (ON UPDATE CASCADE).
 */
export const MYSQL_RAW_WRITES: fc.Arbitrary<Write>[] = [
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) => raw(operation, 'DELETE FROM `users` WHERE `id` = $1', [id], ['User'])),
  fc
    .tuple(executeOperation, userName, userId)
    .map(([operation, name, id]) =>
      raw(operation, 'UPDATE `users` SET `name` = $1 WHERE `id` = $2', [name, id], ['User']),
    ),
  fc
    .tuple(executeOperation, countryCode, countryCode)
    .map(([operation, to, from]) =>
      raw(operation, 'UPDATE `Country` SET `code` = $1 WHERE `code` = $2', [to, from], ['Country']),
    ),
  fc
    .tuple(executeOperation, postId)
    .map(([operation, id]) => raw(operation, 'DELETE FROM `posts` WHERE `id` = $1', [id], ['Post'])),
  fc
    .tuple(executeOperation, categoryId)
    .map(([operation, id]) =>
      raw(operation, 'DELETE FROM `Category` WHERE `id` = $1 AND `id` <> 1', [id], ['Category']),
    ),
  fc
    .tuple(executeOperation, postId, tagId)
    .map(([operation, post, tag]) =>
      raw(
        operation,
        'INSERT IGNORE INTO `_PostToTag` (`A`, `B`) VALUES ($1, $2)',
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
        'UPDATE memberships AS m JOIN `Team` AS t ON t.id = m.team_id SET m.role = $1 WHERE t.name = $2',
        [role, team],
        ['Membership'],
      ),
    ),
  fc
    .tuple(executeOperation, tagName)
    .map(([operation, name]) =>
      raw(
        operation,
        'INSERT INTO `Tag` (`name`) VALUES ($1) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)',
        [name],
        ['Tag'],
      ),
    ),
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(operation, 'UPDATE `posts` SET `views` = `views` + 1 WHERE `author_id` = $1', [id], ['Post']),
    ),
  fc
    .tuple(executeOperation, postId)
    .map(([operation, id]) =>
      raw(
        operation,
        'INSERT INTO `AuditLog` (`message`) SELECT `title` FROM `posts` WHERE `id` = $1',
        [id],
        ['AuditLog'],
      ),
    ),
  fc
    .tuple(executeOperation, teamName, teamId)
    .map(([operation, name, id]) =>
      raw(
        operation,
        '/* not `users` */ UPDATE `Team` SET `name` = $1 WHERE `id` = $2 # nor posts',
        [name, id],
        ['Team'],
      ),
    ),
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(operation, 'UPDATE `users` SET `active` = NOT `active` WHERE `id` = $1', [id], ['User']),
    ),
  fc
    .tuple(executeOperation, postId)
    .map(([operation, id]) =>
      raw(
        operation,
        'DELETE c FROM `comments` AS c JOIN `posts` AS p ON c.`post_id` = p.`id` WHERE NOT p.`published` AND p.`id` = $1',
        [id],
        ['Comment'],
      ),
    ),
  // REPLACE deletes the row a new one conflicts with: its join-table rows cascade away.
  fc
    .tuple(executeOperation, tagName)
    .map(([operation, name]) => raw(operation, 'REPLACE INTO `Tag` (`name`) VALUES ($1)', [name], ['Tag'])),
  fc
    .tuple(executeOperation, categoryId)
    .map(([operation, id]) =>
      raw(
        operation,
        'DELETE FROM `Category` WHERE `id` = $1 AND `id` <> 1 AND NOT EXISTS (SELECT 1 FROM `posts` WHERE `category_id` = $1)',
        [id],
        ['Category'],
      ),
    ),
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(
        operation,
        "INSERT INTO `profiles` (`bio`, `user_id`) SELECT 'auto', `id` FROM `users` WHERE `id` = $1 ON DUPLICATE KEY UPDATE `bio` = VALUES(`bio`)",
        [id],
        ['Profile'],
      ),
    ),
  fc
    .tuple(executeOperation, teamName)
    .map(([operation, name]) => raw(operation, 'INSERT INTO `Team` SET `name` = $1', [name], ['Team'])),
  // Strings with quotes, backslashes and statement-like text: only the real statement writes.
  fc
    .tuple(executeOperation, userId)
    .map(([operation, id]) =>
      raw(
        operation,
        "UPDATE `AuditLog` SET `message` = 'it''s \\'; DELETE FROM `users`' WHERE `id` = $1",
        [id],
        ['AuditLog'],
      ),
    ),
  fc.constant(raw('$executeRawUnsafe', 'TRUNCATE TABLE `AuditLog`', [], ['AuditLog'])),
  // Reads through the raw API: nothing may be invalidated.
  userId.map((id) => raw('$queryRawUnsafe', 'SELECT `id` FROM `users` WHERE `id` = $1 FOR UPDATE', [id], [])),
  tagId.map((id) =>
    raw('$queryRawUnsafe', 'DELETE FROM `Tag` WHERE `id` = $1 RETURNING `id`, `name`', [id], ['Tag']),
  ),
]
