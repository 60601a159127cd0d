/**
 * The data-modifying statements: INSERT, REPLACE, UPDATE, DELETE, MERGE, TRUNCATE, COPY, LOAD DATA and REFRESH,
 * each with the tables it writes.
 */
import { READ, type SqlAnalysis, unknown, write } from './results.ts'
import {
  type Ctx,
  findWord,
  isPunct,
  isWord,
  parseName,
  parseRelation,
  skipAlias,
  skipIndexedBy,
  type TableRef,
  tableList,
  words,
} from './syntax.ts'

/** Words that may follow `INSERT INTO t`. */
const AFTER_INSERT_TARGET = words('AS DEFAULT OVERRIDING PARTITION SELECT SET TABLE VALUE VALUES WITH')

/** SQLite's `INSERT OR …` / `UPDATE OR …` conflict clauses. */
const SQLITE_CONFLICT_ACTIONS = words('ABORT FAIL IGNORE REPLACE ROLLBACK')

/** `INSERT [modifiers] [INTO] t …`, `REPLACE [INTO] t …`: writes only `t`, whatever it reads. */
export function analyzeInsert(ctx: Ctx, start: number, end: number): SqlAnalysis {
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
export function analyzeUpdate(ctx: Ctx, start: number, end: number): SqlAnalysis {
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
export function analyzeDelete(ctx: Ctx, start: number, end: number): SqlAnalysis {
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
export function analyzeMerge(ctx: Ctx, start: number, end: number): SqlAnalysis {
  if (!isWord(ctx.tokens[start + 1], 'INTO')) return unknown('MERGE without INTO')
  const target = parseRelation(ctx, start + 2, end)
  if (!target) return unknown('cannot read the MERGE target')
  const i = skipAlias(ctx, target.next, end, ['USING'])
  return i < end && isWord(ctx.tokens[i], 'USING')
    ? write([target.ref])
    : unknown('unexpected text after the MERGE target')
}

/** `TRUNCATE [TABLE] [ONLY] t [*], … [RESTART|CONTINUE IDENTITY] [RESTRICT]`; CASCADE reaches other tables. */
export function analyzeTruncate(ctx: Ctx, start: number, end: number): SqlAnalysis {
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
export function analyzeCopy(ctx: Ctx, start: number, end: number): SqlAnalysis {
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
export function analyzeLoadData(ctx: Ctx, start: number, end: number): SqlAnalysis {
  if (!isWord(ctx.tokens[start + 1], 'DATA', 'XML')) return unknown('unsupported statement: LOAD')
  const into = findWord(ctx, start + 2, end, 'INTO')
  if (into >= end || !isWord(ctx.tokens[into + 1], 'TABLE')) return unknown('LOAD without INTO TABLE')
  const target = parseName(ctx, into + 2, end)
  return target ? write([target.ref]) : unknown('cannot read the LOAD target')
}

/** `REFRESH MATERIALIZED VIEW [CONCURRENTLY] v …`: a view mapped as a Prisma model changes. */
export function analyzeRefresh(ctx: Ctx, start: number, end: number): SqlAnalysis {
  const { tokens } = ctx
  if (!isWord(tokens[start + 1], 'MATERIALIZED') || !isWord(tokens[start + 2], 'VIEW')) {
    return unknown('unsupported statement: REFRESH')
  }
  const i = isWord(tokens[start + 3], 'CONCURRENTLY') ? start + 4 : start + 3
  const target = parseName(ctx, i, end)
  return target ? write([target.ref]) : unknown('cannot read the REFRESH target')
}
