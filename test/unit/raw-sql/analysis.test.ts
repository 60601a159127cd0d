import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  analyzeSql,
  type SqlAnalysis,
  type SqlDialect,
  type TableRef,
} from '../../../src/raw-sql/analysis.ts'

type Expected = 'read' | 'unknown' | TableRef[]

const PG = 'postgresql'
const MY = 'mysql'
const LITE = 'sqlite'

/** An unquoted table name. */
const t = (name: string): TableRef => ({ name, quoted: false })
/** A quoted table name. */
const q = (name: string): TableRef => ({ name, quoted: true })
/** A qualified table name. */
const qual = (schema: TableRef, table: TableRef): TableRef => ({
  schema: schema.name,
  schemaQuoted: schema.quoted,
  name: table.name,
  quoted: table.quoted,
})

/** Real-world statements and what they do, as `[dialect, sql, expected]`. */
const CORPUS: readonly (readonly [SqlDialect, string, Expected])[] = [
  // PostgreSQL: Prisma's own style, @@map-ed and implicit many-to-many tables.
  [PG, 'UPDATE "users" SET "name" = $1 WHERE "id" = $2', [q('users')]],
  [PG, 'INSERT INTO "User" ("email", "name") VALUES ($1, $2) RETURNING "id"', [q('User')]],
  [PG, 'DELETE FROM "_PostToTag" WHERE "A" = $1 AND "B" = ANY($2)', [q('_PostToTag')]],
  [PG, 'INSERT INTO "_PostToTag" ("A", "B") VALUES ($1, $2) ON CONFLICT DO NOTHING', [q('_PostToTag')]],
  [
    PG,
    'UPDATE "public"."users" SET "active" = false WHERE "lastLogin" < now() - interval \'1 year\'',
    [qual(q('public'), q('users'))],
  ],
  [PG, "update public.Users set name = 'x'", [qual(t('public'), t('Users'))]],
  [PG, 'INSERT INTO mydb.app.users (id) VALUES (1)', [qual(t('app'), t('users'))]],
  [PG, 'UPDATE "User" SET "tags" = array_append("tags", $1) WHERE "id" = $2 RETURNING *', [q('User')]],
  [PG, 'DELETE FROM "Session" WHERE "expires" < now()', [q('Session')]],
  [PG, 'INSERT INTO "Tag" ("name") SELECT unnest($1::text[]) ON CONFLICT ("name") DO NOTHING', [q('Tag')]],
  [PG, "UPDATE users SET data = data || $1::jsonb WHERE data ? 'key'", [t('users')]],
  [PG, 'INSERT INTO t DEFAULT VALUES', [t('t')]],
  // PostgreSQL: UPDATE/DELETE forms.
  [PG, 'UPDATE ONLY measurements SET v = v * 2', [t('measurements')]],
  [PG, "UPDATE orders AS o SET status = 'shipped' FROM shipments s WHERE s.order_id = o.id", [t('orders')]],
  [PG, 'UPDATE t SET (a, b) = (SELECT x, y FROM s WHERE s.id = t.id)', [t('t')]],
  [PG, 'DELETE FROM orders o USING customers c WHERE o.customer_id = c.id AND c.banned', [t('orders')]],
  [PG, 'DELETE FROM ONLY (parent) WHERE x = 1', [t('parent')]],
  // PostgreSQL: upserts, INSERT … SELECT, CTEs.
  [
    PG,
    'INSERT INTO counters (key, n) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET n = counters.n + EXCLUDED.n RETURNING n',
    [t('counters')],
  ],
  [PG, 'INSERT INTO archive SELECT * FROM events WHERE created_at < $1', [t('archive')]],
  [
    PG,
    'WITH moved AS (DELETE FROM events WHERE created_at < $1 RETURNING *) INSERT INTO events_archive SELECT * FROM moved',
    [t('events'), t('events_archive')],
  ],
  [
    PG,
    'WITH RECURSIVE tree AS (SELECT id, parent_id FROM categories WHERE id = $1 UNION ALL SELECT c.id, c.parent_id FROM categories c JOIN tree t ON c.parent_id = t.id) SELECT * FROM tree',
    'read',
  ],
  [
    PG,
    'WITH a AS (SELECT 1), b AS (UPDATE stock SET qty = qty - 1 WHERE sku = $1 RETURNING sku) SELECT * FROM b',
    [t('stock')],
  ],
  [
    PG,
    'WITH t AS MATERIALIZED (SELECT * FROM big), u AS NOT MATERIALIZED (SELECT 1) SELECT count(*) FROM t, u',
    'read',
  ],
  [
    PG,
    'WITH upd AS (UPDATE a SET x = 1 RETURNING id) DELETE FROM b WHERE id IN (SELECT id FROM upd)',
    [t('a'), t('b')],
  ],
  [
    PG,
    'WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 5) SEARCH DEPTH FIRST BY n SET ord SELECT * FROM t',
    'read',
  ],
  [PG, 'WITH x AS (SELECT * FROM a) SELECT * INTO b FROM x', 'unknown'],
  [
    PG,
    'MERGE INTO inventory i USING incoming n ON i.sku = n.sku WHEN MATCHED THEN UPDATE SET qty = i.qty + n.qty WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (n.sku, n.qty)',
    [t('inventory')],
  ],
  // PostgreSQL: TRUNCATE, COPY, REFRESH.
  [PG, 'TRUNCATE TABLE "Session"', [q('Session')]],
  [PG, 'TRUNCATE ONLY a, b RESTART IDENTITY', [t('a'), t('b')]],
  [PG, 'TRUNCATE "User" CASCADE', 'unknown'],
  [PG, 'COPY measurements (ts, value) FROM STDIN WITH (FORMAT csv)', [t('measurements')]],
  [PG, 'COPY measurements TO STDOUT', 'read'],
  [PG, 'COPY (SELECT * FROM measurements) TO STDOUT', 'read'],
  [PG, 'COPY (DELETE FROM queue RETURNING *) TO STDOUT', [t('queue')]],
  [PG, 'REFRESH MATERIALIZED VIEW CONCURRENTLY "UserStats"', [q('UserStats')]],
  // PostgreSQL: reads.
  [PG, 'SELECT * FROM "users" WHERE "id" = $1', 'read'],
  [PG, 'SELECT u.*, count(p.id) FROM users u LEFT JOIN posts p ON p.author_id = u.id GROUP BY u.id', 'read'],
  [PG, 'SELECT * FROM (SELECT * FROM users) AS u WHERE u.id IN (SELECT user_id FROM posts)', 'read'],
  [PG, "SELECT * FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED", 'read'],
  [PG, 'SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE', 'read'],
  [PG, 'SELECT * FROM t WHERE x = $1 FOR UPDATE OF t NOWAIT', 'read'],
  [PG, "SELECT nextval('orders_id_seq')", 'read'],
  [PG, 'SELECT setval(pg_get_serial_sequence(\'"User"\', \'id\'), coalesce(max(id), 1)) FROM "User"', 'read'],
  [PG, 'SELECT pg_advisory_xact_lock(42)', 'read'],
  [PG, 'SELECT "update", "delete" FROM "actions"', 'read'],
  [PG, 'SELECT e.delete FROM events e', 'read'],
  [PG, "VALUES (1, 'a'), (2, 'b')", 'read'],
  [PG, 'TABLE users', 'read'],
  [PG, '(SELECT 1) UNION (SELECT 2)', 'read'],
  [PG, 'SELECT * INTO backup_users FROM users', 'unknown'],
  // PostgreSQL: comments, strings, dollar quoting.
  [PG, '-- DELETE FROM users\nSELECT 1', 'read'],
  [PG, 'SELECT 1 /* ; DELETE FROM users; */', 'read'],
  [PG, '/* outer /* nested; DELETE FROM x */ still comment; DROP TABLE y */ SELECT 1', 'read'],
  [PG, "SELECT 'it''s; DELETE FROM users' AS s", 'read'],
  [PG, "SELECT E'it\\'s; DROP TABLE users' AS s", 'read'],
  [PG, 'SELECT $$ ; DELETE FROM users; $$ AS s', 'read'],
  [PG, "SELECT $body$ it's $$ nested $$ ; DELETE FROM x $body$", 'read'],
  [PG, 'SELECT 1 -- trailing ; DELETE FROM users', 'read'],
  [PG, "INSERT INTO t (a) VALUES ('x') -- ; DROP TABLE t", [t('t')]],
  [
    PG,
    'INSERT INTO "Post" ("title") VALUES (\'a;b\'); INSERT INTO "_PostToTag" ("A", "B") VALUES (currval(\'"Post_id_seq"\'), $1)',
    [q('Post'), q('_PostToTag')],
  ],
  // With standard_conforming_strings = off the backslash escapes the quote and the DELETE is in the string.
  [PG, "SELECT 'a\\'; DELETE FROM users; --'", [t('users')]],
  // PostgreSQL: EXPLAIN.
  [PG, 'EXPLAIN SELECT * FROM users', 'read'],
  [PG, 'EXPLAIN DELETE FROM users', 'read'],
  [PG, 'EXPLAIN ANALYZE DELETE FROM users WHERE id = 1', [t('users')]],
  [PG, "EXPLAIN (ANALYZE, BUFFERS) UPDATE users SET name = 'x'", [t('users')]],
  // PostgreSQL: transactions and session statements.
  [
    PG,
    'BEGIN; UPDATE accounts SET balance = balance - 100 WHERE id = 1; UPDATE accounts SET balance = balance + 100 WHERE id = 2; COMMIT;',
    [t('accounts')],
  ],
  [PG, 'BEGIN ISOLATION LEVEL SERIALIZABLE, READ WRITE', 'read'],
  [PG, 'START TRANSACTION READ ONLY', 'read'],
  [PG, 'COMMIT', 'unknown'],
  [PG, 'END', 'unknown'],
  [PG, "COMMIT PREPARED 'tx1'", 'unknown'],
  [PG, 'ROLLBACK', 'read'],
  [PG, 'ABORT', 'read'],
  [PG, 'SAVEPOINT sp; DELETE FROM a; ROLLBACK TO SAVEPOINT sp', [t('a')]],
  [PG, 'SET search_path TO app, public', 'read'],
  [PG, "SET LOCAL statement_timeout = '5s'; SELECT * FROM reports", 'read'],
  [PG, 'LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE', 'read'],
  [PG, 'VACUUM (VERBOSE, ANALYZE) users', 'read'],
  [PG, "LISTEN jobs; NOTIFY jobs, 'payload'", 'read'],
  [PG, 'SHOW search_path', 'read'],
  // PostgreSQL: must fall back to unknown.
  [PG, 'DO $$ BEGIN DELETE FROM users; END $$', 'unknown'],
  [PG, 'CREATE TABLE t (id int)', 'unknown'],
  [PG, 'ALTER TABLE "User" ADD COLUMN "age" int', 'unknown'],
  [PG, 'DROP TABLE users', 'unknown'],
  [PG, 'CALL refresh_stats()', 'unknown'],
  [PG, 'CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM t; END', 'unknown'],
  [PG, 'PREPARE q AS DELETE FROM users', 'unknown'],
  [PG, 'EXECUTE q', 'unknown'],
  [PG, 'GRANT SELECT ON users TO app', 'unknown'],
  [PG, "LOAD 'auto_explain'", 'unknown'],
  [PG, 'SELECT 1; DROP TABLE x', 'unknown'],
  [PG, "SELECT 'unterminated", 'unknown'],
  [PG, 'SELECT 1 /* unterminated', 'unknown'],
  [PG, 'SELECT 1 /* nested /* only one closed */', 'unknown'],
  [PG, 'SELECT $$unterminated', 'unknown'],
  [PG, 'SELECT "unterminated', 'unknown'],
  [PG, 'SELEC * FROM users', 'unknown'],
  [PG, 'UPDATE SET x = 1', 'unknown'],
  [PG, 'DELETE users WHERE id = 1', 'unknown'],
  [PG, 'SELECT (1', 'unknown'],
  [PG, ')))', 'unknown'],
  [PG, "'just a string'", 'unknown'],
  [PG, 'REPLACE INTO t VALUES (1)', 'unknown'],
  // PostgreSQL: nothing to run.
  [PG, '', 'read'],
  [PG, '-- only a comment', 'read'],
  [PG, ' ;; ', 'read'],

  // MySQL: Prisma's style and join tables.
  [MY, 'UPDATE `users` SET `name` = ? WHERE `id` = ?', [q('users')]],
  [MY, 'INSERT INTO `User` (`email`) VALUES (?)', [q('User')]],
  [MY, 'INSERT IGNORE INTO `_PostToTag` (`A`, `B`) VALUES (?, ?)', [q('_PostToTag')]],
  [MY, 'UPDATE `Post` SET `views` = `views` + 1 WHERE `id` = ?', [q('Post')]],
  [MY, 'INSERT INTO `Post` (`title`) SELECT `title` FROM `Draft` WHERE `id` = ?', [q('Post')]],
  [MY, 'DELETE FROM `shop`.`orders` WHERE `id` = ?', [qual(q('shop'), q('orders'))]],
  // MySQL: INSERT and REPLACE forms.
  [MY, 'INSERT INTO counters (k, n) VALUES (?, 1) ON DUPLICATE KEY UPDATE n = n + 1', [t('counters')]],
  [
    MY,
    'INSERT INTO counters (k, n) VALUES (?, 1) AS new ON DUPLICATE KEY UPDATE n = counters.n + new.n',
    [t('counters')],
  ],
  [MY, "REPLACE INTO settings (k, v) VALUES ('a', 'b')", [t('settings')]],
  [MY, "INSERT LOW_PRIORITY IGNORE INTO logs SET msg = 'x'", [t('logs')]],
  [MY, "INSERT logs (msg) VALUES ('no into')", [t('logs')]],
  [MY, 'INSERT INTO t VALUES (1); SELECT LAST_INSERT_ID()', [t('t')]],
  // MySQL: multi-table UPDATE and DELETE report the whole table list.
  [MY, 'UPDATE t1 JOIN t2 ON t1.id = t2.t1_id SET t1.x = t2.y WHERE t2.z = ?', [t('t1'), t('t2')]],
  [
    MY,
    'UPDATE items, month SET items.price = month.price WHERE items.id = month.id',
    [t('items'), t('month')],
  ],
  [
    MY,
    'UPDATE LOW_PRIORITY IGNORE `shop`.`orders` o INNER JOIN customers c ON c.id = o.cid SET o.vip = 1',
    [qual(q('shop'), q('orders')), t('customers')],
  ],
  [MY, 'UPDATE a FORCE INDEX FOR JOIN (idx) JOIN (b, c) ON a.x = b.x SET a.y = 1', [t('a'), t('b'), t('c')]],
  [MY, 'UPDATE t SET x = (SELECT max(y) FROM (SELECT y FROM t) AS d)', [t('t')]],
  [MY, 'DELETE t1, t2 FROM t1 INNER JOIN t2 ON t1.id = t2.id WHERE t1.a = ?', [t('t1'), t('t2')]],
  [
    MY,
    'DELETE FROM t1 USING t1 JOIN t2 ON t1.id = t2.id JOIN t3 ON t3.id = t2.id',
    [t('t1'), t('t2'), t('t3')],
  ],
  [
    MY,
    'DELETE a FROM orders AS a LEFT JOIN customers AS b ON a.cid = b.id WHERE b.id IS NULL',
    [t('orders'), t('customers')],
  ],
  [MY, 'DELETE QUICK FROM sessions WHERE expires < NOW() ORDER BY expires LIMIT 1000', [t('sessions')]],
  [MY, 'DELETE FROM mydb.sessions PARTITION (p0) WHERE id = 1', [qual(t('mydb'), t('sessions'))]],
  [MY, 'TRUNCATE TABLE `audit_log`', [q('audit_log')]],
  [
    MY,
    "LOAD DATA LOCAL INFILE '/tmp/x.csv' REPLACE INTO TABLE imports FIELDS TERMINATED BY ','",
    [t('imports')],
  ],
  [
    MY,
    'WITH recent AS (SELECT id FROM posts WHERE created > ?) UPDATE posts SET hot = 1 WHERE id IN (SELECT id FROM recent)',
    [t('posts')],
  ],
  // MySQL: double quotes are strings, or identifiers under ANSI_QUOTES.
  [MY, 'SELECT * FROM `order` WHERE `status` = "paid; DELETE FROM x"', 'read'],
  [MY, 'UPDATE "users" SET name = \'x\'', [q('users')]],
  // MySQL: comments.
  [MY, '# DELETE FROM users\nSELECT 1', 'read'],
  [MY, 'SELECT 1 -- DELETE FROM users', 'read'],
  [MY, 'SELECT 1--1; DELETE FROM users', [t('users')]],
  [MY, "DELETE FROM `users` WHERE `email` = 'a@b.c' # ; TRUNCATE users", [q('users')]],
  [MY, 'SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM users', 'read'],
  [MY, '/* /* */ DELETE FROM users', [t('users')]],
  [MY, '/*!40101 SET NAMES utf8mb4 */', 'unknown'],
  [MY, 'SELECT /*M!100108 1, */ 2', 'unknown'],
  // MySQL: backslash escapes, and the NO_BACKSLASH_ESCAPES reading.
  [MY, "SELECT * FROM users WHERE name = 'O\\'Reilly'", 'read'],
  [MY, "SELECT * FROM users WHERE name = 'a\\'; DELETE FROM users; -- '", [t('users')]],
  [MY, "UPDATE users SET bio = 'line1\\nline2 \\\\' WHERE id = 1", [t('users')]],
  // MySQL: reads.
  [MY, 'SELECT * FROM users FOR UPDATE', 'read'],
  [MY, 'SELECT * FROM users LOCK IN SHARE MODE', 'read'],
  [MY, 'SELECT id INTO @uid FROM users WHERE email = ?', 'read'],
  [MY, "SELECT * FROM users INTO OUTFILE '/tmp/u.csv'", 'read'],
  [MY, "SELECT INSERT('Quadratic', 3, 4, 'What')", 'read'],
  [MY, "SELECT REPLACE(name, 'a', 'b') FROM users", 'read'],
  [MY, 'SHOW TABLES', 'read'],
  [MY, 'DESCRIBE users', 'read'],
  [MY, 'EXPLAIN FORMAT=JSON DELETE FROM users', 'read'],
  [MY, 'EXPLAIN ANALYZE SELECT * FROM users', 'read'],
  [MY, 'USE shop', 'read'],
  [MY, 'SET NAMES utf8mb4', 'read'],
  [MY, 'SET @x = (SELECT COUNT(*) FROM users)', 'read'],
  // MySQL: implicit commits and other unknowns.
  [MY, 'START TRANSACTION; UPDATE accounts SET balance = balance - 10 WHERE id = 1; COMMIT', 'unknown'],
  [MY, 'SET autocommit = 1', 'unknown'],
  [MY, 'LOCK TABLES users WRITE; UPDATE users SET a = 1; UNLOCK TABLES', 'unknown'],
  [MY, 'BEGIN NOT ATOMIC INSERT INTO t VALUES (1); END', 'unknown'],
  [MY, 'CALL add_user(?)', 'unknown'],
  [MY, 'CREATE TABLE t (id INT)', 'unknown'],
  [MY, 'DROP TABLE IF EXISTS t', 'unknown'],
  [MY, 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'unknown'],
  [MY, "SELECT 'unterminated", 'unknown'],
  [MY, 'SELECT "unterminated', 'unknown'],
  [MY, 'SELECT 1 /* unterminated', 'unknown'],

  // SQLite: Prisma's style, conflict clauses and placeholders.
  [LITE, 'UPDATE "users" SET "name" = ? WHERE "id" = ?', [q('users')]],
  [LITE, 'INSERT INTO "User" ("email") VALUES (?) RETURNING "id"', [q('User')]],
  [LITE, 'INSERT OR IGNORE INTO "_PostToTag" ("A", "B") VALUES (?1, ?2)', [q('_PostToTag')]],
  [LITE, 'INSERT OR REPLACE INTO [settings] (k, v) VALUES (:k, :v)', [q('settings')]],
  [LITE, 'REPLACE INTO settings (k, v) VALUES (@k, $v)', [t('settings')]],
  [LITE, 'UPDATE OR ROLLBACK main.users SET n = n + 1', [qual(t('main'), t('users'))]],
  [LITE, 'UPDATE users AS u SET name = t.name FROM tmp AS t WHERE t.id = u.id', [t('users')]],
  [LITE, 'UPDATE users INDEXED BY users_email SET active = 0', [t('users')]],
  [LITE, 'DELETE FROM "Session" WHERE "expiresAt" < ?', [q('Session')]],
  [LITE, 'DELETE FROM `cache` NOT INDEXED WHERE k = ?', [q('cache')]],
  [LITE, "DELETE FROM 'legacy_table' WHERE 1", [q('legacy_table')]],
  [LITE, 'INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v', [t('kv')]],
  [LITE, 'INSERT INTO t DEFAULT VALUES', [t('t')]],
  [
    LITE,
    'WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 10) SELECT x FROM cnt',
    'read',
  ],
  [
    LITE,
    'WITH old AS (SELECT id FROM logs ORDER BY id LIMIT 100) DELETE FROM logs WHERE id IN (SELECT id FROM old)',
    [t('logs')],
  ],
  [LITE, "SELECT * FROM t WHERE a = 'x'';DELETE FROM t;--'", 'read'],
  [
    LITE,
    "INSERT INTO \"Post\" (\"title\") VALUES ('It''s -- not a comment'), ('/* nor this */')",
    [q('Post')],
  ],
  [LITE, 'SELECT [order].id FROM [order]', 'read'],
  [LITE, 'SELECT ?; SELECT :name; SELECT @p, $q', 'read'],
  [LITE, 'DELETE FROM t /* c */ WHERE id = ?', [t('t')]],
  [LITE, '/* a /* b */ DELETE FROM t', [t('t')]],
  // A lone carriage return ends a comment here, which reveals (never hides) SQL: conservative.
  [LITE, 'SELECT * FROM t -- c\r; DELETE FROM u', [t('u')]],
  [LITE, 'EXPLAIN QUERY PLAN DELETE FROM users', 'read'],
  // SQLite: transactions and session statements.
  [LITE, 'BEGIN IMMEDIATE; UPDATE a SET x = 1; COMMIT', [t('a')]],
  [LITE, 'BEGIN; DELETE FROM a; END TRANSACTION', [t('a')]],
  [LITE, 'SAVEPOINT sp1; INSERT INTO a VALUES (1); RELEASE sp1', [t('a')]],
  [LITE, 'RELEASE SAVEPOINT sp1', 'unknown'],
  [LITE, 'PRAGMA foreign_keys = ON', 'read'],
  [LITE, 'PRAGMA table_info("User")', 'read'],
  [LITE, 'VACUUM', 'read'],
  [LITE, 'ANALYZE', 'read'],
  // SQLite: must fall back to unknown.
  [LITE, 'CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; END', 'unknown'],
  [LITE, "ATTACH DATABASE 'x.db' AS x", 'unknown'],
  [LITE, 'DROP TABLE IF EXISTS tmp', 'unknown'],
  [LITE, 'SELECT 1 /* unterminated', 'unknown'],
  [LITE, 'SELECT [unterminated', 'unknown'],
  [LITE, 'TRUNCATE t CASCADE', 'unknown'],
]

/** A comparable form: 'read', 'unknown', or the written tables sorted. */
function normalize(result: SqlAnalysis | Expected): 'read' | 'unknown' | TableRef[] {
  if (Array.isArray(result)) return sortTables(result)
  if (typeof result === 'string') return result
  if (result.kind === 'unknown') {
    expect(result.reason.length).toBeGreaterThan(0)
    return 'unknown'
  }
  return result.kind === 'read' ? 'read' : sortTables(result.tables)
}

function sortTables(tables: TableRef[]): TableRef[] {
  const key = (table: TableRef) => JSON.stringify([table.schema, table.name, table.quoted])
  return [...tables].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

/** Texts whose meaning an appended or embedded fragment may legitimately change. */
function isFragile(dialect: SqlDialect, sql: string): boolean {
  const result = analyzeSql(sql, dialect)
  // An unterminated literal or comment swallows what follows; a backslash lexes per server setting.
  return (result.kind === 'unknown' && result.reason.includes('unterminated')) || sql.includes('\\')
}

const STABLE_CORPUS = CORPUS.filter(([dialect, sql]) => !isFragile(dialect, sql))

/** Fragments that break naive tokenizers, mixed into arbitrary text. */
const NASTY = [
  "'",
  "''",
  '"',
  '`',
  '[',
  ']',
  '\\',
  '\\\\',
  ';',
  '--',
  '-- ',
  '#',
  '/*',
  '*/',
  '/*!',
  '$$',
  '$q$',
  '$1',
  '?',
  ':name',
  "E'",
  '\n',
  '\r',
  ' DELETE FROM x ',
  ' ; DROP TABLE y; ',
  'UPDATE',
  ')',
  '(',
]

const arbitraryText = fc
  .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 12 })
  .map((parts) => parts.join(''))

describe('analyzeSql', () => {
  it('has a corpus of at least 80 statements across the three dialects', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(80)
    for (const dialect of [PG, MY, LITE]) {
      expect(CORPUS.filter(([d]) => d === dialect).length).toBeGreaterThanOrEqual(20)
    }
  })

  it.each(CORPUS)('%s: %s', (dialect, sql, expected) => {
    expect(normalize(analyzeSql(sql, dialect))).toEqual(normalize(expected))
  })

  it('keeps names exactly as written and unescapes quoted ones', () => {
    expect(analyzeSql('UPDATE "My""Table" SET a = 1', PG)).toEqual({
      kind: 'write',
      tables: [{ name: 'My"Table', quoted: true }],
    })
    expect(analyzeSql('DELETE FROM `we``ird`.`t` WHERE 1', MY)).toEqual({
      kind: 'write',
      tables: [{ schema: 'we`ird', schemaQuoted: true, name: 't', quoted: true }],
    })
    expect(analyzeSql('INSERT INTO MixedCase VALUES (1)', LITE)).toEqual({
      kind: 'write',
      tables: [{ name: 'MixedCase', quoted: false }],
    })
  })

  it('deduplicates written tables and keeps their order of appearance', () => {
    const sql = 'INSERT INTO b VALUES (1); UPDATE a SET x = 1; DELETE FROM b; UPDATE "a" SET x = 2'
    expect(analyzeSql(sql, PG)).toEqual({
      kind: 'write',
      tables: [t('b'), t('a'), q('a')],
    })
  })

  it('does not change its answer when a line comment is appended', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STABLE_CORPUS),
        arbitraryText.map((s) => s.replace(/[\r\n]/g, ' ')),
        ([dialect, sql], text) => {
          const appended = analyzeSql(`${sql}\n-- ${text}`, dialect)
          expect(normalize(appended)).toEqual(normalize(analyzeSql(sql, dialect)))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('does not change its answer when wrapped in block comments', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STABLE_CORPUS),
        arbitraryText.filter((s) => !s.includes('/*') && !s.includes('*/')),
        ([dialect, sql], text) => {
          const wrapped = analyzeSql(`/* ${text} */ ${sql}\n/* ${text} */`, dialect)
          expect(normalize(wrapped)).toEqual(normalize(analyzeSql(sql, dialect)))
        },
      ),
      { numRuns: 500 },
    )
  })

  /** Statements with a string literal at `@@`, and how to escape text for that literal. */
  const STRING_TEMPLATES: readonly (readonly [SqlDialect, string, (text: string) => string])[] = [
    [PG, "SELECT * FROM users WHERE name = '@@'", (s) => s.replaceAll('\\', '').replaceAll("'", "''")],
    [
      PG,
      "UPDATE users SET bio = E'@@' WHERE id = $1",
      (s) => s.replaceAll('\\', '\\\\').replaceAll("'", "\\'"),
    ],
    [PG, 'INSERT INTO "Post" ("body") VALUES ($q$@@$q$)', (s) => s.replaceAll('$q', '')],
    [PG, "WITH x AS (SELECT '@@' AS v) SELECT * FROM x", (s) => s.replaceAll('\\', '').replaceAll("'", "''")],
    [MY, "SELECT * FROM users WHERE name = '@@'", (s) => s.replaceAll('\\', '\\\\').replaceAll("'", "''")],
    [
      MY,
      'UPDATE `users` SET `bio` = "@@" WHERE `id` = ?',
      (s) => s.replaceAll('\\', '\\\\').replaceAll('"', '""'),
    ],
    [
      MY,
      "DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id WHERE t2.k = '@@'",
      (s) => s.replaceAll('\\', '\\\\').replaceAll("'", "''"),
    ],
    [LITE, "SELECT * FROM users WHERE name = '@@'", (s) => s.replaceAll("'", "''")],
    [LITE, "INSERT OR REPLACE INTO kv (k, v) VALUES ('@@', ?)", (s) => s.replaceAll("'", "''")],
  ]

  it('never lets text inside a string literal change the answer', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STRING_TEMPLATES),
        arbitraryText,
        ([dialect, template, escapeText], text) => {
          const baseline = analyzeSql(template.replace('@@', ''), dialect)
          expect(baseline.kind).not.toBe('unknown')
          const embedded = analyzeSql(
            template.replace('@@', () => escapeText(text)),
            dialect,
          )
          expect(normalize(embedded)).toEqual(normalize(baseline))
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('answers statements joined with semicolons with the union of their answers', () => {
    // The separator starts on its own line so that a trailing line comment cannot swallow it.
    const plain = STABLE_CORPUS.filter(
      ([, sql]) =>
        !/\b(BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|LOCK|UNLOCK|autocommit)\b/i.test(sql),
    )
    const dialect = fc.constantFrom(PG, MY, LITE)
    const batch = dialect.chain((d) =>
      fc.tuple(
        fc.constant(d),
        fc.array(fc.constantFrom(...plain.filter(([x]) => x === d)), { minLength: 1, maxLength: 4 }),
      ),
    )
    fc.assert(
      fc.property(batch, ([d, entries]) => {
        const parts = entries.map(([, sql]) => analyzeSql(sql, d))
        const joined = analyzeSql(entries.map(([, sql]) => sql).join('\n;\n'), d)
        if (parts.some((p) => p.kind === 'unknown')) {
          expect(joined.kind).toBe('unknown')
          return
        }
        const tables = parts.flatMap((p) => (p.kind === 'write' ? p.tables : []))
        const unique = [...new Map(tables.map((x) => [JSON.stringify(x), x])).values()]
        expect(normalize(joined)).toEqual(unique.length === 0 ? 'read' : sortTables(unique))
      }),
      { numRuns: 500 },
    )
  })

  it('never throws and always returns a well-formed answer', () => {
    fc.assert(
      fc.property(fc.constantFrom(PG, MY, LITE), arbitraryText, (dialect, sql) => {
        const result = analyzeSql(sql, dialect)
        if (result.kind === 'write') expect(result.tables.length).toBeGreaterThan(0)
        else if (result.kind === 'unknown') expect(result.reason).toEqual(expect.any(String))
        else expect(result).toEqual({ kind: 'read' })
      }),
      { numRuns: 2000 },
    )
  })

  it('fails safe on nesting deep enough to exhaust the stack', () => {
    const deep = `${'('.repeat(100_000)}SELECT 1${')'.repeat(100_000)}`
    expect(['read', 'unknown']).toContain(analyzeSql(deep, PG).kind)
  })
})
