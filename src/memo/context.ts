import { AsyncLocalStorage } from 'node:async_hooks'
import { compareVersions } from '../invalidation/versions.ts'
import type { Basis } from '../read/lookup.ts'

/** Why a memoized call's result is not stored. */
export type UncacheableReason = 'write' | 'transaction' | 'unknown-read'

/**
 * What one run of a memoized function read: every Prisma read inside it (cached or not, hit or miss, model or
 * raw, and nested memoized calls) reports the dependencies its answer is valid under, with the versions read
 * before its database query or recorded by the entry that served it. The run's result is valid while all of them
 * stay at the earliest version seen (G1: any bump after a read makes it stale).
 */
export class MemoContext {
  /** Milliseconds the result may be kept: versions captured for the reads inside must live as long. */
  readonly lifetimeMs: number
  readonly #versions = new Map<string, string>()
  #uncacheable: UncacheableReason | undefined
  /** The first write the call made, for the `uncacheable` event. */
  #write: { model: string; operation: string } | undefined
  #closed = false

  constructor(lifetimeMs: number) {
    this.lifetimeMs = lifetimeMs
  }

  /** Adds what one read's answer depends on; undefined: the answer's validity is unknown (not stored). */
  report(basis: Basis | undefined): void {
    if (this.#closed) return
    if (basis === undefined) {
      this.#uncacheable ??= 'unknown-read'
      return
    }
    const { dependencies, versions } = basis
    for (let i = 0; i < dependencies.length; i++) {
      const dependency = dependencies[i] as string
      const version = versions[i] as string
      const known = this.#versions.get(dependency)
      if (known === undefined || compareVersions(version, known) < 0) this.#versions.set(dependency, version)
    }
  }

  /** The result must not be stored (a write through the client, a read inside a transaction). */
  refuse(reason: UncacheableReason, write?: { model: string; operation: string }): void {
    if (this.#closed || this.#uncacheable !== undefined) return
    this.#uncacheable = reason
    this.#write = write
  }

  /** Why the result may not be stored, with the first write when that is why; undefined when it may. */
  get uncacheable(): { reason: UncacheableReason; model?: string; operation?: string } | undefined {
    const reason = this.#uncacheable
    return reason === undefined ? undefined : { reason, ...this.#write }
  }

  /** Ends collection (reads that finish later, in the background, no longer count); returns the basis. */
  close(): Basis | undefined {
    this.#closed = true
    if (this.#uncacheable !== undefined) return undefined
    return { dependencies: [...this.#versions.keys()], versions: [...this.#versions.values()] }
  }
}

const contexts = new AsyncLocalStorage<MemoContext>()

/** The memoized call the current async context runs in, if any. */
export function currentMemo(): MemoContext | undefined {
  return contexts.getStore()
}

/** Runs `fn` as the body of a memoized call: its reads report to `context`. */
export function runMemo<T>(context: MemoContext, fn: () => Promise<T>): Promise<T> {
  return contexts.run(context, fn)
}

/** Runs `fn` outside any memoized call (background work must not report to the caller's). */
export function outsideMemo<T>(fn: () => T): T {
  return contexts.exit(fn)
}

/** `own` followed by the dependencies of `collected` it lacks; a shared one keeps the earlier version. */
export function mergeBasis(own: Basis, collected: Basis): Basis {
  const dependencies = [...own.dependencies]
  const versions = [...own.versions]
  for (let i = 0; i < collected.dependencies.length; i++) {
    const dependency = collected.dependencies[i] as string
    const version = collected.versions[i] as string
    const at = dependencies.indexOf(dependency)
    if (at < 0) {
      dependencies.push(dependency)
      versions.push(version)
    } else if (compareVersions(version, versions[at] as string) < 0) versions[at] = version
  }
  return { dependencies, versions }
}
