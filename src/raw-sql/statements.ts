/**
 * What each kind of statement writes: the dispatch by leading keyword, queries and CTEs, and EXPLAIN; the
 * data-modifying statements live in `write-statements.ts`.
 */

import type { SqlDialect } from './lexer.ts'
import { merge, READ, type SqlAnalysis, unknown } from './results.ts'
import { type Ctx, findWord, isName, isPunct, isWord, startsNestedStatement, words } from './syntax.ts'
import {
  analyzeCopy,
  analyzeDelete,
  analyzeInsert,
  analyzeLoadData,
  analyzeMerge,
  analyzeRefresh,
  analyzeTruncate,
  analyzeUpdate,
} from './write-statements.ts'

export { merge, READ, type SqlAnalysis, unknown } from './results.ts'

/** Words that write when they appear as a keyword inside a query rather than as a function or column. */
const WRITE_WORDS = words('INSERT UPDATE DELETE MERGE REPLACE TRUNCATE')

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
