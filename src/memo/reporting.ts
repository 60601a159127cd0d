import type { ReadResult } from '../read/lookup.ts'
import { currentMemo, type MemoContext } from './context.ts'

/** Captures the versions of `dependencies` now for an entry living `lifetimeMs`; undefined when unknown. */
type Capture = (dependencies: readonly string[], lifetimeMs: number) => Promise<string[] | undefined>

/** Tells `memo` what a cached read's answer depends on, once it is there; the answer passes through. */
export function reportAnswer(
  memo: MemoContext,
  result: Promise<ReadResult> | ReadResult,
): Promise<ReadResult> | ReadResult {
  if (!(result instanceof Promise)) {
    memo.report(result.basis)
    return result
  }
  return result.then((done) => {
    memo.report(done.basis)
    return done
  })
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
  const data = await load()
  memo.report(versions === undefined ? undefined : { dependencies, versions })
  return data
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
