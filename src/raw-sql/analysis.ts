/**
 * Which tables a raw SQL text writes, so that `$executeRaw`, `$executeRawUnsafe` and writing `$queryRaw`
 * calls can invalidate exactly the models behind those tables (G4).
 *
 * A small tokenizer that knows each dialect's strings, quoted identifiers, comments and placeholders
 * (`sql-lexer.ts`), and a statement-level analyzer over its tokens: this file splits a text into
 * statements and handles transaction control and session statements, `sql-statements.ts` the rest.
 * It is built to fail safe: whatever it cannot classify with confidence is `unknown`, and the caller
 * then invalidates everything. It never reads the catalog, so it cannot see triggers, rules or
 * functions with side effects (see `analyzeSql`).
 */

import { lex, type SqlDialect, type Token } from './lexer.ts'
import { analyzeStatement, merge, nestedStatements, READ, type SqlAnalysis, unknown } from './statements.ts'
import { type Ctx, isName, isPunct, words } from './syntax.ts'

export type { SqlDialect } from './lexer.ts'
export type { SqlAnalysis } from './statements.ts'
export type { TableRef } from './syntax.ts'

/** The words transaction-control statements may carry (isolation levels, modes, chaining). */
const TRANSACTION_WORDS = words(`
  AND CHAIN COMMITTED CONSISTENT DEFERRABLE DEFERRED EXCLUSIVE IMMEDIATE ISOLATION LEVEL NO NOT
  ONLY READ RELEASE REPEATABLE SERIALIZABLE SNAPSHOT TRANSACTION UNCOMMITTED WITH WORK WRITE
`)

/**
 * Statements that change no table rows and publish nothing: session settings, notifications, locks and
 * maintenance. MySQL's `LOCK`/`UNLOCK` are absent because they commit an open transaction.
 */
const SESSION_STATEMENTS: Record<SqlDialect, ReadonlySet<string>> = {
  postgresql: words(
    'ANALYZE ANALYSE CHECKPOINT DEALLOCATE DISCARD LISTEN LOCK NOTIFY RESET SET SHOW UNLISTEN VACUUM',
  ),
  mysql: words('ANALYZE DEALLOCATE SET SHOW USE'),
  sqlite: words('ANALYZE PRAGMA VACUUM'),
}

/**
 * What executing `sql` can do to table rows, for cache invalidation.
 *
 * - `read`: SELECT / VALUES / TABLE / SHOW / EXPLAIN without ANALYZE, `SELECT … FOR UPDATE`, transaction
 *   starts, ROLLBACK, savepoints, and session statements (SET, RESET, PRAGMA, USE, LISTEN, NOTIFY, LOCK
 *   in PostgreSQL, VACUUM, ANALYZE, DISCARD, DEALLOCATE, CHECKPOINT). None of them changes table rows.
 * - `write`: INSERT / REPLACE / UPDATE / DELETE / MERGE / TRUNCATE / COPY … FROM / LOAD DATA / REFRESH
 *   MATERIALIZED VIEW, data-modifying CTEs and `EXPLAIN ANALYZE` of those. MySQL multi-table UPDATE and
 *   DELETE report every table in their table list. Foreign-key cascades are not followed: the caller's
 *   dependency graph covers them.
 * - `unknown`: DDL, CALL, DO, EXECUTE, PREPARE, GRANT, `SELECT … INTO`, `TRUNCATE … CASCADE`, MySQL
 *   executable comments (`/*!`), unrecognised or malformed SQL. Also COMMIT (and MySQL's implicit
 *   commits: BEGIN, START TRANSACTION, LOCK/UNLOCK TABLES, SET autocommit) unless this same text began
 *   the transaction, since it may publish writes made by earlier calls.
 *
 * Multiple statements separated by `;` give the union; any `unknown` makes the whole text `unknown`.
 * Where a server setting changes how strings lex (MySQL `NO_BACKSLASH_ESCAPES`, PostgreSQL
 * `standard_conforming_strings = off`) and the text has a backslash in a plain string, both readings
 * are analysed and united.
 *
 * Not visible from SQL text, so never reported: triggers and rules, functions with side effects called
 * from a query (`SELECT f()`), and what a `SET search_path` does to later unqualified names.
 */
export function analyzeSql(sql: string, dialect: SqlDialect): SqlAnalysis {
  try {
    const primary = lex(sql, dialect, dialect === 'mysql')
    if (primary.error !== undefined) return unknown(primary.error)
    const analysis = analyzeTokens(primary.tokens, dialect)
    if (analysis.kind === 'unknown' || !primary.ambiguousBackslash) return analysis
    return merge(analysis, analyzeOtherBackslashReading(sql, dialect))
  } catch (error) {
    // Pathological input (e.g. nesting deep enough to exhaust the stack) must still fail safe.
    return unknown(`analyzer failed: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * The reading under the less common backslash setting. The server rejects a statement it cannot lex:
 * PostgreSQL parses the whole text before running any of it, MySQL runs the statements before the bad one.
 */
function analyzeOtherBackslashReading(sql: string, dialect: SqlDialect): SqlAnalysis {
  const other = lex(sql, dialect, dialect !== 'mysql')
  if (other.error === undefined) return analyzeTokens(other.tokens, dialect)
  if (dialect !== 'mysql') return READ
  let lastSemicolon = -1
  other.tokens.forEach((token, index) => {
    if (token.kind === 'punct' && token.text === ';') lastSemicolon = index
  })
  return analyzeTokens(other.tokens.slice(0, lastSemicolon + 1), dialect)
}

/** Transaction state carried from one statement of a text to the next. */
interface TextState {
  /** A transaction was begun earlier in this text, so a commit publishes only this text's own writes. */
  begunHere: boolean
}

function analyzeTokens(tokens: Token[], dialect: SqlDialect): SqlAnalysis {
  const ctx: Ctx = { dialect, tokens, close: new Int32Array(tokens.length).fill(-1) }
  const state: TextState = { begunHere: false }
  let result = READ
  let start = 0
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && !isPunct(tokens[i], ';')) continue
    if (i > start) {
      if (!matchParentheses(ctx, start, i)) return unknown('unbalanced parentheses')
      result = merge(result, analyzeTopLevel(ctx, start, i, state))
      if (result.kind === 'unknown') return result
    }
    start = i + 1
  }
  return result
}

function matchParentheses(ctx: Ctx, start: number, end: number): boolean {
  const open: number[] = []
  for (let i = start; i < end; i++) {
    if (isPunct(ctx.tokens[i], '(')) open.push(i)
    else if (isPunct(ctx.tokens[i], ')')) {
      const opener = open.pop()
      if (opener === undefined) return false
      ctx.close[opener] = i
    }
  }
  return open.length === 0
}

/** A top-level statement: transaction control and session statements here, everything else below. */
function analyzeTopLevel(ctx: Ctx, start: number, end: number, state: TextState): SqlAnalysis {
  const { dialect } = ctx
  const first = ctx.tokens[start]!.upper
  const rest = ctx.tokens.slice(start + 1, end)
  const onlyTransactionWords = rest.every((t) => TRANSACTION_WORDS.has(t.upper) || isPunct(t, ','))
  const commit = (staysOpen: boolean, what: string): SqlAnalysis => {
    const begunHere = state.begunHere
    state.begunHere = staysOpen
    return begunHere ? READ : unknown(`${what} may publish writes made before this SQL`)
  }
  const chained = () => rest.some((t) => t.upper === 'CHAIN') && !rest.some((t) => t.upper === 'NO')

  if (first === 'BEGIN' || (first === 'START' && rest[0]?.upper === 'TRANSACTION' && dialect !== 'sqlite')) {
    if (!onlyTransactionWords) return unknown(`unsupported ${first} statement`)
    // MySQL commits an open transaction before starting a new one.
    if (dialect === 'mysql') return commit(true, first)
    state.begunHere = true
    return READ
  }
  if (first === 'COMMIT' || (first === 'END' && dialect !== 'mysql')) {
    if (!onlyTransactionWords) return unknown(`unsupported ${first} statement`)
    return commit(chained(), first)
  }
  if (first === 'ROLLBACK' || (first === 'ABORT' && dialect === 'postgresql')) {
    if (!rest.some((t) => t.upper === 'TO' || t.upper === 'PREPARED')) state.begunHere = chained()
    return READ
  }
  if (first === 'SAVEPOINT' && rest.length === 1 && isName(ctx, rest[0]!)) {
    // Outside a transaction SQLite's SAVEPOINT begins one.
    if (dialect === 'sqlite') state.begunHere = true
    return READ
  }
  if (first === 'RELEASE' && isName(ctx, rest.at(-1)!) && rest.length <= 2) {
    // Releasing SQLite's outermost savepoint commits.
    return dialect === 'sqlite' ? commit(state.begunHere, 'RELEASE') : READ
  }
  if (dialect === 'mysql' && (first === 'LOCK' || first === 'UNLOCK')) return commit(false, `${first} TABLES`)
  if (dialect === 'mysql' && first === 'SET' && rest.some((t) => t.upper === 'AUTOCOMMIT')) {
    return commit(false, 'SET autocommit')
  }
  if (SESSION_STATEMENTS[dialect].has(first)) return nestedStatements(ctx, start + 1, end)
  return analyzeStatement(ctx, start, end)
}
