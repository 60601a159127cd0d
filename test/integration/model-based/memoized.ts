import { expect } from 'vitest'
import { method, type Outcome, outcomeOf, readCached } from './calls.ts'
import type { CachedClient } from './harness.ts'
import { type PoolRead, READS } from './reads.ts'
import { firstDifference } from './show.ts'

/** How many argument lists a sequence calls the memoized function with, and how many pool reads each makes. */
const SUBSETS = 3
const SUBSET_SIZE = 4

/**
 * The pool reads a sequence's memoized calls make: a few subsets of the pool, drawn from the sequence number, kept
 * for the whole sequence so that later calls can be hits.
 */
export function memoSubsets(sequence: number): number[][] {
  let seed = (sequence * 2_654_435_761 + 97) >>> 0
  const next = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
    return seed % READS.length
  }
  return Array.from({ length: SUBSETS }, () => Array.from({ length: SUBSET_SIZE }, next))
}

/**
 * A memoized function over pool reads: every third read goes without a `cacheStrategy` (uncached unless its model
 * is cached by default), the others as the pool caches them. Its result is the reads' outcomes.
 */
export function memoizedReads(prisma: CachedClient) {
  return prisma.$cache.memoize(
    'model-based-reads',
    async (indices: number[]) => {
      const outcomes: Outcome[] = []
      for (const index of indices) {
        const read = READS[index] as PoolRead
        outcomes.push(
          index % 3 === 0
            ? await outcomeOf(method(prisma, read.delegate, read.operation)(read.args))
            : (await readCached(prisma, read)).outcome,
        )
      }
      return outcomes
    },
    { ttl: 3600 },
  )
}

/**
 * Calls the memoized function with each subset; its result must equal the uncached outcomes of the same reads
 * (`uncached[i]` for pool read i). Returns how many calls were hits.
 */
export async function checkMemoized(
  memoized: ReturnType<typeof memoizedReads>,
  subsets: readonly number[][],
  uncached: readonly Outcome[],
  fail: (headline: string, detail: string) => never,
): Promise<number> {
  let hits = 0
  for (const subset of subsets) {
    const { data, info } = await memoized.withCacheInfo(subset)
    if (info.status === 'hit') hits++
    const expected = subset.map((index) => uncached[index])
    try {
      expect(data).toEqual(expected)
    } catch (error) {
      fail(
        `memoized function over reads ${subset.join(', ')} differs from the same reads uncached`,
        [
          `cache info: ${JSON.stringify(info)}`,
          `first difference ${firstDifference(data, expected) ?? '(none by isDeepStrictEqual)'}`,
          error instanceof Error ? error.message : String(error),
        ].join('\n'),
      )
    }
  }
  return hits
}
