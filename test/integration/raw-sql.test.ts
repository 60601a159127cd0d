import { describe, expect, it } from 'vitest'
import { Prisma } from '../../generated/prisma/client.ts'
import { type CacheEvent, type QueryCacheOptions, StrategyError } from '../../src/index.ts'
import { cachedClient, countDuring, useFixture } from './helpers.ts'

// G4: raw writes invalidate the models whose tables the SQL names, or everything when the SQL cannot be
// analysed; raw reads are cached only when asked, with explicit models or tags.

const fixture = useFixture()

const SETUPS: { name: string; options: () => QueryCacheOptions }[] = [
  { name: 'memory only', options: () => ({}) },
  {
    name: 'memory + redis',
    options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
  },
]

describe.each(SETUPS)('raw SQL ($name)', ({ options }) => {
  async function seeded() {
    const setup = cachedClient(fixture.db, options())
    const { prisma } = setup
    const user = await prisma.user.create({
      data: { email: 'raw@x.io', name: 'old', posts: { create: { title: 'p' } } },
    })
    await prisma.country.create({ data: { code: 'PT', name: 'Portugal' } })
    await prisma.tag.create({ data: { name: 'news' } })
    const reads = {
      users: () => prisma.user.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo(),
      countries: () => prisma.country.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo(),
      postsWithTags: () =>
        prisma.post.findMany({ include: { tags: true }, cacheStrategy: { ttl: 3600 } }).withCacheInfo(),
      tags: () => prisma.tag.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo(),
    }
    for (const read of Object.values(reads)) await read()
    return { ...setup, user, reads }
  }

  it('$executeRaw on a @@map-ped table invalidates that model; unrelated reads stay hits', async () => {
    const { prisma, user, reads } = await seeded()
    await prisma.$executeRaw`UPDATE "users" SET "name" = ${'new'} WHERE "id" = ${user.id}`
    const users = await reads.users()
    expect(users.info.status).toBe('miss')
    expect(users.data[0]?.name).toBe('new')
    expect((await reads.countries()).info.status).toBe('hit')
    expect((await reads.tags()).info.status).toBe('hit')
    await prisma.$cache.close()
  })

  it('$executeRawUnsafe with unquoted, upper-case and schema-qualified names', async () => {
    const { prisma, reads } = await seeded()
    await prisma.$executeRawUnsafe('update USERS set name = $1', 'folded') // unquoted: "users"
    expect((await reads.users()).data[0]?.name).toBe('folded')
    await reads.users()
    await prisma.$executeRawUnsafe(`UPDATE "${fixture.db.schema}"."Country" SET "name" = $1`, 'República')
    const countries = await reads.countries()
    expect(countries.info.status).toBe('miss')
    expect(countries.data[0]?.name).toBe('República')
    expect((await reads.users()).info.status).toBe('hit')
    await prisma.$cache.close()
  })

  it('writes to an implicit many-to-many join table invalidate reads through that relation only', async () => {
    const { prisma, user, reads } = await seeded()
    const post = await prisma.post.findFirstOrThrow({ where: { authorId: user.id } })
    const tag = await prisma.tag.findFirstOrThrow()
    await reads.postsWithTags()
    await reads.tags()
    await prisma.$executeRaw`INSERT INTO "_PostToTag" ("A", "B") VALUES (${post.id}, ${tag.id})`
    const posts = await reads.postsWithTags()
    expect(posts.info.status).toBe('miss')
    expect(posts.data[0]?.tags.map((t) => t.name)).toEqual(['news'])
    expect((await reads.tags()).info.status).toBe('hit')
    await prisma.$cache.close()
  })

  it('deletes through raw SQL reach what the database cascades to', async () => {
    const { prisma, user } = await seeded()
    await prisma.profile.create({ data: { bio: 'b', userId: user.id } })
    const profiles = () => prisma.profile.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo()
    await profiles()
    await prisma.$executeRaw`DELETE FROM "users" WHERE "id" = ${user.id}`
    const after = await profiles()
    expect(after.info.status).toBe('miss')
    expect(after.data).toEqual([])
    await prisma.$cache.close()
  })

  it('$queryRaw that writes invalidates; $queryRaw that reads does not', async () => {
    const { prisma, user, reads } = await seeded()
    const rows = await prisma.$queryRaw<
      { id: number }[]
    >`SELECT "id" FROM "users" WHERE "email" = ${'raw@x.io'}`
    expect(rows).toHaveLength(1)
    expect((await reads.users()).info.status).toBe('hit')
    const updated = await prisma.$queryRaw<{ name: string }[]>`
      WITH changed AS (UPDATE "users" SET "name" = ${'cte'} WHERE "id" = ${user.id} RETURNING "name")
      SELECT "name" FROM changed`
    expect(updated[0]?.name).toBe('cte')
    expect((await reads.users()).data[0]?.name).toBe('cte')
    await prisma.$cache.close()
  })

  it('statements that cannot be analysed invalidate everything, and say so through onEvent', async () => {
    const events: CacheEvent[] = []
    const { prisma } = await seeded()
    const watched = cachedClient(fixture.db, { ...options(), onEvent: (e) => events.push(e) }).prisma
    const countries = () => watched.country.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await countries()
    await watched.$executeRawUnsafe(`DO $$ BEGIN UPDATE "Country" SET "name" = 'x'; END $$`)
    const invalidation = events.find((e) => e.type === 'invalidate')
    expect(invalidation).toMatchObject({ type: 'invalidate', cause: 'raw-sql', dependencies: ['*'] })
    expect((invalidation as { reason?: string }).reason).toMatch(/not understood/)
    expect((await countries()).info.status).toBe('miss')
    await watched.$executeRawUnsafe('ALTER TABLE "Tag" ADD COLUMN IF NOT EXISTS "extra" TEXT')
    expect((await watched.tag.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()).info.status).toBe(
      'miss',
    )
    await watched.$executeRawUnsafe('ALTER TABLE "Tag" DROP COLUMN IF EXISTS "extra"')
    await prisma.$cache.close()
    await watched.$cache.close()
  })

  it('raw writes inside a transaction are applied at commit, none on rollback', async () => {
    const { prisma, user, reads } = await seeded()
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRaw`UPDATE "users" SET "name" = ${'rolled back'} WHERE "id" = ${user.id}`
        throw new Error('no')
      }),
    ).rejects.toThrow('no')
    expect((await reads.users()).info.status).toBe('hit')
    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE "users" SET "name" = ${'committed'} WHERE "id" = ${user.id}`
    })
    expect((await reads.users()).data[0]?.name).toBe('committed')
    await prisma.$cache.close()
  })

  it('$queryRawCached caches a raw read that names its models, invalidated by their writes', async () => {
    const { prisma, user, statements } = await seeded()
    const report = () =>
      prisma.$queryRawCached<{ n: bigint }[]>(
        { ttl: 3600, models: ['Post'] },
        Prisma.sql`SELECT count(*) AS n FROM "posts" WHERE "author_id" = ${user.id}`,
      )
    expect((await report())[0]?.n).toBe(1n)
    expect(await countDuring(statements, report)).toBe(0)
    await prisma.post.create({ data: { title: 'second', authorId: user.id } })
    expect((await report())[0]?.n).toBe(2n)
    const tagged = () =>
      prisma.$queryRawCached({ tags: ['raw-report'] }, Prisma.sql`SELECT ${user.id}::int AS id`)
    await tagged()
    expect(await countDuring(statements, tagged)).toBe(0)
    await prisma.$cache.invalidate({ tags: ['raw-report'] })
    expect(await countDuring(statements, tagged)).toBe(1)
    await prisma.$cache.close()
  })

  it('$queryRawCached refuses a strategy that nothing could invalidate, and bypasses in transactions', async () => {
    const { prisma, statements } = await seeded()
    const used = await countDuring(statements, async () => {
      await expect(prisma.$queryRawCached({ ttl: 60 }, Prisma.sql`SELECT 1`)).rejects.toBeInstanceOf(
        StrategyError,
      )
      await expect(prisma.$queryRawCached({ models: ['Nope'] }, Prisma.sql`SELECT 1`)).rejects.toThrow(
        /not a model/,
      )
    })
    expect(used).toBe(0)
    await prisma.$transaction(async (tx) => {
      await tx.$queryRawCached({ models: ['User'] }, Prisma.sql`SELECT 1 AS one`)
    })
    expect(
      await countDuring(statements, () =>
        prisma.$queryRawCached({ models: ['User'] }, Prisma.sql`SELECT 1 AS one`),
      ),
    ).toBe(1)
    await prisma.$cache.close()
  })
})
