/**
 * What each kind of statement writes: the dispatch by leading keyword, queries and CTEs, the data-modifying
 * statements (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, COPY, LOAD DATA, REFRESH) and EXPLAIN, and the
 * union of their results.
 */

import type { SqlDialect } from './sql-lexer.ts'
import {
  type Ctx,
  findWord,
  isName,
  isPunct,
  isWord,
  parseName,
  parseRelation,
  skipAlias,
  skipIndexedBy,
  startsNestedStatement,
  type TableRef,
  tableList,
  words,
} from './sql-syntax.ts'

/** What executing a SQL text can do to table rows. */
export type SqlAnalysis =
  /** Provably changes no table rows and publishes no earlier changes. */
  | { kind: 'read' }
  /** Changes rows of exactly these tables (deduplicated, in order of appearance). */
  | { kind: 'write'; tables: TableRef[] }
  /** Might change rows, but which tables cannot be told: the caller invalidates everything. */
  | { kind: 'unknown'; reason: string }

/** The analysis of a text that provably changes nothing. */
export const READ: SqlAnalysis = { kind: 'read' }

/** Words that write when they appear as a keyword inside a query rather than as a function or column. */
const WRITE_WORDS = words('INSERT UPDATE DELETE MERGE REPLACE TRUNCATE')

/** Words that may follow `INSERT INTO t`. */
const AFTER_INSERT_TARGET = words('AS DEFAULT OVERRIDING PARTITION SELECT SET TABLE VALUE VALUES WITH')

/** SQLite's `INSERT OR …` / `UPDATE OR …` conflict clauses. */
const SQLITE_CONFLICT_ACTIONS = words('ABORT FAIL IGNORE REPLACE ROLLBACK')

/** An `unknown` analysis: the caller invalidates everything, for `reason`. */
export function unknown(reason: string): SqlAnalysis {
  return { kind: 'unknown', reason }
}

function write(tables: TableRef[]): SqlAnalysis {
  return merge(READ, { kind: 'write', tables })
}

/** Union of two analyses: `unknown` wins, then the deduplicated union of written tables. */
export function merge(a: SqlAnalysis, b: SqlAnalysis): SqlAnalysis {
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
export function analyzeStatement(ctx: Ctx, start: number, end: number): SqlAnalysis {
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
export function nestedStatements(ctx: Ctx, start: number, end: number): SqlAnalysis {
  let result = READ
  for (let i = start; i < end; i++) {
    if (isPunct(ctx.tokens[i], '(') && startsNestedStatement(ctx, i + 1)) {
      result = merge(result, analyzeStatement(ctx, i + 1, ctx.close[i]!))
      i = ctx.close[i]!
    }
  }
  return result
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
