import { expect } from 'vitest'
import type { PrismaClient } from '../../../generated/prisma/client.ts'
import type { CacheInfo } from '../../../src/index.ts'
import type { cachedClient } from '../helpers.ts'
import { ModelMismatch, method, type Outcome, outcomeOf, readCached } from './calls.ts'
import { checkMemoized, memoizedReads, memoSubsets } from './memoized.ts'
import { type PoolRead, READS } from './reads.ts'
import { changedRows, rowPrecise, type Snapshot, snapshot, touches } from './rows.ts'
import { firstDifference } from './show.ts'
import { NESTED_OPERATIONS, WRITE_OPERATIONS, type Write } from './write.ts'

/** The extended client under test. */
export type CachedClient = ReturnType<typeof cachedClient>['prisma']

/** One configuration under test: a cached client, the plain client beside it, and how to start over. */
export interface Subject {
  /** Configuration name, for messages. */
  readonly label: string
  /** Environment to reproduce this configuration's sequences, for messages. */
  readonly reproduce: string
  readonly prisma: CachedClient
  readonly base: PrismaClient
  /** Empties the database, writes the seed rows, and invalidates the whole cache. */
  reset(): Promise<void>
  /** Whether a read outside a write's coarse reach must still be a hit afterwards. */
  readonly checkPrecision: boolean
  /**
   * Every how many writes all uncached reads run again (and after the last write). In between, a read that
   * the write cannot reach (see {@link Write.reach}) is compared with its previous uncached result, which
   * the database cannot have changed. 1 queries the database for every read after every write.
   */
  readonly fullCheckEvery: number
  /** The client writes go through. Default: {@link Subject.prisma}; the plain client to prove the model can fail. */
  readonly writeClient?: object
  /** Runs after every write, before the reads: lets the self-tests simulate a cache that drops everything. */
  afterWrite?(): Promise<void>
  /** Closes the caches it created. */
  close?(): Promise<void>
}

/** Counters over every sequence of one configuration. */
export class ModelStats {
  sequences = 0
  writes = 0
  reads = 0
  /** Reads run without the cache, as the oracle. */
  uncachedReads = 0
  /** Reads, after a write, that were served from the cache. */
  hitsAfterWrites = 0
  /** Calls of the memoized function over pool reads, and how many were hits. */
  memoizedCalls = 0
  memoizedHits = 0
  /** Of those, reads that no correct design may invalidate (outside the write's coarse reach). */
  requiredHits = 0
  /** Pinned reads that a row-precise write left alone, so that they had to stay hits (row-level precision). */
  requiredRowHits = 0
  /** Writes the precision rules call row-precise. */
  rowPreciseWrites = 0
  readonly statuses = new Map<string, number>()
  readonly writeOutcomes = new Map<string, number>()
  /** `Model.operation` and `Model.relation.nestedOperation` of writes that succeeded. */
  readonly succeededKinds = new Map<string, number>()

  recordWrite(write: Write, outcome: string): void {
    this.writes++
    bump(this.writeOutcomes, outcome)
    if (outcome === 'ok') for (const kind of write.kinds) bump(this.succeededKinds, kind)
  }

  /** Adds another configuration's counters to these. */
  add(other: ModelStats): void {
    this.sequences += other.sequences
    this.writes += other.writes
    this.reads += other.reads
    this.uncachedReads += other.uncachedReads
    this.hitsAfterWrites += other.hitsAfterWrites
    this.memoizedCalls += other.memoizedCalls
    this.memoizedHits += other.memoizedHits
    this.requiredHits += other.requiredHits
    this.requiredRowHits += other.requiredRowHits
    this.rowPreciseWrites += other.rowPreciseWrites
    for (const [into, from] of [
      [this.statuses, other.statuses],
      [this.writeOutcomes, other.writeOutcomes],
      [this.succeededKinds, other.succeededKinds],
    ] as const) {
      for (const [key, count] of from) into.set(key, (into.get(key) ?? 0) + count)
    }
  }

  /** How many successful writes used each top-level and each nested operation. */
  operationCounts(): { topLevel: Map<string, number>; nested: Map<string, number> } {
    const topLevel = new Map<string, number>(WRITE_OPERATIONS.map((operation) => [operation, 0]))
    const nested = new Map<string, number>(NESTED_OPERATIONS.map((operation) => [operation, 0]))
    for (const [kind, count] of this.succeededKinds) {
      const parts = kind.split('.')
      const operation = parts.at(-1) ?? ''
      const into = parts.length === 2 ? topLevel : parts.length === 3 ? nested : undefined
      if (into?.has(operation)) into.set(operation, (into.get(operation) ?? 0) + count)
    }
    return { topLevel, nested }
  }

  /**
   * Top-level and nested operations that never succeeded (so were never really tested), among `operations`
   * (default: every top-level operation; a provider may lack some).
   */
  missingKinds(operations: readonly string[] = WRITE_OPERATIONS): string[] {
    const { topLevel, nested } = this.operationCounts()
    return [
      ...[...topLevel]
        .filter(([operation, count]) => count === 0 && operations.includes(operation))
        .map(([operation]) => `top-level ${operation}`),
      ...[...nested].filter(([, count]) => count === 0).map(([operation]) => `nested ${operation}`),
    ]
  }

  summary(label: string, milliseconds?: number): string {
    const time = milliseconds === undefined ? '' : ` in ${(milliseconds / 1000).toFixed(1)} s`
    const list = (map: Map<string, number>) =>
      [...map]
        .sort()
        .map(([key, count]) => `${key}=${count}`)
        .join(' ')
    return [
      `model-based [${label}]: ${this.sequences} sequences, ${this.writes} writes, ${this.reads} cached and ${this.uncachedReads} uncached reads${time}`,
      `  write outcomes: ${list(this.writeOutcomes)}`,
      `  memoized calls: ${this.memoizedCalls}, of which hits: ${this.memoizedHits}`,
      `  read statuses: ${list(this.statuses)}; hits after a write: ${this.hitsAfterWrites} (required by precision: ${this.requiredHits} model-level, ${this.requiredRowHits} row-level after ${this.rowPreciseWrites} row-precise writes)`,
      `  successful writes per operation: top-level ${list(this.operationCounts().topLevel)}; nested ${list(this.operationCounts().nested)} (${this.succeededKinds.size} distinct kinds)`,
      `  successful transactions and raw statements: ${list(new Map([...this.succeededKinds].filter(([kind]) => kind.startsWith('$'))))}`,
    ].join('\n')
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

function runUncached(base: PrismaClient, read: PoolRead): Promise<Outcome> {
  return outcomeOf(method(base, read.delegate, read.operation)(read.args))
}

interface Checked {
  read: PoolRead
  info: CacheInfo | undefined
  uncached: Outcome
}

/**
 * The model: runs `writes` one by one through the cached client and, before the first and after every
 * write, every pool read both cached and uncached; the two must be equal. Reads outside a write's coarse
 * reach must also still be hits (precision), when the subject asks for it.
 */
export async function runSequence(
  subject: Subject,
  writes: readonly Write[],
  stats: ModelStats,
): Promise<void> {
  await subject.reset()
  stats.sequences++
  const steps: string[] = []
  const fail = (headline: string, detail: string): never => {
    const history = steps.length === 0 ? '  (none: right after reset and invalidateAll)' : steps.join('\n')
    throw new ModelMismatch(
      `[${subject.label}] ${headline}\nreproduce with: ${subject.reproduce}\nwrites so far:\n${history}\n${detail}`,
    )
  }

  let previous = await checkAll(subject, stats, fail, [])
  // A memoized function over random pool reads must always equal the same reads uncached.
  const memoized = memoizedReads(subject.prisma)
  const subsets = memoSubsets(stats.sequences)
  const checkMemo = async (checked: readonly Checked[]) => {
    stats.memoizedCalls += subsets.length
    stats.memoizedHits += await checkMemoized(
      memoized,
      subsets,
      checked.map((c) => c.uncached),
      fail,
    )
  }
  await checkMemo(previous)
  for (const read of previous) {
    if (read.info !== undefined && read.info.status !== 'miss') {
      fail(
        `${read.read} was a ${read.info.status} right after invalidateAll()`,
        `info: ${JSON.stringify(read.info)}`,
      )
    }
  }
  // Row-level precision is checked where model-level precision is: the database before and after each write.
  let rows: Snapshot | undefined = subject.checkPrecision ? await snapshot(subject.base) : undefined
  for (const [index, write] of writes.entries()) {
    const { call, outcome } = await write.run({
      client: subject.writeClient ?? subject.prisma,
      base: subject.base,
    })
    await subject.afterWrite?.()
    stats.recordWrite(write, outcome)
    const after = rows === undefined ? undefined : await snapshot(subject.base)
    const changed = rows === undefined || after === undefined ? [] : changedRows(rows, after)
    rows = after
    const precise = after !== undefined && rowPrecise(write, outcome, changed)
    if (precise) stats.rowPreciseWrites++
    steps.push(`  ${index + 1}. ${call} -> ${outcome}`)
    const full = (index + 1) % subject.fullCheckEvery === 0 || index === writes.length - 1
    const reachable = (read: PoolRead) => [...read.dependsOn].some((model) => write.reach.has(model))
    const known = full
      ? []
      : previous.map((checked) => (reachable(checked.read) ? undefined : checked.uncached))
    const current = await checkAll(subject, stats, fail, known)
    await checkMemo(current)
    for (const [position, { read, info }] of current.entries()) {
      if (info?.status === 'hit') stats.hitsAfterWrites++
      const cachedBefore = previous[position]?.info !== undefined
      if (cachedBefore && precise && read.pins !== undefined && reachable(read)) {
        const pins = read.pins(previous[position]?.uncached)
        if (!touches(changed, pins)) {
          stats.requiredRowHits++
          if (info?.status !== 'hit') {
            fail(
              `row precision: ${read} was a ${info?.status ?? 'failure'} after a row-precise write that changed none of its rows`,
              `rows the write changed: ${JSON.stringify(changed, (_, value) => (typeof value === 'bigint' ? `${value}n` : value))}\ninfo: ${JSON.stringify(info)}`,
            )
          }
        }
      }
      if (!cachedBefore || reachable(read)) continue
      stats.requiredHits++
      if (subject.checkPrecision && info?.status !== 'hit') {
        fail(
          `precision: ${read} was a ${info?.status ?? 'failure'} after a write that cannot affect it`,
          `the read depends on ${[...read.dependsOn].join(', ')}; the write can reach at most ${[...write.reach].join(', ')}\ninfo: ${JSON.stringify(info)}`,
        )
      }
    }
    previous = current
  }
}

/** Runs every pool read cached, and uncached unless `known` holds its current uncached outcome; compares. */
async function checkAll(
  subject: Subject,
  stats: ModelStats,
  fail: (headline: string, detail: string) => never,
  known: readonly (Outcome | undefined)[],
): Promise<Checked[]> {
  const results = await Promise.all(
    READS.map(async (read, position) => {
      const [cached, uncached] = await Promise.all([
        readCached(subject.prisma, read),
        known[position] ?? runUncached(subject.base, read),
      ])
      if (known[position] === undefined) stats.uncachedReads++
      return { read, cached, uncached }
    }),
  )
  return results.map(({ read, cached, uncached }) => {
    stats.reads++
    bump(
      stats.statuses,
      cached.info?.status ??
        (cached.outcome.ok ? 'no info' : `error ${(cached.outcome as { error: string }).error.slice(0, 12)}`),
    )
    try {
      expect(cached.outcome).toEqual(uncached)
    } catch (error) {
      fail(
        `cached read differs from the uncached read: ${read}`,
        [
          `cache info: ${JSON.stringify(cached.info)}`,
          `first difference ${firstDifference(cached.outcome, uncached) ?? '(none by isDeepStrictEqual)'}`,
          error instanceof Error ? error.message : String(error),
        ].join('\n'),
      )
    }
    return { read, info: cached.info, uncached }
  })
}
