/**
 * What each provider lacks, and what it does instead, with the cache on top: the differences that the schema
 * copies (`scripts/provider-schemas.ts`) and the model-based adaptations (`model-based/provider-writes.ts`)
 * rely on. All four generated clients (PostgreSQL, MySQL twice, SQLite) run in this one process: they
 * coexist.
 */
import { describe, expect, it } from 'vitest'
import { FEATURES, PROVIDERS } from '../setup/providers.ts'
import { cachedClient, useFixture } from './helpers.ts'

describe.each(PROVIDERS)('provider differences [%s]', (provider) => {
  const fixture = useFixture({ provider })
  const features = FEATURES[provider]

  it(`${features.returningBatches ? 'has' : 'has no'} createManyAndReturn / updateManyAndReturn; createMany serves instead`, async () => {
    const { prisma, base, statements } = cachedClient(fixture.db)
    const read = () =>
      prisma.tag.findMany({ orderBy: { id: 'asc' }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    await read()
    if (features.returningBatches) {
      await prisma.tag.createManyAndReturn({ data: [{ name: 'a' }] })
    } else {
      // The MySQL clients still have the methods, but Prisma refuses them before any statement is sent.
      statements.reset()
      await expect(prisma.tag.createManyAndReturn({ data: [{ name: 'b' }] })).rejects.toThrow(
        /Operation 'createManyAndReturn' for model 'Tag' does not match any query/,
      )
      await expect(prisma.tag.updateManyAndReturn({ data: { name: 'c' } })).rejects.toThrow(
        /Operation 'updateManyAndReturn' for model 'Tag' does not match any query/,
      )
      expect(statements.count).toBe(0)
      await prisma.tag.createMany({ data: [{ name: 'a' }] })
    }
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data.map((tag) => tag.name)).toEqual(['a'])
    expect(after.data).toEqual(await base.tag.findMany({ orderBy: { id: 'asc' } }))
    await prisma.$cache.close()
  })

  it(`${features.skipDuplicates ? 'skips' : 'refuses (SQLite: no skipDuplicates)'} duplicates in createMany`, async () => {
    const { prisma, base } = cachedClient(fixture.db)
    await base.tag.create({ data: { name: 'dup' } })
    const read = () => prisma.tag.findMany({ orderBy: { id: 'asc' }, cacheStrategy: { ttl: 60 } })
    await read()
    const createMany = () =>
      prisma.tag.createMany({ data: [{ name: 'dup' }, { name: 'new' }], skipDuplicates: true })
    if (features.skipDuplicates) expect(await createMany()).toEqual({ count: 1 })
    else await expect(createMany()).rejects.toMatchObject({ name: 'PrismaClientValidationError' })
    expect(await read()).toEqual(await base.tag.findMany({ orderBy: { id: 'asc' } }))
    await prisma.$cache.close()
  })

  it(`${features.scalarLists ? 'has' : 'has no'} scalar lists (Post.keywords)`, () => {
    const { client } = fixture.db.createClient()
    const post = (client as any)._runtimeDataModel.models.Post as { fields: { name: string }[] }
    expect(post.fields.some((field) => field.name === 'keywords')).toBe(features.scalarLists)
  })

  const categoryDelete = features.setDefault
    ? 'moves its posts to the default category (SetDefault)'
    : features.foreignKeys
      ? 'is refused by the database (Restrict: InnoDB has no SET DEFAULT), P2003'
      : 'is refused by Prisma (Restrict, emulated with relationMode = "prisma"), P2014'
  it(`deleting a category that has posts ${categoryDelete}; cached reads follow`, async () => {
    const { prisma, base } = cachedClient(fixture.db)
    const category = await base.category.create({ data: { name: 'c', posts: { create: { title: 'p' } } } })
    const posts = () => prisma.post.findMany({ cacheStrategy: { ttl: 60 } }).withCacheInfo()
    expect((await posts()).data[0]?.categoryId).toBe(category.id)
    const deletion = prisma.category.delete({ where: { id: category.id } })
    if (features.setDefault) await deletion
    else await expect(deletion).rejects.toMatchObject({ code: features.foreignKeys ? 'P2003' : 'P2014' })
    const after = await posts()
    expect(after.data[0]?.categoryId).toBe(features.setDefault ? 1 : category.id)
    expect(after.data).toEqual(await base.post.findMany())
    await prisma.$cache.close()
  })

  const managerDelete = features.foreignKeys
    ? 'sets their managerId to null (SetNull)'
    : 'is refused by Prisma (NoAction, which relationMode = "prisma" requires of a self-relation), P2014'
  it(`deleting a user who manages others ${managerDelete}; cached reads follow`, async () => {
    const { prisma, base } = cachedClient(fixture.db)
    const boss = await base.user.create({
      data: { email: 'boss@x.io', reports: { create: { email: 'r@x.io' } } },
    })
    const reports = () =>
      prisma.user.findMany({ where: { email: 'r@x.io' }, cacheStrategy: { ttl: 60 } }).withCacheInfo()
    expect((await reports()).data[0]?.managerId).toBe(boss.id)
    const deletion = prisma.user.delete({ where: { id: boss.id } })
    if (features.foreignKeys) await deletion
    else await expect(deletion).rejects.toMatchObject({ code: 'P2014' })
    expect((await reports()).data[0]?.managerId).toBe(features.foreignKeys ? null : boss.id)
    await prisma.$cache.close()
  })

  if (!features.foreignKeys) {
    it('Prisma 7.10 bug: deleteMany of users with profiles fails with a plain Error (emulated 1:1 Cascade); nothing changes and reads stay true', async () => {
      const { prisma, base } = cachedClient(fixture.db)
      for (const email of ['a@x.io', 'b@x.io'])
        await base.user.create({ data: { email, profile: { create: { bio: email } } } })
      const profiles = () => prisma.profile.findMany({ orderBy: { id: 'asc' }, cacheStrategy: { ttl: 60 } })
      await profiles()
      await expect(prisma.user.deleteMany({})).rejects.toThrow(/^Expected zero or one element, got 2$/)
      expect(await base.user.count()).toBe(2)
      expect(await profiles()).toEqual(await base.profile.findMany({ orderBy: { id: 'asc' } }))
      await prisma.$cache.close()
    })
  }
})
