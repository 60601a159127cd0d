/**
 * G7 on one provider (run per provider by `fidelity*.test.ts`): every Prisma scalar the provider has survives
 * both tiers exactly (a hit equals the uncached read, types included), and results handed out are private
 * copies.
 */
import { describe, expect, it } from 'vitest'
import { Prisma } from '../../../generated/prisma/client.ts'
import type { QueryCacheOptions } from '../../../src/index.ts'
import { FEATURES, type Provider } from '../../setup/providers.ts'
import { cachedClient, useFixture } from '../helpers.ts'

/** Describes a value with its exact runtime types, so that 1 vs 1n, Buffer vs Uint8Array, Decimal vs string differ. */
function typed(value: unknown): unknown {
  if (value === null) return null
  if (typeof value === 'bigint') return { bigint: value.toString() }
  if (typeof value === 'number') return { number: Object.is(value, -0) ? '-0' : String(value) }
  if (value instanceof Date) return { date: value.getTime() }
  if (Prisma.Decimal.isDecimal(value)) {
    return { decimal: (value as Prisma.Decimal).toFixed(), ctor: value.constructor === Prisma.Decimal }
  }
  if (value instanceof Uint8Array) return { bytes: [...value], ctor: value.constructor.name }
  if (Array.isArray(value)) return value.map(typed)
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, typed(v)]))
  }
  return { [typeof value]: value }
}

const FULL_SAMPLE = {
  str: 'héllo ✓ \t "quoted"',
  int: -2147483648,
  big: 9223372036854775807n,
  float: -0.1 + 0.2,
  dec: new Prisma.Decimal('12345678901234567890.0123456789'),
  bool: true,
  date: new Date('2024-02-29T23:59:59.999Z'),
  json: {
    nested: { list: [1, 'two', null, true, { deep: [] }] },
    big: 1e300,
    neg: -0.5,
    emptyKey: { '': 1 },
  },
  jsonOpt: Prisma.JsonNull,
  bytes: new Uint8Array([0, 1, 2, 253, 254, 255]),
  role: 'ADMIN' as const,
  optStr: null,
  optDate: null,
  optDec: new Prisma.Decimal('-0.0000000001'),
  optBig: -9223372036854775808n,
  optBytes: null,
  strs: ['a', '', 'ü'],
  ints: [0, -1, 2147483647],
  bigs: [0n, -1n, 9007199254740993n],
  floats: [1e300, 1e-300, 3.14, -0.5],
  decs: [new Prisma.Decimal('0.1'), new Prisma.Decimal('-99999999999999999999.9999999999')],
  bools: [true, false],
  dates: [new Date(0), new Date('1900-01-01T00:00:00.000Z')],
  roles: ['USER', 'ADMIN'] as ('USER' | 'ADMIN')[],
}

/** The scalar list fields of Sample: only PostgreSQL has them (the other copies of the schema drop them). */
const LIST_FIELDS = ['strs', 'ints', 'bigs', 'floats', 'decs', 'bools', 'dates', 'roles'] as const

/** {@link FULL_SAMPLE} without the list fields where the provider has none. */
function sampleFor(provider: Provider) {
  if (FEATURES[provider].scalarLists) return FULL_SAMPLE
  const sample: Partial<typeof FULL_SAMPLE> = { ...FULL_SAMPLE }
  for (const field of LIST_FIELDS) delete sample[field]
  return sample as typeof FULL_SAMPLE
}

/** Registers the fidelity suite on `provider`. */
export function describeFidelity(provider: Provider): void {
  const fixture = useFixture({ truncate: false, provider })
  const SAMPLE = sampleFor(provider)
  // SQLite's sum() of integers raises past 2^63, where PostgreSQL and MySQL widen to a decimal.
  const BIG_SUMS = FEATURES[provider].dialect !== 'sqlite'
  // adapter-better-sqlite3 binds a Decimal as a double (SQLite has no decimal type).
  const EXACT_DECIMALS = FEATURES[provider].dialect !== 'sqlite'

  const SETUPS: { name: string; options: () => QueryCacheOptions; tier: 'memory' | 'redis' }[] = [
    { name: 'memory tier', options: () => ({}), tier: 'memory' },
    {
      name: 'redis tier',
      options: () => ({ redis: fixture.connection(), namespace: fixture.namespace(), memory: false }),
      tier: 'redis',
    },
  ]

  describe.each(SETUPS)(`G7 fidelity [${provider}] ($name)`, ({ options, tier }) => {
    const kinds = FEATURES[provider].scalarLists ? 'scalar and list' : 'scalar (no lists on this provider)'
    it(`every scalar type, ${kinds}, comes back exactly from a hit`, async () => {
      const { prisma, base } = cachedClient(fixture.db, options())
      const created = await base.sample.create({ data: SAMPLE })
      const other = await base.sample.create({
        data: { ...SAMPLE, json: [], jsonOpt: { a: null }, optStr: 'x' },
      })
      const uncached = await base.sample.findMany({
        orderBy: [{ str: 'asc' }, { id: 'asc' }],
        where: { id: { in: [created.id, other.id] } },
      })
      const read = () =>
        prisma.sample
          .findMany({
            orderBy: [{ str: 'asc' }, { id: 'asc' }],
            where: { id: { in: [created.id, other.id] } },
            cacheStrategy: { ttl: 60 },
          })
          .withCacheInfo()
      await read()
      if (tier === 'redis') await prisma.$cache.close()
      const hit = await read()
      expect(hit.info).toMatchObject({ status: 'hit', tier })
      expect(typed(hit.data)).toEqual(typed(uncached))
      expect(hit.data[0]?.dec).toBeInstanceOf(Prisma.Decimal)
      expect(hit.data[0]?.bytes.constructor).toBe(Uint8Array)
      expect(typeof hit.data[0]?.big).toBe('bigint')
      // What the cache reproduces is what the database returned: on SQLite a Decimal keeps a double's precision.
      const stored = uncached.find((row) => row.id === created.id)?.dec
      if (EXACT_DECIMALS) expect(stored?.toFixed()).toBe(SAMPLE.dec.toFixed())
      else expect(stored?.toFixed()).toBe(new Prisma.Decimal(SAMPLE.dec.toNumber()).toFixed())
      await prisma.$cache.close()
    })

    it('null results, aggregates and groupBy come back exactly', async () => {
      const { prisma, base } = cachedClient(fixture.db, options())
      const aggregate = {
        _sum: { ...(BIG_SUMS ? { big: true as const } : {}), dec: true, float: true },
        _max: { big: true },
        _min: { date: true },
        _count: { _all: true },
      } as const
      const reads = [
        () => prisma.sample.findUnique({ where: { id: 'missing' }, cacheStrategy: { ttl: 60 } }),
        () => prisma.sample.aggregate({ ...aggregate, cacheStrategy: { ttl: 60 } }),
        () =>
          prisma.sample.groupBy({
            by: ['role'],
            _max: { dec: true },
            orderBy: { role: 'asc' },
            cacheStrategy: { ttl: 60 },
          }),
      ] as const
      const plain = [
        await base.sample.findUnique({ where: { id: 'missing' } }),
        await base.sample.aggregate(aggregate),
        await base.sample.groupBy({ by: ['role'], _max: { dec: true }, orderBy: { role: 'asc' } }),
      ]
      for (const read of reads) await read()
      if (tier === 'redis') await prisma.$cache.close()
      for (const [i, read] of reads.entries()) expect(typed(await read())).toEqual(typed(plain[i]))
      await prisma.$cache.close()
    })

    if (!BIG_SUMS) {
      it('SQLite: a sum past 2^63 fails in the database (integer overflow), and the failure is never cached', async () => {
        const { prisma, statements } = cachedClient(fixture.db, options())
        const sum = () => prisma.sample.aggregate({ _sum: { big: true }, cacheStrategy: { ttl: 60 } })
        await expect(sum()).rejects.toThrow(/integer overflow/)
        statements.reset()
        await expect(sum()).rejects.toThrow(/integer overflow/)
        expect(statements.count).toBe(1)
        await prisma.$cache.close()
      })
    }

    it('mutating nested values of a hit (Date, bytes, Json, lists) never reaches the next caller', async () => {
      const { prisma, base } = cachedClient(fixture.db, options())
      const { id } = await base.sample.create({ data: SAMPLE })
      const read = () => prisma.sample.findUnique({ where: { id }, cacheStrategy: { ttl: 60 } })
      const first = await read()
      if (tier === 'redis') await prisma.$cache.close()
      const hit = await read()
      if (hit === null || first === null) throw new Error('sample rows missing')
      hit.date.setTime(0)
      hit.bytes[0] = 99
      ;(hit.json as { nested: { list: unknown[] } }).nested.list.push('x')
      if (FEATURES[provider].scalarLists) hit.strs.push('y')
      const next = await read()
      expect(typed(next)).toEqual(typed(first))
      await prisma.$cache.close()
    })
  })
}
