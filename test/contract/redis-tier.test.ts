import { randomBytes } from 'node:crypto'
import { setTimeout as wait } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TUNABLES } from '../../src/config/defaults.ts'
import { SerializationError } from '../../src/errors.ts'
import { compareVersions, freshVersion } from '../../src/invalidation/versions.ts'
import { createCodec } from '../../src/storage/codec.ts'
import { GuardedCall } from '../../src/storage/guarded-call.ts'
import { RedisTier } from '../../src/storage/redis-tier.ts'
import type { RedisLike } from '../../src/types.ts'
import { createTestRedis, type TestRedis } from '../setup/redis.ts'
import { entryOf, everyScalarRow, tierContract } from './tier-contract.ts'

/** This file's namespace on the shared test Redis, and its connection. */
let redis: TestRedis
let client: Redis
let namespaces = 0

beforeAll(() => {
  redis = createTestRedis()
  client = redis.connect()
})
afterAll(async () => {
  await redis.close()
})

/** A namespace of this file no other test uses: version keys live under it, entry keys start with it. */
function namespace(): string {
  return `${redis.namespace}n${namespaces++}`
}

function tierOn(connection: RedisLike, ns: string): RedisTier {
  return new RedisTier({
    client: connection,
    namespace: ns,
    codec: createCodec(),
    guard: new GuardedCall({ timeoutMs: 5_000, clock: Date.now }),
  })
}

tierContract('RedisTier', {
  create() {
    const ns = namespace()
    return { driver: tierOn(client, ns), keyPrefix: `${ns}:`, elapse: () => {} }
  },
  shortTtlMs: 50,
})

/** A client that records the name of every command it is sent, for counting round trips. */
/** Methods of a client that are no Redis command. */
const EVENT_METHODS = new Set(['on', 'once', 'off', 'removeListener'])

function recording(target: Redis): { client: RedisLike; commands: string[] } {
  const commands: string[] = []
  const proxy = new Proxy(target, {
    get(object, property, receiver) {
      const member = Reflect.get(object, property, receiver)
      if (typeof member !== 'function') return member
      return (...args: unknown[]) => {
        // Listening to the connection's events is no command.
        if (!EVENT_METHODS.has(String(property))) commands.push(String(property))
        return member.apply(object, args)
      }
    },
  })
  return { client: proxy as unknown as RedisLike, commands }
}

/** The same client without `mgetBuffer`, as the tier sees an ioredis Cluster. */
function withoutMgetBuffer(target: Redis): RedisLike {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (property === 'mgetBuffer') return undefined
      const member = Reflect.get(object, property, receiver)
      return typeof member === 'function' ? member.bind(object) : member
    },
  }) as unknown as RedisLike
}

describe('RedisTier, beyond the contract', () => {
  let ns: string
  let tier: RedisTier
  const dependencies = ['User', '#active-users', '~default']
  const fresh = () => freshVersion(Date.now())

  beforeEach(() => {
    ns = namespace()
    tier = tierOn(client, ns)
  })

  it('refuses an entry without a finite ttl before sending anything (entries always expire, G8)', async () => {
    const key = `${ns}:forever`
    await expect(tier.set(key, entryOf({ id: 1 }), Number.POSITIVE_INFINITY)).rejects.toThrow(/finite ttl/)
    expect(await client.exists(key)).toBe(0)
  })

  describe('lookup', () => {
    it('returns the entry bytes and the current versions in one command', async () => {
      const key = `${ns}:k`
      const entry = entryOf([everyScalarRow()])
      await tier.set(key, entry, 60_000)
      const versions = await tier.currentVersions(dependencies, fresh, 60_000)
      const recorded = recording(client)
      const { bytes, versions: found } = await tierOn(recorded.client, ns).lookup(key, dependencies)
      expect(recorded.commands).toEqual(['mgetBuffer'])
      expect(found).toEqual(versions)
      expect(bytes).not.toBeNull()
      expect(tier.decode(key, bytes as Buffer)).toStrictEqual(entryOf([everyScalarRow()]))
    })

    it('returns null bytes for a missing entry and null for each missing version, in the order asked', async () => {
      const [user] = await tier.currentVersions(['User'], fresh, 60_000)
      const result = await tier.lookup(`${ns}:missing`, ['#never', 'User', '~never'])
      expect(result).toEqual({ bytes: null, versions: [null, user, null] })
    })

    it('answers the same without mgetBuffer (a Cluster: GET and MGET sent together)', async () => {
      const key = `${ns}:k`
      await tier.set(key, entryOf('v'), 60_000)
      await tier.currentVersions(['User'], fresh, 60_000)
      const single = await tier.lookup(key, ['User', '#never'])
      const cluster = await tierOn(withoutMgetBuffer(client), ns).lookup(key, ['User', '#never'])
      expect(cluster.versions).toEqual(single.versions)
      expect(Buffer.compare(cluster.bytes as Buffer, single.bytes as Buffer)).toBe(0)
    })

    it('get rejects with a SerializationError for bytes that are not an entry (callers make it a miss)', async () => {
      const key = `${ns}:garbage`
      await tier.setBytes(key, Buffer.from('not an entry'), 60_000)
      await expect(tier.get(key)).rejects.toThrow(SerializationError)
    })
  })

  describe('versions', () => {
    it('currentVersions creates missing versions with the fresh values, and returns existing ones unchanged', async () => {
      const minted: string[] = []
      const mint = () => {
        const version = freshVersion(Date.now())
        minted.push(version)
        return version
      }
      const first = await tier.currentVersions(['User', 'Post'], mint, 60_000)
      expect(first).toEqual(minted)
      const [user] = first
      const second = await tier.currentVersions(['User', 'Tag'], mint, 60_000)
      expect(second[0]).toBe(user)
      expect(second[1]).toBe(minted[minted.length - 1])
      expect(await tier.readVersions(['User', 'Post', 'Tag', 'Nothing'])).toEqual([...first, second[1], null])
    })

    it('currentVersions keeps version keys at least as long as the entry (never shorter), but not forever (G8)', async () => {
      await tier.currentVersions(['User'], fresh, 600_000)
      const floor = 600_000 + TUNABLES.versionTtlMarginMs
      const ttl = await client.pttl(tier.versionKey('User'))
      expect(ttl).toBeGreaterThan(floor - 5_000)
      expect(ttl).toBeLessThanOrEqual(floor)
      await tier.currentVersions(['User'], fresh, 1_000)
      expect(await client.pttl(tier.versionKey('User'))).toBeGreaterThan(floor - 5_000)
    })

    it('currentVersions never returns an old value after the version key is gone (evicted, expired, flushed)', async () => {
      const seen = new Set<string>()
      const [created] = await tier.currentVersions(['User'], fresh, 60_000)
      seen.add(created as string)
      for (let i = 0; i < 3; i++)
        for (const version of await tier.bumpVersions(['User'], fresh)) seen.add(version)
      await client.del(tier.versionKey('User'))
      const later = () => freshVersion(Date.now() + 1_000)
      const [recreated] = await tier.currentVersions(['User'], later, 60_000)
      expect(seen.has(recreated as string)).toBe(false)
      for (const old of seen) expect(compareVersions(recreated as string, old)).toBeGreaterThan(0)
    })

    it('bumpVersions increments each existing version by one, exactly, beyond 2^53, keeping its expiry', async () => {
      const [user] = await tier.currentVersions(['User'], fresh, 600_000)
      const before = await client.pttl(tier.versionKey('User'))
      const [bumped] = await tier.bumpVersions(['User'], fresh)
      expect(BigInt(bumped as string)).toBe(BigInt(user as string) + 1n)
      expect(BigInt(bumped as string)).toBeGreaterThan(2n ** 53n)
      expect(await tier.readVersions(['User'])).toEqual([bumped])
      expect(await client.pttl(tier.versionKey('User'))).toBeGreaterThan(before - 5_000)
    })

    it('bumpVersions starts a missing version at the fresh value, which lives newVersionTtlMs', async () => {
      const value = freshVersion(Date.now())
      expect(await tier.bumpVersions(['#new-tag'], () => value)).toEqual([value])
      const ttl = await client.pttl(tier.versionKey('#new-tag'))
      expect(ttl).toBeGreaterThan(TUNABLES.newVersionTtlMs - 5_000)
      expect(ttl).toBeLessThanOrEqual(TUNABLES.newVersionTtlMs)
    })

    it('keeps every version key of a namespace under one hash tag, and apart from other namespaces', async () => {
      expect(tier.versionKey('User')).toBe(`{${ns}}:v:User`)
      const other = tierOn(client, namespace())
      await tier.currentVersions(['User'], fresh, 60_000)
      expect(await other.readVersions(['User'])).toEqual([null])
    })
  })

  describe('lease locks', () => {
    const token = () => randomBytes(8).toString('hex')

    it('only one owner holds a lock; a release by anyone else leaves it held', async () => {
      const lock = `${ns}:k:lock`
      const [mine, theirs] = [token(), token()]
      expect(await tier.acquireLock(lock, mine, 60_000)).toBe(true)
      expect(await tier.acquireLock(lock, theirs, 60_000)).toBe(false)
      expect(await tier.acquireLock(lock, mine, 60_000)).toBe(false)
      await tier.releaseLock(lock, theirs)
      expect(await tier.acquireLock(lock, theirs, 60_000)).toBe(false)
      await tier.releaseLock(lock, mine)
      expect(await tier.acquireLock(lock, theirs, 60_000)).toBe(true)
    })

    it('a lease expires after leaseMs; its late owner then cannot release the next owner’s lock', async () => {
      const lock = `${ns}:k:lock`
      const [late, next] = [token(), token()]
      expect(await tier.acquireLock(lock, late, 50)).toBe(true)
      const deadline = Date.now() + 3_000
      while (!(await tier.acquireLock(lock, next, 60_000))) {
        if (Date.now() > deadline) throw new Error('the lease never expired')
        await wait(5)
      }
      await tier.releaseLock(lock, late)
      expect(await client.get(lock)).toBe(next)
    })

    it('locks of different keys are independent', async () => {
      expect(await tier.acquireLock(`${ns}:a:lock`, token(), 60_000)).toBe(true)
      expect(await tier.acquireLock(`${ns}:b:lock`, token(), 60_000)).toBe(true)
    })
  })
})
