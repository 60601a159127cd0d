import { randomBytes } from 'node:crypto'
/**
 * One cache *instance* per namespace and process: every client extended with `queryCache()` in one process that
 * shares a namespace (and uses Redis, or does not, alike) shares its versions, its memory tier and its bus, so a
 * write through any of them invalidates for all of them before it returns. Other processes are other instances:
 * they hear of writes through Redis and the bus. Reference-counted: the last client to close closes the bus.
 */
import { TUNABLES } from './config/defaults.ts'
import type { ResolvedOptions } from './config/options.ts'
import { InvalidationBus } from './invalidation/bus.ts'
import { LocalVersions } from './invalidation/versions.ts'
import { InvalidationJournal } from './observability/journal.ts'
import { GuardedCall } from './storage/guarded-call.ts'
import { MemoryTier } from './storage/memory-tier.ts'
import type { CacheEvent, RedisLike } from './types.ts'

/** What an attached client hears from the shared bus. */
export interface InstanceListener {
  emit(event: CacheEvent): void
  fail(operation: string, error: unknown): void
  /** Another instance's invalidation arrived over the bus, `delayMs` after it was sent (when it says). */
  heard?(delayMs: number | undefined): void
}

/** Test-only: clients given different values of this option are separate instances even in one process. */
export const INSTANCE_ID: unique symbol = Symbol.for('prisma-query-cache.instance')

/** The state the clients of one instance share. */
export class SharedInstance {
  /** A random id of this instance (process-wide per namespace), e.g. to tell instances apart on a dashboard. */
  readonly id = randomBytes(6).toString('hex')
  readonly versions: LocalVersions
  /** What moved each dependency last, to say why a read missed. */
  readonly journal: InvalidationJournal
  readonly bus: InvalidationBus | undefined
  readonly #key: string
  readonly #options: ResolvedOptions
  readonly #listeners = new Set<InstanceListener>()
  #memory: MemoryTier | undefined
  #clients = 0
  #closing: Promise<void> | undefined

  constructor(key: string, options: ResolvedOptions, redis: RedisLike | undefined) {
    this.#key = key
    this.#options = options
    this.versions = new LocalVersions(options.clock, TUNABLES.maxLocalVersions)
    this.journal = new InvalidationJournal(TUNABLES.journalSize, options.clock)
    this.bus =
      redis === undefined
        ? undefined
        : new InvalidationBus({
            redis,
            namespace: options.namespace,
            clock: options.clock,
            downTrustMs: TUNABLES.busDownTrustMs,
            guard: new GuardedCall({ timeoutMs: options.redisTimeoutMs, clock: options.clock }),
            retryMs: TUNABLES.retryMs,
            onVersions: (dependencies, versions, sentAt) => {
              this.versions.learn(dependencies, versions, this.bus?.stamp() ?? -1)
              this.journal.record(dependencies, 'bus')
              const delay = sentAt === undefined ? undefined : Date.now() - sentAt
              for (const listener of this.#listeners) listener.heard?.(delay)
              this.#emit({ type: 'invalidate', dependencies, mode: 'hard', cause: 'bus' })
            },
            // Messages may have been missed: forget what this instance knew; Redis has the truth.
            onMissed: () => this.versions.clear(),
            onUp: () => this.#emit({ type: 'bus', state: 'up' }),
            onDown: () => this.#emit({ type: 'bus', state: 'down' }),
            onError: (operation, error) => {
              for (const listener of this.#listeners) listener.fail(operation, error)
            },
          })
  }

  #emit(event: CacheEvent): void {
    for (const listener of this.#listeners) listener.emit(event)
  }

  /** The memory tier, made with the bounds of the first client that asks for one. */
  memory(bounds: { maxEntries: number; maxBytes: number }): MemoryTier {
    this.#memory ??= new MemoryTier({ ...bounds, clock: this.#options.clock })
    return this.#memory
  }

  /** Entries and bytes of the memory tier, when there is one. */
  get memorySize(): { entries: number; bytes: number } | undefined {
    const memory = this.#memory
    return memory === undefined ? undefined : { entries: memory.size, bytes: memory.bytes }
  }

  attach(listener: InstanceListener): void {
    this.#clients++
    this.#listeners.add(listener)
  }

  /** Detaches a client; the last one closes the bus and frees the namespace for a new instance. */
  async detach(listener: InstanceListener): Promise<void> {
    if (!this.#listeners.delete(listener)) return
    this.#clients--
    if (this.#clients > 0) return
    if (INSTANCES.get(this.#key) === this) INSTANCES.delete(this.#key)
    this.#closing ??= this.bus?.close() ?? Promise.resolve()
    await this.#closing
  }
}

const INSTANCES = new Map<string, SharedInstance>()

/**
 * The instance of a client: the one its namespace already has in this process (with or without Redis alike),
 * or a new one. `separate` (tests) keeps clients apart that would otherwise share.
 */
export function instanceFor(
  options: ResolvedOptions,
  redis: RedisLike | undefined,
  separate: string | undefined,
): SharedInstance {
  const key = `${redis === undefined ? 'memory' : 'redis'}:${options.namespace}:${separate ?? ''}`
  let instance = INSTANCES.get(key)
  if (instance === undefined) {
    instance = new SharedInstance(key, options, redis)
    INSTANCES.set(key, instance)
    instance.bus?.start()
  }
  return instance
}
