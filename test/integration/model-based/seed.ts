import type { PrismaClient } from '../../../generated/prisma/client.ts'
import type { ProviderFeatures } from '../../setup/providers.ts'

/**
 * The rows every run starts from, written through the plain client (the cache is invalidated afterwards):
 * a few of each model, linked on every relation, so that the first writes already have something to hit.
 * Ids are predictable because `truncateAll()` restarts the sequences (Category 1 is seeded by it). Scalar
 * lists are left out where the provider has none.
 */
export async function seedRows(base: PrismaClient, features: ProviderFeatures): Promise<void> {
  const lists = features.scalarLists
  await base.category.createMany({ data: [{ name: 'news' }, { name: 'tech' }] })
  await base.tag.createMany({ data: [{ name: 't1' }, { name: 't2' }, { name: 't3' }] })
  await base.team.createMany({ data: [{ name: 'red' }, { name: 'blue' }] })
  await base.user.create({
    data: { email: 'u1@x.io', name: 'Ann', role: 'ADMIN', profile: { create: { bio: 'boss' } } },
  })
  await base.user.create({
    data: { email: 'u2@x.io', name: 'Bob', managerId: 1, profile: { create: { bio: 'hello' } } },
  })
  await base.user.create({ data: { email: 'u3@x.io', name: 'Cyd', managerId: 1 } })
  await base.user.create({ data: { email: 'u4@x.io', active: false, managerId: 2 } })
  await base.post.create({
    data: {
      title: 'alpha',
      published: true,
      views: 10n,
      rating: 4.25,
      metadata: { a: 1 },
      ...(lists ? { keywords: ['orm'] } : {}),
      authorId: 1,
      categoryId: 2,
      tags: { connect: [{ id: 1 }, { id: 2 }] },
    },
  })
  await base.post.create({ data: { title: 'beta', authorId: 2, tags: { connect: [{ id: 2 }] } } })
  await base.post.create({ data: { title: 'gamma', published: true, categoryId: 3 } })
  await base.post.create({ data: { title: 'alpha', published: true, authorId: 3, categoryId: 2 } })
  await base.comment.createMany({
    data: [
      { body: 'nice', postId: 1, authorId: 2 },
      { body: 'meh', postId: 1, authorId: 3 },
      { body: 'wow', postId: 2, authorId: 1 },
      { body: 'nice', postId: 3, authorId: 4 },
    ],
  })
  await base.membership.createMany({
    data: [
      { userId: 1, teamId: 1, role: 'admin' },
      { userId: 2, teamId: 1 },
      { userId: 2, teamId: 2 },
    ],
  })
  await base.country.create({
    data: { code: 'AA', name: 'Aland', warehouses: { create: [{ code: 'w1' }, { code: 'w2' }] } },
  })
  await base.country.create({
    data: { code: 'BB', name: 'Belize', warehouses: { create: [{ code: 'w1' }] } },
  })
  await base.sample.create({
    data: {
      id: 's1',
      str: 'seed',
      int: 1,
      big: 2n ** 62n,
      float: 0.1,
      dec: '1.0000000001',
      bool: true,
      date: new Date('2024-01-01T00:00:00.000Z'),
      json: { seeded: true },
      bytes: Uint8Array.of(1, 2, 3),
      role: 'ADMIN',
      ...(lists ? { decs: ['2.5'], bigs: [1n] } : {}),
    },
  })
  await base.auditLog.create({ data: { message: 'a' } })
}
