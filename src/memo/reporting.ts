import type { ReadResult } from '../read/lookup.ts'
import { currentMemo, type MemoContext } from './context.ts'

/** Captures the versions of `dependencies` now for an entry living `lifetimeMs`; undefined when unknown. */
type Capture = (dependencies: readonly string[], lifetimeMs: number) => Promise<string[] | undefined>

/**
 * What a memoized call may be stored under for this answer: its basis, or nothing for a stale answer (served
 * within `swr` or soft-invalidated while one reload runs), which must not become part of a fresh result.
 */
function basisOf(result: ReadResult): ReadResult['basis'] {
  return result.info.status === 'stale' ? undefined : result.basis
}

/** Tells `memo` what a cached read's answer depends on, once it is there; the answer passes through. */
export function reportAnswer(
  memo: MemoContext,
  result: Promise<ReadResult> | ReadResult,
): Promise<ReadResult> | ReadResult {
  if (!(result instanceof Promise)) {
    memo.report(basisOf(result))
    return result
  }
  return result.then(
    (done) => {
      memo.report(basisOf(done))
      return done
    },
    (error: unknown) => {
      // A read that failed (a `…OrThrow` that found nothing, caught by the function) says nothing of what it
      // depended on: the call is not stored.
      memo.report(undefined)
      throw error
    },
  )
}

/**
 * Runs a read that bypasses the cache inside a memoized call: the versions of what it reads are captured before
 * its query (G1), then reported with its dependencies. `capture` resolves to undefined when they cannot be known.
 */
export async function uncachedRead<T>(
  memo: MemoContext,
  dependencies: readonly string[],
  capture: Capture,
  load: () => Promise<T>,
): Promise<T> {
  const versions = await capture(dependencies, memo.lifetimeMs)
  try {
    return await load()
  } finally {
    // Failed or not (a caught `…OrThrow`), the read depended on what it was captured for.
    memo.report(versions === undefined ? undefined : { dependencies, versions })
  }
}

/**
 * Runs a raw read that bypasses the cache (`$queryRaw`): inside a memoized call it depends on `everything` (every
 * table), and inside a transaction it makes the call uncacheable.
 */
export function uncachedRawRead<T>(
  inTransaction: boolean,
  everything: () => readonly string[],
  capture: Capture,
  load: () => Promise<T>,
): Promise<T> {
  const memo = currentMemo()
  if (memo === undefined) return load()
  if (inTransaction) {
    memo.refuse('transaction')
    return load()
  }
  return uncachedRead(memo, everything(), capture, load)
}

/** A write through the client: a memoized call making it is not stored (its result may depend on it). */
export function noteWrite(model: string, operation: string): void {
  currentMemo()?.refuse('write', { model, operation })
}

/** A read inside a transaction (a batch `$transaction` included): a memoized call making it is not stored. */
export function noteTransactionRead(): void {
  currentMemo()?.refuse('transaction')
}
