/**
 * Which tables a raw SQL text writes, so that `$executeRaw`, `$executeRawUnsafe` and writing `$queryRaw`
 * calls can invalidate exactly the models behind those tables (G4).
 *
 * A small tokenizer that knows each dialect's strings, quoted identifiers, comments and placeholders,
 * and a statement-level analyzer over its tokens. It is built to fail safe: whatever it cannot classify
 * with confidence is `unknown`, and the caller then invalidates everything. It never reads the catalog,
 * so it cannot see triggers, rules or functions with side effects (see `analyzeSql`).
 */

/** SQL dialects whose lexical rules the analyzer follows. */
export type SqlDialect = 'postgresql' | 'mysql' | 'sqlite'

/** A table named as the target of a write. */
export interface TableRef {
  /** Schema (PostgreSQL, SQLite) or database (MySQL) qualifier exactly as written; absent when unqualified. */
  schema?: string
  /** Whether `schema` was quoted; present exactly when `schema` is. */
  schemaQuoted?: boolean
  /** Table name exactly as written: an unquoted name keeps its case, a quoted one loses quotes and escapes. */
  name: string
  /**
   * Whether the name was quoted (`"t"`, `` `t` ``, `[t]`). The caller folds the case of unquoted names the way
   * its database does; note that in MySQL quoting does not change case sensitivity.
   */
  quoted: boolean
}

/** What executing a SQL text can do to table rows. */
export type SqlAnalysis =
  /** Provably changes no table rows and publishes no earlier changes. */
  | { kind: 'read' }
  /** Changes rows of exactly these tables (deduplicated, in order of appearance). */
  | { kind: 'write'; tables: TableRef[] }
  /** Might change rows, but which tables cannot be told: the caller invalidates everything. */
  | { kind: 'unknown'; reason: string }

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct'

interface Token {
  kind: TokenKind
  /** Words as written; identifiers and strings unescaped; punctuation as the character. */
  text: string
  /** Upper-cased text of a word, '' otherwise. */
  upper: string
  /** The opening quote of a string: `'`, or `"` for a MySQL double-quoted string. */
  quote?: string
}

interface Lexed {
  tokens: Token[]
  /** Why lexing stopped early; `tokens` then holds what was read before. */
  error?: string
  /** A plain string held a backslash, whose meaning depends on a server setting. */
  ambiguousBackslash: boolean
}

interface Ctx {
  dialect: SqlDialect
  tokens: Token[]
  /** For a `(` token, the index of its `)`. */
  close: Int32Array
}

const READ: SqlAnalysis = { kind: 'read' }

/** A keyword table written as a whitespace-separated list. */
function words(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter(Boolean))
}

/** Words that start a statement inside parentheses (subqueries and data-modifying CTE bodies). */
const NESTED_STATEMENT_WORDS = words('SELECT WITH VALUES TABLE INSERT UPDATE DELETE MERGE')

/** Words that write when they appear as a keyword inside a query rather than as a function or column. */
const WRITE_WORDS = words('INSERT UPDATE DELETE MERGE REPLACE TRUNCATE')

/** Keywords that never name a table where one is expected: seeing one means the statement was misread. */
const NOT_A_TABLE = words(`
  ALL AND AS BY CASCADE CROSS DEFAULT DELAYED DELETE DISTINCT FROM FULL GROUP HAVING HIGH_PRIORITY
  IGNORE INNER INSERT INTO JOIN LATERAL LEFT LIMIT LOW_PRIORITY MERGE NATURAL NOT NULL ON ONLY OR
  ORDER OUTER PARTITION QUICK RETURNING RIGHT SELECT SET STRAIGHT_JOIN TABLE UNION UPDATE USING
  VALUES WHERE WITH
`)

/** Words that may follow `INSERT INTO t`. */
const AFTER_INSERT_TARGET = words('AS DEFAULT OVERRIDING PARTITION SELECT SET TABLE VALUE VALUES WITH')

/** SQLite's `INSERT OR …` / `UPDATE OR …` conflict clauses. */
const SQLITE_CONFLICT_ACTIONS = words('ABORT FAIL IGNORE REPLACE ROLLBACK')

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

function unknown(reason: string): SqlAnalysis {
  return { kind: 'unknown', reason }
}

function write(tables: TableRef[]): SqlAnalysis {
  return merge(READ, { kind: 'write', tables })
}

/** Union of two analyses: `unknown` wins, then the deduplicated union of written tables. */
function merge(a: SqlAnalysis, b: SqlAnalysis): SqlAnalysis {
  if (a.kind === 'unknown') return a
  if (b.kind === 'unknown') return b
  const tables = [...(a.kind === 'write' ? a.tables : []), ...(b.kind === 'write' ? b.tables : [])]
  if (tables.length === 0) return READ
  const seen = new Map<string, TableRef>()
  for (const table of tables) {
    const key = JSON.stringify([table.schema ?? null, table.schemaQuoted ?? null, table.name, table.quoted])
    if (!seen.has(key)) seen.set(key, table)
  }
  return { kind: 'write', tables: [...seen.values()] }
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13)
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

function isIdentStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code >= 128
}

function isIdentChar(code: number): boolean {
  return isIdentStart(code) || isDigit(code) || code === 36
}

/** Index just past a quoted run opened at `start`, and its unescaped content; `undefined` when unterminated. */
function scanQuoted(
  sql: string,
  start: number,
  closer: string,
  backslashEscapes: boolean,
): { end: number; text: string; backslash: boolean } | undefined {
  let text = ''
  let backslash = false
  let i = start + 1
  while (i < sql.length) {
    const ch = sql[i]!
    if (ch === closer) {
      if (sql[i + 1] !== closer || closer === ']') return { end: i + 1, text, backslash }
      text += closer
      i += 2
    } else if (ch === '\\' && backslashEscapes) {
      if (i + 1 >= sql.length) return undefined
      text += sql[i + 1]
      i += 2
    } else {
      if (ch === '\\') backslash = true
      text += ch
      i++
    }
  }
  return undefined
}

/** Index just past the block comment opened at `start`; -1 when unterminated. */
function blockCommentEnd(sql: string, start: number, nests: boolean): number {
  let depth = 1
  let i = start + 2
  while (i < sql.length) {
    if (sql[i] === '*' && sql[i + 1] === '/') {
      i += 2
      if (--depth === 0) return i
    } else if (nests && sql[i] === '/' && sql[i + 1] === '*') {
      i += 2
      depth++
    } else {
      i++
    }
  }
  return -1
}

/** Where a line comment ends. `\r` ends it too, which can only reveal more SQL, never hide some. */
function lineCommentEnd(sql: string, start: number): number {
  let i = start
  while (i < sql.length && sql[i] !== '\n' && sql[i] !== '\r') i++
  return i
}

/** PostgreSQL's `$$` or `$tag$` opening a dollar-quoted string (sticky: matched at `lastIndex`). */
const DOLLAR_QUOTE_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y

/** Tokens of `sql` under the dialect's lexical rules, with or without backslash escapes in plain strings. */
function lex(sql: string, dialect: SqlDialect, backslashEscapes: boolean): Lexed {
  const tokens: Token[] = []
  let ambiguousBackslash = false
  const fail = (error: string): Lexed => ({ tokens, error, ambiguousBackslash })
  const push = (kind: TokenKind, text: string, quote?: string) => {
    tokens.push({ kind, text, upper: kind === 'word' ? text.toUpperCase() : '', ...(quote ? { quote } : {}) })
  }
  let i = 0
  while (i < sql.length) {
    const ch = sql[i]!
    const code = sql.charCodeAt(i)
    const next = sql[i + 1]
    if (isSpace(code)) {
      i++
    } else if (
      ch === '-' &&
      next === '-' &&
      // MySQL needs a space or control character after `--`: `1--1` is 1 minus -1.
      (dialect !== 'mysql' ||
        i + 2 >= sql.length ||
        sql.charCodeAt(i + 2) <= 32 ||
        sql.charCodeAt(i + 2) === 127)
    ) {
      i = lineCommentEnd(sql, i)
    } else if (ch === '#' && dialect === 'mysql') {
      i = lineCommentEnd(sql, i)
    } else if (ch === '/' && next === '*') {
      if (dialect === 'mysql' && (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!'))) {
        return fail('MySQL executable comment (/*! … */)')
      }
      const end = blockCommentEnd(sql, i, dialect === 'postgresql')
      if (end < 0) return fail('unterminated block comment')
      i = end
    } else if (ch === "'" || (ch === '"' && dialect === 'mysql')) {
      const escapes = backslashEscapes && dialect !== 'sqlite'
      const scanned = scanQuoted(sql, i, ch, escapes)
      if (!scanned) return fail('unterminated string literal')
      if (dialect !== 'sqlite' && (escapes ? sql.slice(i, scanned.end).includes('\\') : scanned.backslash)) {
        ambiguousBackslash = true
      }
      push('string', scanned.text, ch)
      i = scanned.end
    } else if (
      ch === '"' ||
      (ch === '`' && dialect !== 'postgresql') ||
      (ch === '[' && dialect === 'sqlite')
    ) {
      const scanned = scanQuoted(sql, i, ch === '[' ? ']' : ch, false)
      if (!scanned) return fail('unterminated quoted identifier')
      push('quoted', scanned.text)
      i = scanned.end
    } else if (ch === '$' && dialect === 'postgresql') {
      if (next !== undefined && isDigit(sql.charCodeAt(i + 1))) {
        let j = i + 1
        while (j < sql.length && isDigit(sql.charCodeAt(j))) j++
        push('param', sql.slice(i, j))
        i = j
        continue
      }
      DOLLAR_QUOTE_TAG.lastIndex = i
      const tag = DOLLAR_QUOTE_TAG.exec(sql)?.[0]
      if (tag === undefined) {
        push('punct', ch)
        i++
        continue
      }
      const end = sql.indexOf(tag, i + tag.length)
      if (end < 0) return fail('unterminated dollar-quoted string')
      push('string', sql.slice(i + tag.length, end), "'")
      i = end + tag.length
    } else if (
      dialect === 'sqlite' &&
      (ch === '$' || ch === ':' || ch === '@') &&
      next !== undefined &&
      isIdentChar(sql.charCodeAt(i + 1))
    ) {
      let j = i + 1
      while (j < sql.length && isIdentChar(sql.charCodeAt(j))) j++
      push('param', sql.slice(i, j))
      i = j
    } else if (ch === '?') {
      let j = i + 1
      while (dialect === 'sqlite' && j < sql.length && isDigit(sql.charCodeAt(j))) j++
      push('param', sql.slice(i, j))
      i = j
    } else if (isIdentStart(code) || (ch === '$' && dialect === 'mysql')) {
      let j = i + 1
      while (j < sql.length && isIdentChar(sql.charCodeAt(j))) j++
      const word = sql.slice(i, j)
      if (dialect === 'postgresql' && (word === 'E' || word === 'e') && sql[j] === "'") {
        const scanned = scanQuoted(sql, j, "'", true)
        if (!scanned) return fail('unterminated string literal')
        push('string', scanned.text, "'")
        i = scanned.end
      } else {
        push('word', word)
        i = j
      }
    } else if (isDigit(code)) {
      let j = i + 1
      while (j < sql.length && (isIdentChar(sql.charCodeAt(j)) || sql[j] === '.')) j++
      push('number', sql.slice(i, j))
      i = j
    } else {
      push('punct', ch)
      i++
    }
  }
  return { tokens, ambiguousBackslash }
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

type StatementAnalyzer = (ctx: Ctx, start: number, end: number) => SqlAnalysis

interface StatementKind {
  /** The dialects that have this statement; in the others it is `unknown`. */
  dialects: readonly SqlDialect[]
  analyze: StatementAnalyzer
  /** Analyses its parenthesised parts itself, so `nestedStatements` must not. */
  looksInside?: true
}

const ALL_DIALECTS: readonly SqlDialect[] = ['postgresql', 'mysql', 'sqlite']

/** Statements by leading keyword; transaction control and session statements are handled before these. */
const STATEMENTS = new Map<string, StatementKind>([
  ['SELECT', { dialects: ALL_DIALECTS, analyze: analyzeQuery }],
  ['VALUES', { dialects: ALL_DIALECTS, analyze: analyzeQuery }],
  ['TABLE', { dialects: ['postgresql', 'mysql'], analyze: analyzeQuery }],
  ['WITH', { dialects: ALL_DIALECTS, analyze: analyzeWith, looksInside: true }],
  ['INSERT', { dialects: ALL_DIALECTS, analyze: analyzeInsert }],
  ['REPLACE', { dialects: ['mysql', 'sqlite'], analyze: analyzeInsert }],
  ['UPDATE', { dialects: ALL_DIALECTS, analyze: analyzeUpdate }],
  ['DELETE', { dialects: ALL_DIALECTS, analyze: analyzeDelete }],
  ['MERGE', { dialects: ['postgresql'], analyze: analyzeMerge }],
  ['TRUNCATE', { dialects: ['postgresql', 'mysql'], analyze: analyzeTruncate }],
  ['COPY', { dialects: ['postgresql'], analyze: analyzeCopy }],
  ['LOAD', { dialects: ['mysql'], analyze: analyzeLoadData }],
  ['REFRESH', { dialects: ['postgresql'], analyze: analyzeRefresh }],
  ['EXPLAIN', { dialects: ALL_DIALECTS, analyze: analyzeExplain, looksInside: true }],
  ['DESCRIBE', { dialects: ['mysql'], analyze: analyzeExplain, looksInside: true }],
  ['DESC', { dialects: ['mysql'], analyze: analyzeExplain, looksInside: true }],
])

/** A statement that may also appear nested: in parentheses, as a CTE body, or under EXPLAIN ANALYZE. */
function analyzeStatement(ctx: Ctx, start: number, end: number): SqlAnalysis {
  if (start >= end) return unknown('empty statement')
  const first = ctx.tokens[start]!
  if (isPunct(first, '(')) {
    let inner = start
    while (isPunct(ctx.tokens[inner], '(')) inner++
    if (!isWord(ctx.tokens[inner], 'SELECT', 'VALUES', 'TABLE', 'WITH'))
      return unknown('unrecognised parenthesised statement')
    return merge(analyzeQuery(ctx, start, end), nestedStatements(ctx, start, end))
  }
  const kind = first.kind === 'word' ? STATEMENTS.get(first.upper) : undefined
  if (!kind?.dialects.includes(ctx.dialect)) return unknown(`unsupported statement: ${first.text}`)
  const own = kind.analyze(ctx, start, end)
  return kind.looksInside ? own : merge(own, nestedStatements(ctx, start, end))
}

/**
 * Statements in parentheses anywhere in `[start, end)`: subqueries, and the data-modifying CTE bodies
 * and `COPY (DELETE … RETURNING …)` that write. Each is analysed on its own.
 */
function nestedStatements(ctx: Ctx, start: number, end: number): SqlAnalysis {
  let result = READ
  for (let i = start; i < end; i++) {
    if (isPunct(ctx.tokens[i], '(') && startsNestedStatement(ctx, i + 1)) {
      result = merge(result, analyzeStatement(ctx, i + 1, ctx.close[i]!))
      i = ctx.close[i]!
    }
  }
  return result
}

function startsNestedStatement(ctx: Ctx, index: number): boolean {
  const token = ctx.tokens[index]
  if (token?.kind !== 'word' || !NESTED_STATEMENT_WORDS.has(token.upper)) return false
  // MySQL's INSERT(str, pos, len, new) is a string function.
  return !(token.upper === 'INSERT' && isPunct(ctx.tokens[index + 1], '('))
}

/** SELECT, VALUES, TABLE or a parenthesised query: reads, unless it fills a table with INTO. */
function analyzeQuery(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens, dialect } = ctx
  for (let i = start; i < end; i++) {
    const token = tokens[i]!
    if (isPunct(token, '(') && startsNestedStatement(ctx, i + 1)) {
      i = ctx.close[i]!
      continue
    }
    if (token.kind !== 'word') continue
    if (token.upper === 'INTO') {
      const target = tokens[i + 1]
      // MySQL's INTO @var / OUTFILE / DUMPFILE fills variables or files, not tables.
      if (dialect === 'mysql' && (isPunct(target, '@') || isWord(target, 'OUTFILE', 'DUMPFILE'))) continue
      return unknown('SELECT … INTO creates or fills a table')
    }
    if (WRITE_WORDS.has(token.upper)) {
      const before = tokens[i - 1]
      const after = tokens[i + 1]
      const isFunctionOrColumn = isPunct(before, '.') || isPunct(after, '(') || isPunct(after, '.')
      const isRowLock = token.upper === 'UPDATE' && isWord(before, 'FOR', 'KEY')
      if (!isFunctionOrColumn && !isRowLock) return unknown(`${token.upper} inside a query`)
    }
  }
  return READ
}

/** `WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (body) [SEARCH …|CYCLE …], … statement`. */
function analyzeWith(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens } = ctx
  let i = start + 1
  if (isWord(tokens[i], 'RECURSIVE')) i++
  let result = READ
  for (;;) {
    if (i >= end || !isName(ctx, tokens[i]!)) return unknown('malformed WITH clause')
    i++
    if (isPunct(tokens[i], '(')) i = ctx.close[i]! + 1
    if (!isWord(tokens[i], 'AS')) return unknown('malformed WITH clause')
    i++
    if (isWord(tokens[i], 'NOT')) i++
    if (isWord(tokens[i], 'MATERIALIZED')) i++
    if (!isPunct(tokens[i], '(')) return unknown('malformed WITH clause')
    result = merge(result, analyzeStatement(ctx, i + 1, ctx.close[i]!))
    i = ctx.close[i]! + 1
    // PostgreSQL's SEARCH … SET column and CYCLE … USING column clauses.
    const clauseEnd = isWord(tokens[i], 'SEARCH') ? 'SET' : isWord(tokens[i], 'CYCLE') ? 'USING' : undefined
    if (clauseEnd !== undefined) {
      i = findWord(ctx, i, end, clauseEnd) + 2
      if (i > end) return unknown('malformed WITH clause')
    }
    if (!isPunct(tokens[i], ',')) break
    i++
  }
  if (i >= end) return unknown('WITH without a statement')
  return merge(result, analyzeStatement(ctx, i, end))
}

/** `INSERT [modifiers] [INTO] t …`, `REPLACE [INTO] t …`: writes only `t`, whatever it reads. */
function analyzeInsert(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens, dialect } = ctx
  let i = start + 1
  if (dialect === 'sqlite' && tokens[start]!.upper === 'INSERT' && isWord(tokens[i], 'OR')) {
    if (!SQLITE_CONFLICT_ACTIONS.has(tokens[i + 1]?.upper ?? '')) return unknown('malformed INSERT OR')
    i += 2
  }
  if (dialect === 'mysql') while (isWord(tokens[i], 'LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE')) i++
  if (isWord(tokens[i], 'INTO')) i++
  else if (dialect !== 'mysql') return unknown('INSERT without INTO')
  const target = parseName(ctx, i, end)
  if (!target) return unknown('cannot read the INSERT target')
  const after = tokens[target.next]
  if (target.next >= end || !(isPunct(after, '(') || AFTER_INSERT_TARGET.has(after!.upper))) {
    return unknown('unexpected text after the INSERT target')
  }
  return write([target.ref])
}

/** `UPDATE …`: the single target in PostgreSQL and SQLite; MySQL's whole table list before SET. */
function analyzeUpdate(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens, dialect } = ctx
  let i = start + 1
  if (dialect === 'mysql') {
    while (isWord(tokens[i], 'LOW_PRIORITY', 'IGNORE')) i++
    const set = findWord(ctx, i, end, 'SET')
    const tables = set < end ? tableList(ctx, i, set) : undefined
    return tables ? write(tables) : unknown('cannot read the UPDATE table list')
  }
  if (dialect === 'sqlite' && isWord(tokens[i], 'OR')) {
    if (!SQLITE_CONFLICT_ACTIONS.has(tokens[i + 1]?.upper ?? '')) return unknown('malformed UPDATE OR')
    i += 2
  }
  const target = parseRelation(ctx, i, end)
  if (!target) return unknown('cannot read the UPDATE target')
  i = skipAlias(ctx, target.next, end, ['SET'])
  if (dialect === 'sqlite') i = skipIndexedBy(ctx, i)
  return i < end && isWord(tokens[i], 'SET')
    ? write([target.ref])
    : unknown('unexpected text after the UPDATE target')
}

/**
 * `DELETE FROM t …`: the single target in PostgreSQL (USING lists other tables) and SQLite; in MySQL every
 * table in the table list of the multi-table forms (targets there may be aliases).
 */
function analyzeDelete(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens, dialect } = ctx
  let i = start + 1
  if (dialect === 'mysql') {
    while (isWord(tokens[i], 'LOW_PRIORITY', 'QUICK', 'IGNORE')) i++
    let listStart: number
    if (isWord(tokens[i], 'FROM')) {
      const using = findWord(ctx, i + 1, end, 'USING')
      listStart = using < end ? using + 1 : i + 1
    } else {
      listStart = findWord(ctx, i, end, 'FROM') + 1
      if (listStart > end) return unknown('DELETE without FROM')
    }
    const tables = tableList(ctx, listStart, findWord(ctx, listStart, end, 'WHERE', 'ORDER', 'LIMIT'))
    return tables ? write(tables) : unknown('cannot read the DELETE table list')
  }
  if (!isWord(tokens[i], 'FROM')) return unknown('DELETE without FROM')
  const target = parseRelation(ctx, i + 1, end)
  if (!target) return unknown('cannot read the DELETE target')
  const clauses =
    dialect === 'postgresql' ? ['USING', 'WHERE', 'RETURNING'] : ['WHERE', 'RETURNING', 'ORDER', 'LIMIT']
  i = skipAlias(ctx, target.next, end, clauses)
  if (dialect === 'sqlite') i = skipIndexedBy(ctx, i)
  return i >= end || isWord(tokens[i], ...clauses)
    ? write([target.ref])
    : unknown('unexpected text after the DELETE target')
}

/** `MERGE INTO t [AS a] USING …`: only the target changes. */
function analyzeMerge(ctx: Ctx, start: number, end: number): SqlAnalysis {
  if (!isWord(ctx.tokens[start + 1], 'INTO')) return unknown('MERGE without INTO')
  const target = parseRelation(ctx, start + 2, end)
  if (!target) return unknown('cannot read the MERGE target')
  const i = skipAlias(ctx, target.next, end, ['USING'])
  return i < end && isWord(ctx.tokens[i], 'USING')
    ? write([target.ref])
    : unknown('unexpected text after the MERGE target')
}

/** `TRUNCATE [TABLE] [ONLY] t [*], … [RESTART|CONTINUE IDENTITY] [RESTRICT]`; CASCADE reaches other tables. */
function analyzeTruncate(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens } = ctx
  let i = start + 1
  if (isWord(tokens[i], 'TABLE')) i++
  const tables: TableRef[] = []
  for (;;) {
    const target = parseRelation(ctx, i, end)
    if (!target) return unknown('cannot read the TRUNCATE target')
    tables.push(target.ref)
    i = target.next
    if (!isPunct(tokens[i], ',')) break
    i++
  }
  for (; i < end; i++) {
    if (isWord(tokens[i], 'CASCADE')) return unknown('TRUNCATE … CASCADE also empties referencing tables')
    if (!isWord(tokens[i], 'RESTART', 'CONTINUE', 'IDENTITY', 'RESTRICT'))
      return unknown('malformed TRUNCATE')
  }
  return write(tables)
}

/** `COPY t [(cols)] FROM …` writes `t`; `COPY t TO …` and `COPY (query) TO …` read. */
function analyzeCopy(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens } = ctx
  let i = start + 1
  if (isWord(tokens[i], 'BINARY')) i++
  if (isPunct(tokens[i], '(')) return READ
  const target = parseName(ctx, i, end)
  if (!target) return unknown('cannot read the COPY table')
  i = target.next
  if (isPunct(tokens[i], '(')) i = ctx.close[i]! + 1
  if (isWord(tokens[i], 'FROM')) return write([target.ref])
  return isWord(tokens[i], 'TO') ? READ : unknown('malformed COPY')
}

/** MySQL `LOAD DATA|XML … INTO TABLE t …`. */
function analyzeLoadData(ctx: Ctx, start: number, end: number): SqlAnalysis {
  if (!isWord(ctx.tokens[start + 1], 'DATA', 'XML')) return unknown('unsupported statement: LOAD')
  const into = findWord(ctx, start + 2, end, 'INTO')
  if (into >= end || !isWord(ctx.tokens[into + 1], 'TABLE')) return unknown('LOAD without INTO TABLE')
  const target = parseName(ctx, into + 2, end)
  return target ? write([target.ref]) : unknown('cannot read the LOAD target')
}

/** `REFRESH MATERIALIZED VIEW [CONCURRENTLY] v …`: a view mapped as a Prisma model changes. */
function analyzeRefresh(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens } = ctx
  if (!isWord(tokens[start + 1], 'MATERIALIZED') || !isWord(tokens[start + 2], 'VIEW')) {
    return unknown('unsupported statement: REFRESH')
  }
  const i = isWord(tokens[start + 3], 'CONCURRENTLY') ? start + 4 : start + 3
  const target = parseName(ctx, i, end)
  return target ? write([target.ref]) : unknown('cannot read the REFRESH target')
}

/** EXPLAIN runs the statement only with ANALYZE (PostgreSQL, MySQL); otherwise it only plans it. */
function analyzeExplain(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens } = ctx
  let analyze = false
  for (let i = start + 1; i < end; i++) {
    const token = tokens[i]!
    if (isPunct(token, '(')) {
      if (startsNestedStatement(ctx, i + 1)) return analyze ? analyzeStatement(ctx, i, end) : READ
      analyze ||= tokens.slice(i + 1, ctx.close[i]).some((t) => isWord(t, 'ANALYZE', 'ANALYSE'))
      i = ctx.close[i]!
    } else if (isWord(token, 'ANALYZE', 'ANALYSE')) {
      analyze = true
    } else if (
      isWord(token, 'SELECT', 'WITH', 'VALUES', 'TABLE', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'MERGE') ||
      isWord(token, 'EXECUTE', 'CREATE', 'DECLARE')
    ) {
      return analyze ? analyzeStatement(ctx, i, end) : READ
    }
  }
  return analyze ? unknown('EXPLAIN ANALYZE without a statement') : READ
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text
}

function isWord(token: Token | undefined, ...uppers: string[]): boolean {
  return token?.kind === 'word' && uppers.includes(token.upper)
}

/** A token that can be an identifier: a word, a quoted identifier, or a string where the dialect allows one. */
function isName(ctx: Ctx, token: Token): boolean {
  return namePart(ctx, token) !== undefined
}

function namePart(ctx: Ctx, token: Token | undefined): { text: string; quoted: boolean } | undefined {
  if (token === undefined) return undefined
  if (token.kind === 'word')
    return NOT_A_TABLE.has(token.upper) ? undefined : { text: token.text, quoted: false }
  if (token.kind === 'quoted') return { text: token.text, quoted: true }
  // SQLite takes 'x' as an identifier where only an identifier fits; MySQL's "x" is one under ANSI_QUOTES.
  const stringIsName = ctx.dialect === 'sqlite' || (ctx.dialect === 'mysql' && token.quote === '"')
  if (token.kind === 'string' && stringIsName) return { text: token.text, quoted: true }
  return undefined
}

/** `name`, `schema.name` or `catalog.schema.name` starting at `start`. */
function parseName(ctx: Ctx, start: number, end: number): { ref: TableRef; next: number } | undefined {
  const parts: { text: string; quoted: boolean }[] = []
  let i = start
  for (;;) {
    const part = i < end ? namePart(ctx, ctx.tokens[i]) : undefined
    if (!part) return undefined
    parts.push(part)
    i++
    if (!isPunct(ctx.tokens[i], '.') || i + 1 >= end || !namePart(ctx, ctx.tokens[i + 1])) break
    i++
  }
  if (parts.length > 3) return undefined
  const name = parts.at(-1)!
  const schema = parts.at(-2)
  const ref: TableRef = schema
    ? { schema: schema.text, schemaQuoted: schema.quoted, name: name.text, quoted: name.quoted }
    : { name: name.text, quoted: name.quoted }
  return { ref, next: i }
}

/** A table with PostgreSQL's inheritance markers: `[ONLY] t [*]` or `ONLY (t)`. */
function parseRelation(ctx: Ctx, start: number, end: number): { ref: TableRef; next: number } | undefined {
  const { tokens } = ctx
  if (ctx.dialect === 'postgresql' && isWord(tokens[start], 'ONLY')) {
    if (isPunct(tokens[start + 1], '(')) {
      const inner = parseName(ctx, start + 2, end)
      return inner && isPunct(tokens[inner.next], ')') ? { ref: inner.ref, next: inner.next + 1 } : undefined
    }
    start++
  }
  const name = parseName(ctx, start, end)
  if (name && ctx.dialect === 'postgresql' && isPunct(tokens[name.next], '*')) name.next++
  return name
}

/** Past `[AS] alias`, where the alias is not one of the clause keywords that may follow. */
function skipAlias(ctx: Ctx, start: number, end: number, clauses: string[]): number {
  const { tokens } = ctx
  if (isWord(tokens[start], 'AS'))
    return start + 1 < end && isName(ctx, tokens[start + 1]!) ? start + 2 : start
  const token = tokens[start]
  const isAlias = start < end && token !== undefined && isName(ctx, token) && !isWord(token, ...clauses)
  return isAlias && !isWord(token, 'INDEXED', 'NOT') ? start + 1 : start
}

/** Past SQLite's `INDEXED BY index` or `NOT INDEXED`. */
function skipIndexedBy(ctx: Ctx, start: number): number {
  const { tokens } = ctx
  if (isWord(tokens[start], 'INDEXED') && isWord(tokens[start + 1], 'BY')) return start + 3
  if (isWord(tokens[start], 'NOT') && isWord(tokens[start + 1], 'INDEXED')) return start + 2
  return start
}

/** Index of the first of `words` at parenthesis depth 0 in `[start, end)`, or `end`. */
function findWord(ctx: Ctx, start: number, end: number, ...words: string[]): number {
  for (let i = start; i < end; i++) {
    if (isWord(ctx.tokens[i], ...words)) return i
    if (isPunct(ctx.tokens[i], '(')) i = ctx.close[i]!
  }
  return end
}

/**
 * Every table named in a MySQL table-reference list (`t1 [AS a] JOIN t2 ON … , (t3 JOIN t4) …`). Derived
 * tables are skipped: they only read, and `nestedStatements` looks inside them.
 */
function tableList(ctx: Ctx, start: number, end: number): TableRef[] | undefined {
  const { tokens } = ctx
  const tables: TableRef[] = []
  let expectTable = true
  for (let i = start; i < end; ) {
    const token = tokens[i]!
    if (expectTable) {
      if (isWord(token, 'LATERAL')) {
        i++
        continue
      }
      if (isPunct(token, '(')) {
        const close = ctx.close[i]!
        if (!startsNestedStatement(ctx, i + 1)) {
          const inner = tableList(ctx, i + 1, close)
          if (!inner) return undefined
          tables.push(...inner)
        }
        i = close + 1
      } else {
        const name = parseName(ctx, i, end)
        if (!name) return undefined
        tables.push(name.ref)
        i = name.next
      }
      expectTable = false
      continue
    }
    // `USE INDEX FOR JOIN (…)` is an index hint, not a join.
    if (isPunct(token, ',') || (isWord(token, 'JOIN', 'STRAIGHT_JOIN') && !isWord(tokens[i - 1], 'FOR'))) {
      expectTable = true
    } else if (isPunct(token, '(')) {
      i = ctx.close[i]!
    }
    i++
  }
  return expectTable || tables.length === 0 ? undefined : tables
}
