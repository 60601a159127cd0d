import type { ResolvedOptions } from '../config/options.ts'
import type { MemoryTrust } from '../invalidation/bus.ts'
import type { LocalVersions } from '../invalidation/versions.ts'
import type { Reporter } from '../observability/events.ts'
import type { InvalidationJournal } from '../observability/journal.ts'
import type { TransactionWindow } from '../prisma/transactions.ts'
import type { MemoryTier } from '../storage/memory-tier.ts'
import type { RedisTier } from '../storage/redis-tier.ts'
import type { BackgroundWork } from './background-work.ts'
import { Loader, type LoaderHooks } from './loader.ts'
import type { TierReader } from './lookup.ts'
import { MemoryReader } from './memory-reader.ts'
import { ReadPath } from './read-path.ts'
import { RedisReader } from './redis-reader.ts'
import { WriteBehind } from './write-behind.ts'

/** What the read path is built from: the instance's shared parts and this cache's own. */
export interface ReadPathParts {
  options: ResolvedOptions
  versions: LocalVersions
  trust: MemoryTrust
  journal: InvalidationJournal
  reporter: Reporter
  background: BackgroundWork
  /** The instance's memory tier, or undefined with `memory: false`. */
  memory: MemoryTier | undefined
  redis: RedisTier | undefined
  hooks: LoaderHooks | undefined
  /** On a client with one connection (SQLite): loads that overlapped one of its transactions are not stored. */
  transactions: TransactionWindow | undefined
}

/** The read path over the tiers (memory first, then Redis) and the loader behind them. */
export function buildReadPath(parts: ReadPathParts): { readPath: ReadPath; loader: Loader } {
  const { options, versions, trust, journal, reporter, background } = parts
  const { clock } = options
  const memory =
    parts.memory === undefined ? undefined : new MemoryReader(parts.memory, versions, trust, clock, journal)
  const tiers: TierReader[] = memory === undefined ? [] : [memory]
  let redis: { tier: RedisTier; reader: RedisReader; writeBehind: WriteBehind } | undefined
  if (parts.redis !== undefined) {
    const writeBehind = new WriteBehind(parts.redis, background, reporter)
    const reader = new RedisReader({
      redis: parts.redis,
      versions,
      trust,
      reporter,
      clock,
      writeBehind,
      memory,
      journal,
      background,
    })
    tiers.push(reader)
    redis = { tier: parts.redis, reader, writeBehind }
  }
  const loader = new Loader({
    versions,
    reporter,
    clock,
    background,
    memory,
    redis,
    hooks: parts.hooks,
    transactions: parts.transactions,
  })
  return { readPath: new ReadPath(tiers, loader, reporter, clock), loader }
}
