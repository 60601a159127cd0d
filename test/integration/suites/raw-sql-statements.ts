/**
 * Raw statements of each SQL dialect, as an application would write them, with the models whose cached reads
 * each one must invalidate: the dialect-specific half of the raw SQL suite (`raw-sql.ts`). `$1`, `$2`…
 * stand for the parameters (see `positional` in `../dialect.ts`).
 */
import type { ProviderFeatures } from '../../setup/providers.ts'

/** Models the raw SQL suite reads, each through a cached `findMany` ordered by its key. */
export const READ_MODELS = ['User', 'Post', 'Tag', 'Country', 'Comment', 'Team', 'AuditLog'] as const

export type ReadModel = (typeof READ_MODELS)[number]

/** One raw statement and what it must invalidate. */
export interface DialectStatement {
  /** The SQL, with `$n` placeholders. */
  sql: string
  params?: readonly unknown[]
  /** `$queryRawUnsafe` for statements that return rows (RETURNING), else `$executeRawUnsafe`. */
  via?: '$queryRawUnsafe'
  /** Models whose cached reads must be misses afterwards (and equal the database). */
  writes: readonly ReadModel[]
  /** A model the statement cannot affect: its cached read must stay a hit. */
  unrelated: ReadModel
}

/** Rows every statement starts from (besides the suite's seed): see `seedStatementRows` in `raw-sql.ts`. */
export const SEEDED = { email: 'raw@x.io', title: 'p', tag: 'news', country: 'PT', team: 'red' } as const

const POSTGRESQL: readonly DialectStatement[] = [
  {
    sql: 'INSERT INTO "Tag" ("name") VALUES ($1) ON CONFLICT ("name") DO UPDATE SET "name" = EXCLUDED."name" || \'!\'',
    params: ['news'],
    writes: ['Tag'],
    unrelated: 'Country',
  },
  {
    sql: 'UPDATE "posts" AS p SET "views" = p."views" + 1 FROM "users" AS u WHERE u."id" = p."author_id" AND u."email" = $1',
    params: [SEEDED.email],
    writes: ['Post'],
    unrelated: 'Tag',
  },
  {
    sql: 'DELETE FROM "comments" AS c USING "posts" AS p WHERE p."id" = c."post_id" AND p."title" = $1',
    params: [SEEDED.title],
    writes: ['Comment'],
    unrelated: 'Country',
  },
  {
    sql: 'MERGE INTO "Country" AS c USING (SELECT $1::text AS code) AS s ON c."code" = s.code WHEN MATCHED THEN UPDATE SET "name" = \'merged\'',
    params: [SEEDED.country],
    writes: ['Country'],
    unrelated: 'Tag',
  },
  {
    sql: 'UPDATE "users" SET "name" = $1 WHERE "email" = $2 RETURNING "id", "name"',
    params: ['returned', SEEDED.email],
    via: '$queryRawUnsafe',
    writes: ['User'],
    unrelated: 'Country',
  },
  {
    sql: 'UPDATE "Team" SET "name" = $q$it\'s "users"$q$ WHERE "name" = $1 -- not "Tag"',
    params: [SEEDED.team],
    writes: ['Team'],
    unrelated: 'Tag',
  },
  { sql: 'TRUNCATE "AuditLog"', writes: ['AuditLog'], unrelated: 'Tag' },
]

const MYSQL: readonly DialectStatement[] = [
  {
    sql: "INSERT INTO `Tag` (`name`) VALUES ($1) ON DUPLICATE KEY UPDATE `name` = CONCAT(VALUES(`name`), '!')",
    params: ['news'],
    writes: ['Tag'],
    unrelated: 'Country',
  },
  {
    sql: "REPLACE INTO `Country` (`code`, `name`) VALUES ($1, 'replaced')",
    params: [SEEDED.country],
    writes: ['Country'],
    unrelated: 'Tag',
  },
  {
    sql: 'INSERT IGNORE INTO `Tag` (`name`) VALUES ($1), ($2)',
    params: ['news', 'ignored'],
    writes: ['Tag'],
    unrelated: 'Country',
  },
  {
    sql: 'UPDATE `posts` AS p JOIN `users` AS u ON u.`id` = p.`author_id` SET p.`views` = p.`views` + 1 WHERE u.`email` = $1',
    params: [SEEDED.email],
    writes: ['Post'],
    unrelated: 'Tag',
  },
  {
    sql: 'DELETE c FROM `comments` AS c JOIN `posts` AS p ON p.`id` = c.`post_id` WHERE p.`title` = $1',
    params: [SEEDED.title],
    writes: ['Comment'],
    unrelated: 'Country',
  },
  {
    // RETURNING: MariaDB has it on INSERT, REPLACE and DELETE (MySQL has none).
    sql: 'INSERT INTO `AuditLog` (`message`) VALUES ($1) RETURNING `id`, `message`',
    params: ['returned'],
    via: '$queryRawUnsafe',
    writes: ['AuditLog'],
    unrelated: 'Tag',
  },
  {
    sql: 'DELETE FROM `Tag` WHERE `name` = $1 RETURNING `id`',
    params: ['news'],
    via: '$queryRawUnsafe',
    writes: ['Tag'],
    unrelated: 'Country',
  },
  {
    sql: "UPDATE `Team` SET `name` = 'it''s \\' `users`' WHERE `name` = $1 # not `Tag`",
    params: [SEEDED.team],
    writes: ['Team'],
    unrelated: 'Tag',
  },
  { sql: 'TRUNCATE TABLE `AuditLog`', writes: ['AuditLog'], unrelated: 'Tag' },
]

const SQLITE: readonly DialectStatement[] = [
  {
    sql: 'INSERT OR REPLACE INTO "Country" ("code", "name") VALUES ($1, \'replaced\')',
    params: [SEEDED.country],
    writes: ['Country'],
    unrelated: 'Tag',
  },
  {
    sql: 'REPLACE INTO "Country" ("code", "name") VALUES ($1, \'replaced again\')',
    params: [SEEDED.country],
    writes: ['Country'],
    unrelated: 'Tag',
  },
  {
    sql: 'INSERT OR IGNORE INTO "Tag" ("name") VALUES ($1), ($2)',
    params: ['news', 'ignored'],
    writes: ['Tag'],
    unrelated: 'Country',
  },
  {
    sql: 'INSERT INTO "Tag" ("name") VALUES ($1) ON CONFLICT ("name") DO UPDATE SET "name" = excluded."name" || \'!\'',
    params: ['news'],
    writes: ['Tag'],
    unrelated: 'Country',
  },
  {
    sql: 'UPDATE "posts" SET "views" = "views" + 1 FROM "users" AS u WHERE u."id" = "posts"."author_id" AND u."email" = $1',
    params: [SEEDED.email],
    writes: ['Post'],
    unrelated: 'Tag',
  },
  {
    sql: 'UPDATE "users" SET "name" = $1 WHERE "email" = $2 RETURNING "id", "name"',
    params: ['returned', SEEDED.email],
    via: '$queryRawUnsafe',
    writes: ['User'],
    unrelated: 'Country',
  },
  {
    sql: 'DELETE FROM [comments] WHERE [post_id] IN (SELECT "id" FROM `posts` WHERE "title" = $1)',
    params: [SEEDED.title],
    writes: ['Comment'],
    unrelated: 'Country',
  },
  {
    sql: 'UPDATE OR IGNORE "Team" SET "name" = \'it\'\'s "users"\' WHERE "name" = $1 -- not "Tag"',
    params: [SEEDED.team],
    writes: ['Team'],
    unrelated: 'Tag',
  },
  { sql: 'DELETE FROM "AuditLog"', writes: ['AuditLog'], unrelated: 'Tag' },
]

/** The statements of a provider's dialect. */
export function dialectStatements(features: ProviderFeatures): readonly DialectStatement[] {
  return { postgresql: POSTGRESQL, mysql: MYSQL, sqlite: SQLITE }[features.dialect]
}
