/**
 * Reading SQL syntax off a token stream, shared by the statement analyzers: token tests, table names with
 * their qualifiers, aliases, table-reference lists and the start of nested statements.
 */

import type { SqlDialect, Token } from './lexer.ts'

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

/** The tokens of one SQL text and its parenthesis structure, read by every analyzer. */
export interface Ctx {
  dialect: SqlDialect
  tokens: Token[]
  /** For a `(` token, the index of its `)`. */
  close: Int32Array
}

/** A keyword table written as a whitespace-separated list. */
export function words(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter(Boolean))
}

/** Words that start a statement inside parentheses (subqueries and data-modifying CTE bodies). */
const NESTED_STATEMENT_WORDS = words('SELECT WITH VALUES TABLE INSERT UPDATE DELETE MERGE')

/** Keywords that never name a table where one is expected: seeing one means the statement was misread. */
const NOT_A_TABLE = words(`
  ALL AND AS BY CASCADE CROSS DEFAULT DELAYED DELETE DISTINCT FROM FULL GROUP HAVING HIGH_PRIORITY
  IGNORE INNER INSERT INTO JOIN LATERAL LEFT LIMIT LOW_PRIORITY MERGE NATURAL NOT NULL ON ONLY OR
  ORDER OUTER PARTITION QUICK RETURNING RIGHT SELECT SET STRAIGHT_JOIN TABLE UNION UPDATE USING
  VALUES WHERE WITH
`)

/** Whether the token at `index` starts a statement nested in parentheses (a subquery or data-modifying body). */
export function startsNestedStatement(ctx: Ctx, index: number): boolean {
  const token = ctx.tokens[index]
  if (token?.kind !== 'word' || !NESTED_STATEMENT_WORDS.has(token.upper)) return false
  // MySQL's INSERT(str, pos, len, new) is a string function.
  return !(token.upper === 'INSERT' && isPunct(ctx.tokens[index + 1], '('))
}

/** Whether `token` is the punctuation character `text`. */
export function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text
}

/** Whether `token` is a word, case-insensitively one of `uppers` (given upper-cased). */
export function isWord(token: Token | undefined, ...uppers: string[]): boolean {
  return token?.kind === 'word' && uppers.includes(token.upper)
}

/** A token that can be an identifier: a word, a quoted identifier, or a string where the dialect allows one. */
export function isName(ctx: Ctx, token: Token): boolean {
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
export function parseName(ctx: Ctx, start: number, end: number): { ref: TableRef; next: number } | undefined {
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
export function parseRelation(
  ctx: Ctx,
  start: number,
  end: number,
): { ref: TableRef; next: number } | undefined {
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
export function skipAlias(ctx: Ctx, start: number, end: number, clauses: string[]): number {
  const { tokens } = ctx
  if (isWord(tokens[start], 'AS'))
    return start + 1 < end && isName(ctx, tokens[start + 1]!) ? start + 2 : start
  const token = tokens[start]
  const isAlias = start < end && token !== undefined && isName(ctx, token) && !isWord(token, ...clauses)
  return isAlias && !isWord(token, 'INDEXED', 'NOT') ? start + 1 : start
}

/** Past SQLite's `INDEXED BY index` or `NOT INDEXED`. */
export function skipIndexedBy(ctx: Ctx, start: number): number {
  const { tokens } = ctx
  if (isWord(tokens[start], 'INDEXED') && isWord(tokens[start + 1], 'BY')) return start + 3
  if (isWord(tokens[start], 'NOT') && isWord(tokens[start + 1], 'INDEXED')) return start + 2
  return start
}

/** Index of the first of `words` at parenthesis depth 0 in `[start, end)`, or `end`. */
export function findWord(ctx: Ctx, start: number, end: number, ...words: string[]): number {
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
export function tableList(ctx: Ctx, start: number, end: number): TableRef[] | undefined {
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
