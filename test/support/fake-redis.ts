import { SCRIPTS } from '../../src/storage/redis-scripts.ts'
import type { RedisLike } from '../../src/types.ts'

/** A command as the fake received it: `name` is the Redis command, or the script's name for EVALSHA. */
export interface FakeCommand {
  name: 'GET' | 'MGET' | 'SET' | 'SET NX' | 'DEL' | 'current' | 'bump' | 'release' | 'lookup'
  keys: readonly string[]
}

type ScriptName = 'current' | 'bump' | 'release' | 'lookup'

const SCRIPT_NAMES = new Map<string, ScriptName>([
  [SCRIPTS.current.sha, 'current'],
  [SCRIPTS.bump.sha, 'bump'],
  [SCRIPTS.release.sha, 'release'],
  [SCRIPTS.lookup.sha, 'lookup'],
])

/** Reads an entry's dependencies and their recorded versions from its header (the layout of `storage/entry.ts`). */
function headerOf(bytes: Buffer): { storedAt: number; recorded: [string, string][] } | undefined {
  if (bytes.toString('latin1', 0, 3) !== 'Q2,') return undefined
  let position = 3
  const field = () => {
    const end = bytes.indexOf(0x2c, position)
    const text = bytes.toString('latin1', position, end)
    position = end + 1
    return text
  }
  const storedAt = Number(field())
  field()
  const count = Number(field())
  const recorded: [string, string][] = []
  for (let i = 0; i < count; i++) {
    const length = Number(field())
    const dependency = bytes.toString('utf8', position, position + length)
    position += length
    recorded.push([dependency, field()])
  }
  return { storedAt, recorded }
}

/**
 * An in-process stand-in for the few Redis commands `RedisTier` sends, with controllable replies: every command
 * is logged when it is issued, and `before` may hold its reply (a slow command: the effect happens when it is
 * released) or fail it. Expiry is not modelled: tests that need it run against the real Redis. Replies come on
 * microtasks only, never on a timer, so an ordering against `setImmediate` is deterministic.
 */
export class FakeRedis implements RedisLike {
  readonly data = new Map<string, string | Buffer>()
  readonly commands: FakeCommand[] = []
  /** Runs when a command is issued, before it takes effect: return a promise to hold it, throw to fail it. */
  before: ((command: FakeCommand) => Promise<void> | void) | undefined
  /** Another instance holds every lease lock: `SET NX` of a lock replies null. */
  locksHeldElsewhere = false
  /** With `lookupScript`, the binary-safe script calls a single Redis has: reads run the one-trip LOOKUP. */
  readonly evalshaBuffer?: RedisLike['evalshaBuffer']
  readonly evalBuffer?: RedisLike['evalBuffer']
  readonly #holds: {
    name: FakeCommand['name']
    key: string | undefined
    issued(): void
    released: Promise<void>
  }[] = []

  constructor(options: { lookupScript?: boolean } = {}) {
    if (options.lookupScript === true) {
      this.evalshaBuffer = (sha, numKeys, ...args) => this.evalsha(sha, numKeys, ...args)
      this.evalBuffer = (source, numKeys, ...args) => this.eval(source, numKeys, ...args)
    }
  }

  /**
   * Holds the next command named `name` (on `key`, when given): `issued` resolves when it is sent, and it takes
   * effect only at `release()`.
   */
  hold(name: FakeCommand['name'], key?: string): { issued: Promise<void>; release(): void } {
    let issued!: () => void
    let release!: () => void
    const hold = {
      name,
      key,
      issued: () => issued(),
      released: new Promise<void>((resolve) => {
        release = resolve
      }),
    }
    this.#holds.push(hold)
    return {
      issued: new Promise<void>((resolve) => {
        issued = resolve
      }),
      release: () => release(),
    }
  }

  /** The commands issued so far named `name`. */
  issued(name: FakeCommand['name'], key?: string): FakeCommand[] {
    return this.commands.filter((c) => c.name === name && (key === undefined || c.keys.includes(key)))
  }

  async #run<T>(name: FakeCommand['name'], keys: readonly string[], effect: () => T): Promise<T> {
    const command: FakeCommand = { name, keys }
    this.commands.push(command)
    const hold = this.#holds.find((h) => h.name === name && (h.key === undefined || keys.includes(h.key)))
    if (hold !== undefined) {
      this.#holds.splice(this.#holds.indexOf(hold), 1)
      hold.issued()
      await hold.released
    }
    await this.before?.(command)
    return effect()
  }

  #buffer(key: string): Buffer | null {
    const value = this.data.get(key)
    return value === undefined ? null : Buffer.from(value)
  }

  #text(key: string): string | null {
    const value = this.data.get(key)
    return value === undefined ? null : value.toString()
  }

  mgetBuffer(...keys: string[]): Promise<(Buffer | null)[]> {
    return this.#run('MGET', keys, () => keys.map((key) => this.#buffer(key)))
  }

  get(key: string): Promise<string | null> {
    return this.#run('GET', [key], () => this.#text(key))
  }

  getBuffer(key: string): Promise<Buffer | null> {
    return this.#run('GET', [key], () => this.#buffer(key))
  }

  mget(...keys: string[]): Promise<(string | null)[]> {
    return this.#run('MGET', keys, () => keys.map((key) => this.#text(key)))
  }

  del(...keys: string[]): Promise<number> {
    return this.#run('DEL', keys, () => keys.filter((key) => this.data.delete(key)).length)
  }

  set(key: string, value: string | Buffer, _mode: 'PX', _ms: number, nx?: 'NX'): Promise<unknown> {
    if (nx === undefined) {
      return this.#run('SET', [key], () => {
        this.data.set(key, Buffer.from(value))
        return 'OK'
      })
    }
    return this.#run('SET NX', [key], () => {
      if (this.locksHeldElsewhere || this.data.has(key)) return null
      this.data.set(key, value)
      return 'OK'
    })
  }

  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    const name = SCRIPT_NAMES.get(sha)
    if (name === undefined) return Promise.reject(new Error('NOSCRIPT No matching script'))
    const keys = args.slice(0, numKeys).map(String)
    const argv = args.slice(numKeys).map(String)
    return this.#run(name, keys, () => this.#script(name, keys, argv))
  }

  eval(source: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    const script = Object.values(SCRIPTS).find((s) => s.source === source)
    if (script === undefined) return Promise.reject(new Error('ERR unknown script'))
    return this.evalsha(script.sha, numKeys, ...args)
  }

  script(): Promise<unknown> {
    return Promise.resolve('OK')
  }

  quit(): Promise<unknown> {
    return Promise.resolve('OK')
  }

  /** The scripts' effects, as `redis-scripts.ts` defines them (the real ones run in test/contract). */
  #script(name: ScriptName, keys: readonly string[], argv: readonly string[]): unknown {
    switch (name) {
      case 'current':
        return keys.map((key, i) => {
          const known = this.#text(key)
          if (known !== null) return known
          this.data.set(key, argv[i + 1] as string)
          return argv[i + 1]
        })
      case 'bump':
        return keys.map((key, i) => {
          const known = this.#text(key)
          const next = known === null ? (argv[i + 1] as string) : (BigInt(known) + 1n).toString()
          this.data.set(key, next)
          return next
        })
      case 'release':
        if (this.#text(keys[0] as string) !== argv[0]) return 0
        this.data.delete(keys[0] as string)
        return 1
      case 'lookup':
        return this.#lookup(keys, argv)
    }
  }

  /** The LOOKUP script: judge the entry by its header; else capture (creating versions) and try the lock. */
  #lookup(keys: readonly string[], argv: readonly string[]): unknown {
    const [entryKey, lockKey, ...versionKeys] = keys as [string, string, ...string[]]
    const [prefix, now, servableMs, leaseMs, token, , fresh] = argv as string[]
    const bytes = this.#buffer(entryKey)
    const versions = versionKeys.map((key) => this.#text(key))
    const header = bytes === null ? undefined : headerOf(bytes)
    const asBuffers = () => versions.map((v) => (v === null ? null : Buffer.from(v)))
    // An entry in an earlier layout: left to the caller, nothing written.
    if (bytes !== null && header === undefined) return [bytes, asBuffers(), 3]
    if (
      header !== undefined &&
      versions.every((v) => v !== null) &&
      Number(now) - header.storedAt <= Number(servableMs) &&
      header.recorded.every(([dependency, version]) => this.#text(`${prefix}${dependency}`) === version)
    ) {
      return [bytes, asBuffers(), 0]
    }
    versionKeys.forEach((key, i) => {
      if (versions[i] === null) {
        versions[i] = fresh as string
        this.data.set(key, fresh as string)
      }
    })
    let outcome = 1
    if (leaseMs !== '0' && !this.locksHeldElsewhere && !this.data.has(lockKey)) {
      this.data.set(lockKey, token as string)
      outcome = 2
    }
    return [bytes, asBuffers(), outcome]
  }
}
