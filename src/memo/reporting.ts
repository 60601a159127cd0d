import type { ReadResult } from '../read/lookup.ts'
import type { MemoContext } from './context.ts'

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
  capture: (dependencies: readonly string[], lifetimeMs: number) => Promise<string[] | undefined>,
  load: () => Promise<T>,
): Promise<T> {
  const versions = await capture(dependencies, memo.lifetimeMs)
  const data = await load()
  memo.report(versions === undefined ? undefined : { dependencies, versions })
  return data
}
