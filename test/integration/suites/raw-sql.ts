/**
 * G4 on one provider (run per provider by `raw-sql*.test.ts`): raw writes invalidate the models whose tables
 * the SQL names, or everything when the SQL cannot be analysed; raw reads are cached only when asked, with
 * explicit models or tags. Every statement is written in the provider's own dialect.
 */
import { describe, expect, it } from 'vitest'
import { type CacheEvent, type QueryCacheOptions, StrategyError } from '../../../src/index.ts'
import { FEATURES, type Provider } from '../../setup/providers.ts'
import { positional, quoteIdentifier, sqlTemplate } from '../dialect.ts'
import { cachedClient, countDuring, useFixture } from '../helpers.ts'
import { method } from '../model-based/calls.ts'
import { dialectStatements, READ_MODELS, type ReadModel, SEEDED } from './raw-sql-statements.ts'

/** How the suite reads each model: a `findMany` ordered by its key, so that results compare. */
const MODEL_READS: Readonly<Record<ReadModel, { delegate: string; orderBy: object }>> = {
  User: { delegate: 'user', orderBy: { id: 'asc' } },
  Post: { delegate: 'post', orderBy: { id: 'asc' } },
  Tag: { delegate: 'tag', orderBy: { id: 'asc' } },
  Country: { delegate: 'country', orderBy: { code: 'asc' } },
  Comment: { delegate: 'comment', orderBy: { id: 'asc' } },
  Team: { delegate: 'team', orderBy: { id: 'asc' } },
  AuditLog: { delegate: 'auditLog', orderBy: { id: 'asc' } },
}

/** The model's read through `client`, cached (with cache info) when `cacheStrategy` is given. */
function readModel(client: object, model: ReadModel, cacheStrategy?: object) {
  const { delegate, orderBy } = MODEL_READS[model]
  return method(client, delegate, 'findMany')(cacheStrategy ? { orderBy, cacheStrategy } : { orderBy })
}

/** Registers the raw SQL suite on `provider`. */
export function describeRawSql(provider: Provider): void {
  const fixture = useFixture({ provider })
  const features = FEATURES[provider]
  const { dialect } = features
  const q = (name: string) => quoteIdentifier(dialect, name)
  /** `$executeRawUnsafe`/`$queryRawUnsafe` arguments for `sql` written with `$n` placeholders. */
  const unsafe = (sql: string, ...values: unknown[]): [string, ...unknown[]] => {
    const rewritten = positional(dialect, sql, values)
    return [rewritten.sql, ...rewritten.values]
  }

  const SETUPS: { name: string; options: () => QueryCacheOptions }[] = [
    { name: 'memory only', options: () => ({}) },
    {
      name: 'memory + redis',
      options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
    },
  ]

  describe.each(SETUPS)(`raw SQL [${provider}] ($name)`, ({ options }) => {
    async function seeded() {
      const setup = cachedClient(fixture.db, options())
      const { prisma } = setup
      const user = await prisma.user.create({
        data: { email: SEEDED.email, name: 'old', posts: { create: { title: SEEDED.title } } },
      })
      await prisma.country.create({ data: { code: SEEDED.country, name: 'Portugal' } })
      await prisma.tag.create({ data: { name: SEEDED.tag } })
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
      const sql = `UPDATE ${q('users')} SET ${q('name')} = $1 WHERE ${q('id')} = $2`
      await prisma.$executeRaw(sqlTemplate(sql, ['new', user.id]))
      const users = await reads.users()
      expect(users.info.status).toBe('miss')
      expect(users.data[0]?.name).toBe('new')
      expect((await reads.countries()).info.status).toBe('hit')
      expect((await reads.tags()).info.status).toBe('hit')
      await prisma.$cache.close()
    })

    it(`$executeRawUnsafe with ${dialect} identifiers: unquoted, other case, schema-qualified`, async () => {
      const { prisma, reads } = await seeded()
      // PostgreSQL folds unquoted names to lower case; SQLite ignores case, quoted or not; MySQL keeps the
      // case of table names on Linux (lower_case_table_names = 0), so it refuses USERS below.
      const otherCase = { postgresql: 'update USERS set name = $1', mysql: 'update users set name = $1' }
      const sqliteCases = [
        'update USERS set name = $1',
        'UPDATE "Users" SET [name] = $1',
        'update [users] set name = $1',
      ]
      for (const [index, sql] of (dialect === 'sqlite' ? sqliteCases : [otherCase[dialect]]).entries()) {
        await prisma.$executeRawUnsafe(...unsafe(sql, `folded ${index}`))
        expect((await reads.users()).data[0]?.name).toBe(`folded ${index}`)
      }
      await reads.users()
      const qualified = `UPDATE ${q(fixture.db.schema)}.${q('Country')} SET ${q('name')} = $1`
      await prisma.$executeRawUnsafe(...unsafe(qualified, 'República'))
      const countries = await reads.countries()
      expect(countries.info.status).toBe('miss')
      expect(countries.data[0]?.name).toBe('República')
      expect((await reads.users()).info.status).toBe('hit')
      if (dialect === 'mysql') {
        await expect(prisma.$executeRawUnsafe(...unsafe('update USERS set name = $1', 'x'))).rejects.toThrow(
          /Table '.*\.USERS' doesn't exist/,
        )
        expect((await reads.users()).data[0]?.name).toBe('folded 0')
      }
      await prisma.$cache.close()
    })

    it('writes to an implicit many-to-many join table invalidate reads through that relation only', async () => {
      const { prisma, user, reads } = await seeded()
      const post = await prisma.post.findFirstOrThrow({ where: { authorId: user.id } })
      const tag = await prisma.tag.findFirstOrThrow()
      await reads.postsWithTags()
      await reads.tags()
      await prisma.$executeRaw(
        sqlTemplate(`INSERT INTO ${q('_PostToTag')} (${q('A')}, ${q('B')}) VALUES ($1, $2)`, [
          post.id,
          tag.id,
        ]),
      )
      const posts = await reads.postsWithTags()
      expect(posts.info.status).toBe('miss')
      expect(posts.data[0]?.tags.map((t) => t.name)).toEqual(['news'])
      expect((await reads.tags()).info.status).toBe('hit')
      await prisma.$cache.close()
    })

    it(
      features.foreignKeys
        ? 'deletes through raw SQL reach what the database cascades to'
        : 'deletes through raw SQL cascade nowhere without foreign keys (relationMode = "prisma"), and reads stay true',
      async () => {
        const { prisma, base, user } = await seeded()
        await prisma.profile.create({ data: { bio: 'b', userId: user.id } })
        const profiles = () => prisma.profile.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo()
        await profiles()
        await prisma.$executeRaw(sqlTemplate(`DELETE FROM ${q('users')} WHERE ${q('id')} = $1`, [user.id]))
        const after = await profiles()
        expect(after.info.status).toBe('miss')
        // Prisma emulates referential actions only for its own writes: raw SQL leaves the profile behind.
        expect(after.data.map((profile) => profile.userId)).toEqual(features.foreignKeys ? [] : [user.id])
        expect(after.data).toEqual(await base.profile.findMany())
        await prisma.$cache.close()
      },
    )

    it('$queryRaw that writes invalidates; $queryRaw that reads does not', async () => {
      const { prisma, user, reads } = await seeded()
      const select = `SELECT ${q('id')} FROM ${q('users')} WHERE ${q('email')} = $1`
      expect(await prisma.$queryRaw<{ id: number }[]>(sqlTemplate(select, [SEEDED.email]))).toHaveLength(1)
      expect((await reads.users()).info.status).toBe('hit')
      const writing = {
        postgresql: `WITH changed AS (UPDATE "users" SET "name" = $1 WHERE "id" = $2 RETURNING "name") SELECT "name" FROM changed`,
        // MariaDB has RETURNING on INSERT, REPLACE and DELETE, not on UPDATE; MySQL has none.
        mysql: "INSERT INTO `users` (`email`, `name`) VALUES (CONCAT($2, '@x.io'), $1) RETURNING `name`",
        sqlite: 'UPDATE "users" SET "name" = $1 WHERE "id" = $2 RETURNING "name"',
      }[dialect]
      const returned = await prisma.$queryRaw<{ name: string }[]>(sqlTemplate(writing, ['written', user.id]))
      expect(returned.map((row) => row.name)).toEqual(['written'])
      expect((await reads.users()).data.map((row) => row.name)).toContain('written')
      await prisma.$cache.close()
    })

    it('statements that cannot be analysed invalidate everything, and say so through onEvent', async () => {
      const events: CacheEvent[] = []
      const { prisma, base } = await seeded()
      const watched = cachedClient(fixture.db, { ...options(), onEvent: (e) => events.push(e) }).prisma
      const countries = () => watched.country.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
      await countries()
      if (dialect === 'mysql') {
        await base.$executeRawUnsafe(
          'CREATE PROCEDURE IF NOT EXISTS rename_countries(IN n VARCHAR(191)) UPDATE `Country` SET `name` = n',
        )
      }
      const opaque = {
        postgresql: `DO $$ BEGIN UPDATE "Country" SET "name" = 'x'; END $$`,
        mysql: "CALL rename_countries('x')",
        // SQLite has neither procedures nor DO blocks: a schema change stands for what the analysis cannot read.
        sqlite: 'ALTER TABLE "Country" ADD COLUMN "extra" TEXT',
      }[dialect]
      await watched.$executeRawUnsafe(opaque)
      const invalidation = events.find((e) => e.type === 'invalidate')
      expect(invalidation).toMatchObject({ type: 'invalidate', cause: 'raw-sql', dependencies: ['*'] })
      expect((invalidation as { reason?: string }).reason).toMatch(/not understood/)
      const after = await countries()
      expect(after.info.status).toBe('miss')
      expect(after.data).toEqual(await base.country.findMany())
      const [add, drop] = {
        postgresql: [
          'ALTER TABLE "Tag" ADD COLUMN IF NOT EXISTS "extra" TEXT',
          'ALTER TABLE "Tag" DROP COLUMN IF EXISTS "extra"',
        ],
        mysql: [
          'ALTER TABLE `Tag` ADD COLUMN IF NOT EXISTS `extra` TEXT',
          'ALTER TABLE `Tag` DROP COLUMN IF EXISTS `extra`',
        ],
        sqlite: ['ALTER TABLE "Tag" ADD COLUMN "extra" TEXT', 'ALTER TABLE "Tag" DROP COLUMN "extra"'],
      }[dialect] as [string, string]
      await watched.$executeRawUnsafe(add)
      expect((await watched.tag.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()).info.status).toBe(
        'miss',
      )
      await watched.$executeRawUnsafe(drop)
      if (dialect === 'sqlite') await watched.$executeRawUnsafe('ALTER TABLE "Country" DROP COLUMN "extra"')
      await prisma.$cache.close()
      await watched.$cache.close()
    })

    it('raw writes inside a transaction are applied at commit, none on rollback', async () => {
      const { prisma, user, reads } = await seeded()
      const update = (name: string) =>
        sqlTemplate(`UPDATE ${q('users')} SET ${q('name')} = $1 WHERE ${q('id')} = $2`, [name, user.id])
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.$executeRaw(update('rolled back'))
          throw new Error('no')
        }),
      ).rejects.toThrow('no')
      expect((await reads.users()).info.status).toBe('hit')
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw(update('committed'))
      })
      expect((await reads.users()).data[0]?.name).toBe('committed')
      await prisma.$cache.close()
    })

    it('$queryRawCached caches a raw read that names its models, invalidated by their writes', async () => {
      const { prisma, user, statements } = await seeded()
      const count = `SELECT count(*) AS n FROM ${q('posts')} WHERE ${q('author_id')} = $1`
      const report = () =>
        prisma.$queryRawCached<{ n: bigint | number }[]>(
          { ttl: 3600, models: ['Post'] },
          sqlTemplate(count, [user.id]),
        )
      expect(Number((await report())[0]?.n)).toBe(1)
      expect(await countDuring(statements, report)).toBe(0)
      await prisma.post.create({ data: { title: 'second', authorId: user.id } })
      expect(Number((await report())[0]?.n)).toBe(2)
      const tagged = () =>
        prisma.$queryRawCached({ tags: ['raw-report'] }, sqlTemplate('SELECT $1 AS id', [user.id]))
      await tagged()
      expect(await countDuring(statements, tagged)).toBe(0)
      await prisma.$cache.invalidate({ tags: ['raw-report'] })
      expect(await countDuring(statements, tagged)).toBe(1)
      await prisma.$cache.close()
    })

    it('$queryRawCached refuses a strategy that nothing could invalidate, and bypasses in transactions', async () => {
      const { prisma, statements } = await seeded()
      const one = () => sqlTemplate('SELECT 1 AS one', [])
      const used = await countDuring(statements, async () => {
        await expect(prisma.$queryRawCached({ ttl: 60 }, one())).rejects.toBeInstanceOf(StrategyError)
        await expect(prisma.$queryRawCached({ models: ['Nope'] }, one())).rejects.toThrow(/not a model/)
      })
      expect(used).toBe(0)
      await prisma.$transaction(async (tx) => {
        await tx.$queryRawCached({ models: ['User'] }, one())
      })
      expect(await countDuring(statements, () => prisma.$queryRawCached({ models: ['User'] }, one()))).toBe(1)
      await prisma.$cache.close()
    })
  })

  describe(`raw SQL [${provider}]: ${dialect} statements invalidate exactly what they write`, () => {
    async function seededForStatements() {
      const setup = cachedClient(fixture.db)
      const { base } = setup
      await base.user.create({
        data: {
          email: SEEDED.email,
          name: 'old',
          posts: {
            create: {
              title: SEEDED.title,
              comments: { create: { body: 'c', author: { create: { email: 'c@x.io' } } } },
            },
          },
        },
      })
      await base.country.create({ data: { code: SEEDED.country, name: 'Portugal' } })
      await base.tag.create({ data: { name: SEEDED.tag } })
      await base.team.create({ data: { name: SEEDED.team } })
      await base.auditLog.create({ data: { message: 'before' } })
      return setup
    }

    it.each(dialectStatements(features))('$sql', async ({ sql, params = [], via, writes, unrelated }) => {
      const { prisma, base } = await seededForStatements()
      const cached = (model: ReadModel) => readModel(prisma, model, { ttl: 3600 }).withCacheInfo()
      for (const model of READ_MODELS) await cached(model)
      const args = unsafe(sql, ...params)
      if (via === '$queryRawUnsafe') await prisma.$queryRawUnsafe(...args)
      else await prisma.$executeRawUnsafe(...args)
      for (const model of writes) {
        const after = await cached(model)
        expect(after.info.status, `${model} after the statement`).toBe('miss')
        expect(after.data).toEqual(await readModel(base, model))
      }
      expect((await cached(unrelated)).info.status, `${unrelated}, which the statement cannot change`).toBe(
        'hit',
      )
      for (const model of READ_MODELS)
        expect((await cached(model)).data, model).toEqual(await readModel(base, model))
      await prisma.$cache.close()
    })
  })
}
