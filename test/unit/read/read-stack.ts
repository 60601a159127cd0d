import { expect } from 'vitest'
import type { ResolvedRegion } from '../../../src/config/options.ts'
import { ALWAYS_TRUSTED, type MemoryTrust } from '../../../src/invalidation/bus.ts'
import {
  ALL_DEPENDENCY,
  regionDependency,
  softRegionDependency,
} from '../../../src/invalidation/dependency-ids.ts'
import { Invalidator } from '../../../src/invalidation/invalidator.ts'
import { freshVersion, LocalVersions } from '../../../src/invalidation/versions.ts'
import { Reporter } from '../../../src/observability/events.ts'
import { InvalidationJournal } from '../../../src/observability/journal.ts'
import { StatsRecorder } from '../../../src/observability/stats.ts'
import { BackgroundWork } from '../../../src/read/background-work.ts'
import { entryLifetime } from '../../../src/read/freshness.ts'
import { Loader, type LoaderHooks } from '../../../src/read/loader.ts'
import type { ReadResult, TierReader } from '../../../src/read/lookup.ts'
import { MemoryReader } from '../../../src/read/memory-reader.ts'
import type { ReadPlan } from '../../../src/read/planner.ts'
import { ReadPath } from '../../../src/read/read-path.ts'
import { RedisReader } from '../../../src/read/redis-reader.ts'
import { WriteBehind } from '../../../src/read/write-behind.ts'
import { createCodec } from '../../../src/storage/codec.ts'
import { GuardedCall } from '../../../src/storage/guarded-call.ts'
import { MemoryTier } from '../../../src/storage/memory-tier.ts'
import { RedisTier } from '../../../src/storage/redis-tier.ts'
import type { CacheEvent } from '../../../src/types.ts'
import type { FakeRedis } from '../../support/fake-redis.ts'
import { ManualClock } from '../../support/manual-clock.ts'

/** What the database holds before a test's write, and after it. */
export const ADA = [{ id: 1, name: 'Ada' }]
export const GRACE = [{ id: 1, name: 'Grace' }]

/** The result of a read that must have been answered synchronously (a memory hit or stale). */
export function synchronous(result: Promise<ReadResult> | ReadResult): ReadResult {
  expect(result).not.toBeInstanceOf(Promise)
  return result as ReadResult
}

/** The namespace of every stack's Redis tier. */
export const NAMESPACE = 'unit'

/** A region as the options resolve it: ttl 1 s, no swr, no staleIfError, memory tier only, unless said. */
export function regionOf(overrides: Partial<ResolvedRegion> = {}): ResolvedRegion {
  return {
    name: 'default',
    ttlMs: 1_000,
    swrMs: 0,
    staleIfErrorMs: 0,
    lock: true,
    lockLeaseMs: 2_000,
    memory: true,
    redis: false,
    ...overrides,
  }
}

/** A hand-made plan of a `User.findMany` read in `region` (its windows), depending on User, the region and all. */
export function planOf(region: ResolvedRegion, overrides: Partial<ReadPlan> = {}): ReadPlan {
  const plan = {
    key: `${NAMESPACE}:${region.name}:User:findMany:0123456789abcdef`,
    model: 'User',
    operation: 'findMany',
    region,
    ttlMs: region.ttlMs,
    swrMs: region.swrMs,
    staleIfErrorMs: region.staleIfErrorMs,
    dependencies: ['User', regionDependency(region.name), ALL_DEPENDENCY],
    guards: [],
    derive: undefined,
    softDependency: softRegionDependency(region.name),
    refresh: false,
    ...overrides,
  }
  return {
    captureDependencies: [...plan.dependencies, ...plan.guards, plan.softDependency],
    ...plan,
  }
}

/**
 * The database a load reads, under the test's control: `rows` is what a load reads now (each load returns a
 * fresh copy, as a driver does); `pause()` holds the answers of loads until opened; `fail()` makes them reject.
 */
export class FakeDatabase {
  rows: unknown = ADA
  /** Loads started. */
  loads = 0
  /** What the last load answered, as the cache received it. */
  lastAnswer: unknown
  #hold: Promise<void> | undefined
  #failure: { error: unknown } | undefined
  readonly #waiters: (() => void)[] = []

  /** Loads started from now read the rows at once and answer when `open()` is called. */
  pause(): { open(): void } {
    let open!: () => void
    this.#hold = new Promise<void>((resolve) => {
      open = resolve
    })
    return {
      open: () => {
        this.#hold = undefined
        open()
      },
    }
  }

  /** Loads started from now reject with `error`; `undefined` heals the database. */
  fail(error: unknown): void {
    this.#failure = error === undefined ? undefined : { error }
  }

  /** Resolves when the next load reads the rows. */
  nextLoad(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  readonly load = async (): Promise<unknown> => {
    this.loads++
    for (const resolve of this.#waiters.splice(0)) resolve()
    const answer = structuredClone(this.rows)
    const failure = this.#failure
    await this.#hold
    if (failure !== undefined) throw failure.error
    this.lastAnswer = answer
    return answer
  }
}

/** Errors shaped like Prisma's, as `isDatabaseFailure` tells them apart. */
export const PRISMA_ERRORS = {
  /** An answer about the data: the record was not found. */
  notFound: () =>
    Object.assign(new Error('No record found'), { name: 'PrismaClientKnownRequestError', code: 'P2025' }),
  /** An answer about the query. */
  invalidQuery: () => Object.assign(new Error('Unknown argument'), { name: 'PrismaClientValidationError' }),
  /** The database cannot be reached. */
  unreachable: () =>
    Object.assign(new Error("Can't reach database server"), {
      name: 'PrismaClientKnownRequestError',
      code: 'P1001',
    }),
  /** The connection or the engine failed. */
  connectionLost: () =>
    Object.assign(new Error('Connection terminated'), { name: 'PrismaClientUnknownRequestError' }),
} as const

/** Parts of a stack that are optional. */
export interface ReadStackOptions {
  hooks?: LoaderHooks
  /** Wires the Redis tier (reader, lease lock, write-behind) over this fake Redis. */
  redis?: FakeRedis
  /** An asynchronous tier asked after memory. */
  slowTier?: TierReader
  trust?: MemoryTrust
}

/**
 * The read side of one cache instance wired from the real parts, as `query-cache.ts` wires them, on a manual
 * clock: memory tier, local versions, loader, read path, stats and events, background work, the invalidator.
 */
export function readStack(options: ReadStackOptions = {}) {
  const clock = new ManualClock()
  const versions = new LocalVersions(clock.read, 1_000)
  const stats = new StatsRecorder()
  const events: CacheEvent[] = []
  const reporter = new Reporter(stats, (event) => events.push(event))
  const background = new BackgroundWork((operation, error, site) =>
    reporter.fail(undefined, operation, error, site),
  )
  const trust = options.trust ?? ALWAYS_TRUSTED
  const memory = new MemoryTier({ maxEntries: 100, maxBytes: 1_000_000, clock: clock.read })
  const journal = new InvalidationJournal(1_000, clock.read)
  const memoryReader = new MemoryReader(memory, versions, trust, clock.read, journal)
  const tiers: TierReader[] = [memoryReader]
  let redis: { tier: RedisTier; reader: RedisReader; writeBehind: WriteBehind } | undefined
  if (options.redis !== undefined) {
    const tier = redisTierOn(options.redis, clock)
    const writeBehind = new WriteBehind(tier, background, reporter)
    const reader = new RedisReader({
      journal,
      redis: tier,
      versions,
      trust,
      reporter,
      clock: clock.read,
      writeBehind,
      memory: memoryReader,
      background,
    })
    tiers.push(reader)
    redis = { tier, reader, writeBehind }
  }
  if (options.slowTier !== undefined) tiers.push(options.slowTier)
  const loader = new Loader({
    versions,
    reporter,
    clock: clock.read,
    background,
    memory: memoryReader,
    redis,
    hooks: options.hooks,
  })
  const readPath = new ReadPath(tiers, loader, reporter, clock.read)
  const invalidator = new Invalidator({
    journal,
    versions,
    reporter,
    clock: clock.read,
    background,
    redis: redis?.tier,
    bus: undefined,
  })
  return {
    clock,
    versions,
    stats,
    events,
    background,
    memory,
    redis,
    loader,
    readPath,
    read: (plan: ReadPlan, load: () => Promise<unknown>): Promise<ReadResult> | ReadResult =>
      readPath.read(plan, load),
    /** A write finished: its invalidation, as the cache makes it (Redis first when wired, then this instance). */
    invalidate: (dependencies: readonly string[], mode: 'hard' | 'soft' = 'hard') =>
      invalidator.invalidate(dependencies, mode, 'api'),
    /** The events of one type. */
    eventsOf: <T extends CacheEvent['type']>(type: T) =>
      events.filter((event): event is Extract<CacheEvent, { type: T }> => event.type === type),
  }
}

/** A Redis tier on `client` in {@link NAMESPACE}, timing on `clock` (another instance's, when it is another's). */
export function redisTierOn(client: FakeRedis, clock: ManualClock): RedisTier {
  return new RedisTier({
    client,
    namespace: NAMESPACE,
    codec: createCodec(),
    guard: new GuardedCall({ timeoutMs: 60_000, clock: clock.read }),
  })
}

/** Stores `rows` for `plan` in Redis as another instance's load would (versions captured, then the entry). */
export async function storeAsAnotherInstance(
  redis: FakeRedis,
  clock: ManualClock,
  plan: ReadPlan,
  rows: unknown,
) {
  const other = redisTierOn(redis, clock)
  const dependencies = [...plan.dependencies, plan.softDependency]
  const versions = await other.currentVersions(
    dependencies,
    () => freshVersion(clock.now),
    entryLifetime(plan),
  )
  const entry = {
    dependencies: plan.dependencies,
    versions: versions.slice(0, -1),
    softVersion: versions[versions.length - 1] as string,
    storedAt: clock.now,
    value: rows,
  }
  await other.set(plan.key, entry, entryLifetime(plan))
}
