/**
 * The SQL tokenizer: each dialect's strings, quoted identifiers, comments and placeholders, so that the
 * statement analysis (`raw-sql.ts`) only ever sees real keywords, names and punctuation.
 */

/** SQL dialects whose lexical rules the analyzer follows. */
export type SqlDialect = 'postgresql' | 'mysql' | 'sqlite'

/** What a token is; comments and whitespace produce none. */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct'

/** One token of a SQL text. */
export interface Token {
  kind: TokenKind
  /** Words as written; identifiers and strings unescaped; punctuation as the character. */
  text: string
  /** Upper-cased text of a word, '' otherwise. */
  upper: string
  /** The opening quote of a string: `'`, or `"` for a MySQL double-quoted string. */
  quote?: string
}

/** The result of `lex`. */
export interface Lexed {
  tokens: Token[]
  /** Why lexing stopped early; `tokens` then holds what was read before. */
  error?: string
  /** A plain string held a backslash, whose meaning depends on a server setting. */
  ambiguousBackslash: boolean
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
export function lex(sql: string, dialect: SqlDialect, backslashEscapes: boolean): Lexed {
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
