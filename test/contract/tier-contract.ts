import { randomBytes } from 'node:crypto'
import { setTimeout as wait } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Prisma } from '../../generated/prisma/client.ts'
import type { StoredEntry, TierDriver } from '../../src/storage/tier.ts'

/** One driver under test, fresh for each test. */
export interface TierUnderTest<Async extends boolean> {
  driver: TierDriver<Async>
  /** Put before every key the suite uses (a namespace), so that test files never share a key. */
  keyPrefix: string
  /**
   * Lets `ms` pass for the driver's expiry: advances the clock a driver was given; nothing for a driver on real
   * time (the suite then polls until the entry is gone).
   */
  elapse(ms: number): void
  /** Closes what `create` opened, after the test. */
  dispose?(): Promise<void> | void
}

/** What the suite needs to run against one kind of tier. */
export interface TierContractOptions<Async extends boolean> {
  /** A driver for one test. Tests may run in parallel with other files: isolate by `keyPrefix`. */
  create(): TierUnderTest<Async> | Promise<TierUnderTest<Async>>
  /** A ttl (ms) the expiry tests can afford to see pass: on an injected clock any value, on real time 50–100. */
  shortTtlMs: number
}

/** How long the suite polls for an entry to expire on real time before it fails. */
const EXPIRY_DEADLINE_MS = 3_000
const POLL_MS = 5
/** A ttl no test outlives. */
const LONG_TTL_MS = 600_000

const NOW = 1_700_000_000_000
/** A version as Redis hands them out: beyond 2^53. */
const VERSION = ((BigInt(NOW) << 20n) | 12_345n).toString()

/** A row with every Prisma scalar type, nulls, and nested relations as a query returns them. */
export function everyScalarRow(): Record<string, unknown> {
  return {
    id: 1,
    bigId: 9_007_199_254_740_993n,
    minBigInt: -(2n ** 63n),
    price: new Prisma.Decimal('12345678901234567890.0123456789'),
    tinyDecimal: new Prisma.Decimal('-0.000000001'),
    ratio: 0.1 + 0.2,
    negativeZero: -0,
    notANumber: Number.NaN,
    infinity: Number.NEGATIVE_INFINITY,
    name: 'Zoë 👋 \u0000 "quoted" \\',
    empty: '',
    active: false,
    role: 'ADMIN',
    deletedAt: null,
    createdAt: new Date('2024-02-29T23:59:59.999Z'),
    epoch: new Date(0),
    avatar: Uint8Array.from([0, 1, 127, 128, 254, 255]),
    noBytes: new Uint8Array(0),
    settings: { theme: null, flags: [true, null, 3, 'x'], nested: { deep: { deeper: [null, { n: -1.5 }] } } },
    jsonNull: null,
    jsonList: [null, null],
    jsonText: 'just a string',
    jsonNumber: 0,
    tags: ['a', 'b', ''],
    scores: [1.5, -2, 0],
    posts: [
      { id: 10, title: 'first', publishedAt: new Date('2020-01-01T00:00:00.000Z'), views: 10n },
      { id: 11, title: 'second', publishedAt: null, views: 0n },
    ],
    profile: null,
    _count: { posts: 2 },
  }
}

/** An entry as the loader stores it, around `value`. */
export function entryOf(value: unknown, storedAt = NOW): StoredEntry {
  return {
    dependencies: ['User', 'Post', '#active-users', '@default', '*'],
    versions: ['1', VERSION, '18446744073709551615', VERSION, '42'],
    softVersion: VERSION,
    storedAt,
    value,
  }
}

/** The fields of {@link StoredEntry}: a tier may keep more of its own beside them. */
function storedFields(entry: StoredEntry | undefined): StoredEntry | undefined {
  if (entry === undefined) return undefined
  const { dependencies, versions, softVersion, storedAt, value } = entry
  return { dependencies, versions, softVersion, storedAt, value }
}

/**
 * The contract every cache tier keeps (after unstorage's `testDriver` and bentocache's driver suite): registers
 * the shared tests for a {@link TierDriver}, synchronous or asynchronous. Run it from one test file per tier.
 */
export function tierContract<Async extends boolean>(name: string, options: TierContractOptions<Async>): void {
  describe(`tier contract: ${name}`, () => {
    let under: TierUnderTest<Async>
    /** Synchronous or not: the suite awaits every answer. */
    let driver: TierDriver<boolean>
    let prefix: string
    const key = (suffix: string): string => `${prefix}${suffix}`
    const get = async (suffix: string): Promise<StoredEntry | undefined> => driver.get(key(suffix))
    const set = async (suffix: string, entry: StoredEntry, ttlMs = LONG_TTL_MS): Promise<void> =>
      driver.set(key(suffix), entry, ttlMs)
    const remove = async (suffix: string): Promise<void> => driver.delete(key(suffix))

    /** Waits until `suffix` is gone: at once on an injected clock, by polling on real time. */
    async function expectExpired(suffix: string): Promise<void> {
      const deadline = Date.now() + EXPIRY_DEADLINE_MS
      while ((await get(suffix)) !== undefined) {
        if (Date.now() > deadline)
          throw new Error(`${key(suffix)} still there ${EXPIRY_DEADLINE_MS} ms after its ttl`)
        await wait(POLL_MS)
      }
    }

    beforeEach(async () => {
      under = await options.create()
      driver = under.driver
      prefix = `${under.keyPrefix}${randomBytes(4).toString('hex')}:`
    })
    afterEach(async () => {
      await under.dispose?.()
    })

    it('answers synchronously when it says it is synchronous, with promises when it says it is asynchronous', async () => {
      const answers = [
        driver.set(key('k'), entryOf(1), LONG_TTL_MS),
        driver.get(key('k')),
        driver.delete(key('k')),
      ]
      for (const answer of answers) expect(answer instanceof Promise).toBe(driver.async)
      await Promise.all(answers)
    })

    it('get of a key never stored is undefined', async () => {
      expect(await get('missing')).toBeUndefined()
    })

    it.each<[string, () => unknown]>([
      [
        'rows with every Prisma scalar type, Json nulls and nested relations',
        () => [everyScalarRow(), everyScalarRow()],
      ],
      ['one row', everyScalarRow],
      ['null (nothing found)', () => null],
      ['a count', () => 42],
      ['an empty list', () => []],
      [
        'an aggregate',
        () => ({ _sum: { price: new Prisma.Decimal('1.5') }, _avg: { id: null }, _count: { _all: 3n } }),
      ],
    ])(
      'set then get returns an equal entry (same types, -0, Decimal, bytes not Buffer): %s',
      async (_, make) => {
        await set('k', entryOf(make()))
        expect(storedFields(await get('k'))).toStrictEqual(entryOf(make()))
      },
    )

    it('set replaces what was under the key, versions and all', async () => {
      await set('k', entryOf('old', NOW))
      const replacement: StoredEntry = {
        dependencies: ['Post'],
        versions: ['7'],
        softVersion: '8',
        storedAt: NOW + 5_000,
        value: { replaced: true },
      }
      await set('k', replacement)
      expect(storedFields(await get('k'))).toStrictEqual(replacement)
    })

    it('delete removes the entry and leaves the others', async () => {
      await set('a', entryOf('a'))
      await set('b', entryOf('b'))
      await remove('a')
      expect(await get('a')).toBeUndefined()
      expect((await get('b'))?.value).toBe('b')
    })

    it('delete of a key never stored is fine', async () => {
      await expect(remove('missing')).resolves.toBeUndefined()
      expect(await get('missing')).toBeUndefined()
    })

    it('keys are independent, including keys that extend one another and keys with any characters', async () => {
      const suffixes = ['k', 'k:', 'k:lock', 'k1', 'K', '{tag}:k', 'with space', 'ключ', 'k\n']
      for (const [i, suffix] of suffixes.entries()) await set(suffix, entryOf(i))
      for (const [i, suffix] of suffixes.entries()) expect((await get(suffix))?.value).toBe(i)
    })

    it('an entry expires after its ttl; another with a longer ttl stays', async () => {
      await set('short', entryOf('short'), options.shortTtlMs)
      await set('long', entryOf('long'))
      expect((await get('short'))?.value).toBe('short')
      under.elapse(options.shortTtlMs + 1)
      await expectExpired('short')
      expect((await get('long'))?.value).toBe('long')
    })

    it('set replaces the ttl too', async () => {
      await set('renewed', entryOf('first'), options.shortTtlMs)
      await set('renewed', entryOf('second'))
      await set('witness', entryOf('witness'), options.shortTtlMs)
      under.elapse(options.shortTtlMs + 1)
      await expectExpired('witness')
      expect((await get('renewed'))?.value).toBe('second')
    })

    it('keeps a large value', async () => {
      const rows = Array.from({ length: 5_000 }, (_, id) => ({ ...everyScalarRow(), id }))
      const text = 'x'.repeat(1024 * 1024)
      await set('large', entryOf({ rows, text }))
      const found = (await get('large'))?.value as { rows: unknown[]; text: string }
      expect(found.text).toBe(text)
      expect(found.rows).toHaveLength(5_000)
      expect(found.rows[4_999]).toStrictEqual({ ...everyScalarRow(), id: 4_999 })
    })

    it('keeps many keys set at once, each with its own entry', async () => {
      const count = 500
      const indexes = Array.from({ length: count }, (_, i) => i)
      await Promise.all(indexes.map((i) => set(`many:${i}`, entryOf({ i }))))
      const found = await Promise.all(indexes.map((i) => get(`many:${i}`)))
      expect(found.map((entry) => (entry?.value as { i: number } | undefined)?.i)).toEqual(indexes)
      await Promise.all(indexes.filter((i) => i % 2 === 0).map((i) => remove(`many:${i}`)))
      const left = await Promise.all(indexes.map((i) => get(`many:${i}`)))
      expect(left.map((entry) => entry !== undefined)).toEqual(indexes.map((i) => i % 2 === 1))
    })
  })
}
