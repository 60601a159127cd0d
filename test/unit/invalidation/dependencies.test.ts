import { PrismaPg } from '@prisma/adapter-pg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PrismaClient } from '../../../generated/prisma/client.ts'
import { readDependencies } from '../../../src/invalidation/read-dependencies.ts'
import { writeDependencies } from '../../../src/invalidation/write-dependencies.ts'
import { type ReadOperation, WRITE_OPERATIONS, type WriteOperation } from '../../../src/prisma/operations.ts'
import { buildSchemaGraph, type RuntimeDataModelLike, type SchemaGraph } from '../../../src/schema/graph.ts'

// The client never connects: the adapter only holds the connection string until the first query.
const client = new PrismaClient({
  adapter: new PrismaPg({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test' }),
})
const internals = client as unknown as {
  _runtimeDataModel: RuntimeDataModelLike
  _engineConfig: { inlineSchema?: string }
}
const precise = buildSchemaGraph(internals._runtimeDataModel, internals._engineConfig.inlineSchema)
const coarse = buildSchemaGraph(internals._runtimeDataModel)

const USER_DELETE = ['Comment', 'Membership', 'Post', 'Profile', 'User']
const POST_DELETE = ['Comment', 'Post', '_PostToTag']

interface ReadCase {
  readonly name: string
  readonly model: string
  readonly operation: ReadOperation
  readonly args: unknown
  readonly expected: readonly string[]
}

const READ_CASES: readonly ReadCase[] = [
  { name: 'no args', model: 'User', operation: 'findMany', args: undefined, expected: ['User'] },
  {
    name: 'scalar where, select, omit, distinct, paging',
    model: 'User',
    operation: 'findMany',
    args: {
      where: { email: { contains: 'a' }, role: 'ADMIN' },
      select: { id: true, name: true },
      omit: { email: true },
      distinct: ['name'],
      take: 3,
      skip: 1,
    },
    expected: ['User'],
  },
  {
    name: 'findUnique by compound id',
    model: 'Membership',
    operation: 'findUnique',
    args: { where: { userId_teamId: { userId: 1, teamId: 2 } } },
    expected: ['Membership'],
  },
  {
    name: 'include to-many',
    model: 'User',
    operation: 'findMany',
    args: { include: { posts: true } },
    expected: ['Post', 'User'],
  },
  {
    name: 'include one-to-one from the referenced side',
    model: 'User',
    operation: 'findUniqueOrThrow',
    args: { where: { id: 1 }, include: { profile: true } },
    expected: ['Profile', 'User'],
  },
  {
    name: 'include one-to-one from the foreign-key side',
    model: 'Profile',
    operation: 'findFirst',
    args: { include: { user: true } },
    expected: ['Profile', 'User'],
  },
  {
    name: 'include implicit many-to-many reads the join table',
    model: 'Post',
    operation: 'findMany',
    args: { include: { tags: true } },
    expected: ['Post', 'Tag', '_PostToTag'],
  },
  {
    name: 'include from the other side of the many-to-many',
    model: 'Tag',
    operation: 'findMany',
    args: { include: { posts: { select: { title: true } } } },
    expected: ['Post', 'Tag', '_PostToTag'],
  },
  {
    name: 'select a to-one relation',
    model: 'Post',
    operation: 'findFirstOrThrow',
    args: { select: { title: true, author: true } },
    expected: ['Post', 'User'],
  },
  {
    name: 'include nested three deep',
    model: 'User',
    operation: 'findMany',
    args: { include: { posts: { include: { comments: { include: { author: true } } } } } },
    expected: ['Comment', 'Post', 'User'],
  },
  {
    name: 'relation filter inside a nested include',
    model: 'User',
    operation: 'findMany',
    args: { include: { posts: { where: { tags: { some: { name: 'x' } } }, orderBy: { id: 'asc' } } } },
    expected: ['Post', 'Tag', 'User', '_PostToTag'],
  },
  {
    name: 'cursor and orderBy inside a nested select',
    model: 'Category',
    operation: 'findMany',
    args: { select: { posts: { cursor: { id: 3 }, orderBy: { author: { name: 'asc' } }, take: 2 } } },
    expected: ['Category', 'Post', 'User'],
  },
  {
    name: 'false, null and undefined selections add nothing',
    model: 'User',
    operation: 'findMany',
    args: { include: { posts: false, profile: undefined }, select: { comments: null } },
    expected: ['User'],
  },
  {
    name: 'self-relation include',
    model: 'User',
    operation: 'findMany',
    args: { include: { reports: { include: { manager: true } } } },
    expected: ['User'],
  },
  {
    name: 'explicit many-to-many through the join model',
    model: 'Team',
    operation: 'findMany',
    args: { include: { memberships: { include: { user: true } } } },
    expected: ['Membership', 'Team', 'User'],
  },
  {
    name: '_count: true counts every list relation (not the to-one profile)',
    model: 'User',
    operation: 'findMany',
    args: { include: { _count: true } },
    expected: ['Comment', 'Membership', 'Post', 'User'],
  },
  {
    name: '_count: true over an implicit many-to-many',
    model: 'Tag',
    operation: 'findMany',
    args: { select: { _count: true } },
    expected: ['Post', 'Tag', '_PostToTag'],
  },
  {
    name: '_count select with a filtered relation',
    model: 'User',
    operation: 'findMany',
    args: { select: { _count: { select: { posts: { where: { comments: { some: {} } } }, reports: true } } } },
    expected: ['Comment', 'Post', 'User'],
  },
  {
    name: '_count inside a nested include',
    model: 'Category',
    operation: 'findMany',
    args: { include: { posts: { include: { _count: { select: { tags: true } } } } } },
    expected: ['Category', 'Post', 'Tag', '_PostToTag'],
  },
  {
    name: 'where some',
    model: 'User',
    operation: 'findMany',
    args: { where: { posts: { some: { published: true } } } },
    expected: ['Post', 'User'],
  },
  {
    name: 'where every and none',
    model: 'User',
    operation: 'count',
    args: { where: { comments: { every: { body: 'x' } }, memberships: { none: {} } } },
    expected: ['Comment', 'Membership', 'User'],
  },
  {
    name: 'where is / isNot',
    model: 'Post',
    operation: 'findMany',
    args: { where: { author: { is: { active: true } }, category: { isNot: { name: 'x' } } } },
    expected: ['Category', 'Post', 'User'],
  },
  {
    name: 'to-one shorthand filter',
    model: 'Post',
    operation: 'findMany',
    args: { where: { author: { name: 'x' } } },
    expected: ['Post', 'User'],
  },
  {
    name: 'to-one null filter',
    model: 'User',
    operation: 'findMany',
    args: { where: { profile: null } },
    expected: ['Profile', 'User'],
  },
  {
    name: 'relation filters inside AND / OR / NOT, arrays and objects',
    model: 'User',
    operation: 'findMany',
    args: {
      where: {
        AND: { name: 'a' },
        OR: [{ profile: { is: { bio: 'x' } } }, { NOT: [{ comments: { none: {} } }] }],
        NOT: { memberships: { some: {} } },
      },
    },
    expected: ['Comment', 'Membership', 'Profile', 'User'],
  },
  {
    name: 'relation filter nested in the related model',
    model: 'User',
    operation: 'findMany',
    args: { where: { posts: { some: { category: { is: { name: 'c' } }, tags: { every: {} } } } } },
    expected: ['Category', 'Post', 'Tag', 'User', '_PostToTag'],
  },
  {
    name: 'relation filter in a compound unique where',
    model: 'Warehouse',
    operation: 'findUnique',
    args: { where: { countryCode_code: { countryCode: 'FR', code: 'A' }, country: { name: 'France' } } },
    expected: ['Country', 'Warehouse'],
  },
  {
    name: 'orderBy to-one relation field, array form',
    model: 'Post',
    operation: 'findMany',
    args: { orderBy: [{ author: { name: 'asc' } }, { title: 'desc' }] },
    expected: ['Post', 'User'],
  },
  {
    name: 'orderBy to-one relation nested twice',
    model: 'Comment',
    operation: 'findMany',
    args: { orderBy: { post: { category: { name: 'asc' } } } },
    expected: ['Category', 'Comment', 'Post'],
  },
  {
    name: 'orderBy relation _count',
    model: 'Post',
    operation: 'findMany',
    args: { orderBy: { tags: { _count: 'desc' } } },
    expected: ['Post', 'Tag', '_PostToTag'],
  },
  {
    name: 'orderBy scalar with sort and nulls',
    model: 'User',
    operation: 'findMany',
    args: { orderBy: { name: { sort: 'asc', nulls: 'last' } } },
    expected: ['User'],
  },
  {
    name: 'cursor with a relation filter',
    model: 'Post',
    operation: 'findMany',
    args: { cursor: { id: 1, category: { name: 'x' } } },
    expected: ['Category', 'Post'],
  },
  {
    name: 'count with select _all and a field',
    model: 'User',
    operation: 'count',
    args: { select: { _all: true, name: true } },
    expected: ['User'],
  },
  {
    name: 'aggregate with a relation filter',
    model: 'Post',
    operation: 'aggregate',
    args: { _count: { _all: true }, _avg: { rating: true }, where: { category: { name: 'x' } } },
    expected: ['Category', 'Post'],
  },
  {
    name: 'groupBy with having and aggregate orderBy',
    model: 'Post',
    operation: 'groupBy',
    args: {
      by: ['categoryId'],
      having: { rating: { _avg: { gt: 1 } } },
      orderBy: { _count: { id: 'desc' } },
    },
    expected: ['Post'],
  },
  {
    name: 'groupBy with a relation filter in where',
    model: 'Comment',
    operation: 'groupBy',
    args: { by: ['postId'], where: { post: { tags: { some: {} } } } },
    expected: ['Comment', 'Post', 'Tag', '_PostToTag'],
  },
  {
    name: 'unknown keys and shapes are scalars',
    model: 'User',
    operation: 'findMany',
    args: { where: { nope: { some: {} }, AND: 'odd' }, include: 'odd', relationLoadStrategy: 'join', x: 1 },
    expected: ['User'],
  },
]

interface WriteCase {
  readonly name: string
  readonly model: string
  readonly operation: WriteOperation
  readonly args: unknown
  readonly expected: readonly string[]
}

const WRITE_CASES: readonly WriteCase[] = [
  {
    name: 'create with scalars only',
    model: 'User',
    operation: 'create',
    args: { data: { email: 'a', name: 'b' } },
    expected: ['User'],
  },
  {
    name: 'create with raw foreign keys touches only the model',
    model: 'Comment',
    operation: 'create',
    args: { data: { body: 'x', postId: 1, authorId: 2 } },
    expected: ['Comment'],
  },
  {
    name: 'create connecting to-one relations from the foreign-key side',
    model: 'Comment',
    operation: 'create',
    args: { data: { body: 'x', post: { connect: { id: 1 } }, author: { connect: { id: 2 } } } },
    expected: ['Comment'],
  },
  {
    name: 'createMany',
    model: 'Comment',
    operation: 'createMany',
    args: { data: [{ body: 'x', postId: 1, authorId: 2 }], skipDuplicates: true },
    expected: ['Comment'],
  },
  {
    name: 'createManyAndReturn with include',
    model: 'Post',
    operation: 'createManyAndReturn',
    args: { data: [{ title: 'x' }], include: { author: true } },
    expected: ['Post'],
  },
  {
    name: 'nested create on the foreign-key side (to-one)',
    model: 'Post',
    operation: 'create',
    args: { data: { title: 'x', author: { create: { email: 'e' } } } },
    expected: ['Post', 'User'],
  },
  {
    name: 'nested create on the referenced side (one-to-one)',
    model: 'User',
    operation: 'create',
    args: { data: { email: 'e', profile: { create: { bio: 'b' } } } },
    expected: ['Profile', 'User'],
  },
  {
    name: 'nested create of the referenced side (one-to-one)',
    model: 'Profile',
    operation: 'create',
    args: { data: { bio: 'b', user: { create: { email: 'e' } } } },
    expected: ['Profile', 'User'],
  },
  {
    name: 'nested createMany (to-many)',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { posts: { createMany: { data: [{ title: 'x' }, { title: 'y' }] } } } },
    expected: ['Post', 'User'],
  },
  {
    name: 'implicit many-to-many connect touches only the join table',
    model: 'Post',
    operation: 'create',
    args: { data: { title: 'x', tags: { connect: [{ id: 1 }, { id: 2 }] } } },
    expected: ['Post', '_PostToTag'],
  },
  {
    name: 'implicit many-to-many create',
    model: 'Post',
    operation: 'create',
    args: { data: { title: 'x', tags: { create: { name: 't' } } } },
    expected: ['Post', 'Tag', '_PostToTag'],
  },
  {
    name: 'implicit many-to-many disconnect from the other side',
    model: 'Tag',
    operation: 'update',
    args: { where: { id: 1 }, data: { posts: { disconnect: { id: 2 } } } },
    expected: ['Tag', '_PostToTag'],
  },
  {
    name: 'implicit many-to-many set',
    model: 'Tag',
    operation: 'update',
    args: { where: { id: 1 }, data: { posts: { set: [] } } },
    expected: ['Tag', '_PostToTag'],
  },
  {
    name: 'implicit many-to-many connectOrCreate',
    model: 'Tag',
    operation: 'update',
    args: {
      where: { id: 1 },
      data: { posts: { connectOrCreate: { where: { id: 2 }, create: { title: 'p' } } } },
    },
    expected: ['Post', 'Tag', '_PostToTag'],
  },
  {
    name: 'implicit many-to-many nested delete',
    model: 'Tag',
    operation: 'update',
    args: { where: { id: 1 }, data: { posts: { delete: { id: 2 } } } },
    expected: ['Tag', ...POST_DELETE],
  },
  {
    name: 'implicit many-to-many nested update of a non-key field',
    model: 'Post',
    operation: 'update',
    args: { where: { id: 1 }, data: { tags: { updateMany: { where: {}, data: { name: 'n' } } } } },
    expected: ['Post', 'Tag'],
  },
  {
    name: 'one-to-one connect from the referenced side moves the foreign key',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { profile: { connect: { id: 5 } } } },
    expected: ['Profile', 'User'],
  },
  {
    name: 'one-to-one disconnect from the referenced side',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { profile: { disconnect: true } } },
    expected: ['Profile', 'User'],
  },
  {
    name: 'one-to-one connect from the foreign-key side',
    model: 'Profile',
    operation: 'update',
    args: { where: { id: 1 }, data: { user: { connect: { id: 5 } } } },
    expected: ['Profile'],
  },
  {
    name: 'one-to-one nested update and upsert',
    model: 'User',
    operation: 'update',
    args: {
      where: { id: 1 },
      data: { profile: { update: { bio: 'b' }, upsert: { create: { bio: 'c' }, update: { bio: 'd' } } } },
    },
    expected: ['Profile', 'User'],
  },
  {
    name: 'one-to-one nested delete',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { profile: { delete: true } } },
    expected: ['Profile', 'User'],
  },
  {
    name: 'false nested delete and disconnect do nothing',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { profile: { delete: false, disconnect: false } } },
    expected: ['User'],
  },
  {
    name: 'to-many set and disconnect from the referenced side change the foreign-key side',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { posts: { set: [{ id: 1 }], disconnect: [{ id: 2 }] } } },
    expected: ['Post', 'User'],
  },
  {
    name: 'to-one connect and disconnect from the foreign-key side',
    model: 'Post',
    operation: 'update',
    args: { where: { id: 1 }, data: { author: { disconnect: true }, category: { connect: { id: 2 } } } },
    expected: ['Post'],
  },
  {
    name: 'to-one nested update and upsert from the foreign-key side',
    model: 'Post',
    operation: 'update',
    args: {
      where: { id: 1 },
      data: {
        author: { update: { name: 'n' } },
        category: { upsert: { create: { name: 'c' }, update: {} } },
      },
    },
    expected: ['Category', 'Post', 'User'],
  },
  {
    name: 'to-one nested delete from the foreign-key side applies the target delete',
    model: 'Post',
    operation: 'update',
    args: { where: { id: 1 }, data: { author: { delete: true } } },
    expected: USER_DELETE,
  },
  {
    name: 'to-many nested update of a non-key field',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { posts: { update: { where: { id: 1 }, data: { title: 't' } } } } },
    expected: ['Post', 'User'],
  },
  {
    name: 'to-many nested update of a referenced key cascades',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { posts: { update: [{ where: { id: 1 }, data: { id: 10 } }] } } },
    expected: ['User', ...POST_DELETE],
  },
  {
    name: 'to-one nested update in { where, data } form changing a referenced key',
    model: 'Post',
    operation: 'update',
    args: { where: { id: 1 }, data: { author: { update: { where: { active: true }, data: { id: 9 } } } } },
    expected: USER_DELETE,
  },
  {
    name: 'to-many nested delete and deleteMany',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { posts: { delete: [{ id: 1 }], deleteMany: { published: false } } } },
    expected: ['User', ...POST_DELETE],
  },
  {
    name: 'to-many nested upsert',
    model: 'Category',
    operation: 'update',
    args: {
      where: { id: 1 },
      data: { posts: { upsert: [{ where: { id: 1 }, create: { title: 'x' }, update: { title: 'y' } }] } },
    },
    expected: ['Category', 'Post'],
  },
  {
    name: 'deep nested writes across four models',
    model: 'User',
    operation: 'create',
    args: {
      data: {
        email: 'e',
        posts: {
          create: [
            {
              title: 'p',
              tags: { connectOrCreate: { where: { name: 't' }, create: { name: 't' } } },
              comments: { create: { body: 'c', author: { connect: { id: 1 } } } },
            },
          ],
        },
      },
    },
    expected: ['Comment', 'Post', 'Tag', 'User', '_PostToTag'],
  },
  {
    name: 'self-relation connect and set',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { manager: { connect: { id: 2 } }, reports: { set: [{ id: 3 }] } } },
    expected: ['User'],
  },
  {
    name: 'self-relation nested delete of reports',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { reports: { deleteMany: {} } } },
    expected: USER_DELETE,
  },
  {
    name: 'explicit many-to-many through a compound-id model',
    model: 'Membership',
    operation: 'create',
    args: { data: { user: { connect: { id: 1 } }, team: { connect: { id: 2 } } } },
    expected: ['Membership'],
  },
  {
    name: 'update by compound id',
    model: 'Membership',
    operation: 'update',
    args: { where: { userId_teamId: { userId: 1, teamId: 2 } }, data: { role: 'owner', userId: 3 } },
    expected: ['Membership'],
  },
  {
    name: 'explicit many-to-many nested create and deleteMany from the team',
    model: 'Team',
    operation: 'update',
    args: {
      where: { id: 1 },
      data: { memberships: { create: { user: { connect: { id: 1 } } }, deleteMany: { role: 'x' } } },
    },
    expected: ['Membership', 'Team'],
  },
  {
    name: 'connectOrCreate the referenced side',
    model: 'Warehouse',
    operation: 'create',
    args: {
      data: {
        code: 'w',
        country: { connectOrCreate: { where: { code: 'FR' }, create: { code: 'FR', name: 'F' } } },
      },
    },
    expected: ['Country', 'Warehouse'],
  },
  {
    name: 'delete cascades and sets null',
    model: 'User',
    operation: 'delete',
    args: { where: { id: 1 } },
    expected: USER_DELETE,
  },
  {
    name: 'deleteMany without args',
    model: 'User',
    operation: 'deleteMany',
    args: undefined,
    expected: USER_DELETE,
  },
  {
    name: 'delete cascades to comments and clears the join table',
    model: 'Post',
    operation: 'delete',
    args: { where: { id: 1 } },
    expected: POST_DELETE,
  },
  {
    name: 'delete with SetDefault',
    model: 'Category',
    operation: 'deleteMany',
    args: {},
    expected: ['Category', 'Post'],
  },
  {
    name: 'delete of a many-to-many side',
    model: 'Tag',
    operation: 'delete',
    args: { where: { id: 1 } },
    expected: ['Tag', '_PostToTag'],
  },
  {
    name: 'delete of the explicit join model',
    model: 'Membership',
    operation: 'delete',
    args: {},
    expected: ['Membership'],
  },
  {
    name: 'delete cascading through a compound unique',
    model: 'Country',
    operation: 'delete',
    args: {},
    expected: ['Country', 'Warehouse'],
  },
  {
    name: 'delete with no referencing model',
    model: 'Profile',
    operation: 'delete',
    args: {},
    expected: ['Profile'],
  },
  {
    name: 'delete of a team',
    model: 'Team',
    operation: 'deleteMany',
    args: {},
    expected: ['Membership', 'Team'],
  },
  {
    name: 'update of a non-key field',
    model: 'User',
    operation: 'updateMany',
    args: { where: {}, data: { name: 'n', active: { set: false } } },
    expected: ['User'],
  },
  {
    name: 'update of a referenced id cascades to every foreign key',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: { id: 2 } },
    expected: USER_DELETE,
  },
  {
    name: 'update of a natural key cascades (Country.code)',
    model: 'Country',
    operation: 'updateManyAndReturn',
    args: { where: {}, data: { code: { set: 'FR' } } },
    expected: ['Country', 'Warehouse'],
  },
  {
    name: 'update of a natural key table without changing it',
    model: 'Country',
    operation: 'update',
    args: { where: { code: 'FR' }, data: { name: 'France' } },
    expected: ['Country'],
  },
  {
    name: 'update of a many-to-many id rewrites the join table',
    model: 'Tag',
    operation: 'update',
    args: { where: { id: 1 }, data: { id: { increment: 10 } } },
    expected: ['Tag', '_PostToTag'],
  },
  {
    name: 'upsert = create + update',
    model: 'Post',
    operation: 'upsert',
    args: { where: { id: 1 }, create: { title: 't', tags: { connect: { id: 1 } } }, update: { id: 5 } },
    expected: ['Comment', 'Post', '_PostToTag'],
  },
  {
    name: 'upsert with an empty update',
    model: 'Tag',
    operation: 'upsert',
    args: { where: { name: 't' }, create: { name: 't' }, update: {} },
    expected: ['Tag'],
  },
  {
    name: 'update without readable data assumes every field changed',
    model: 'User',
    operation: 'update',
    args: { where: { id: 1 }, data: null },
    expected: USER_DELETE,
  },
  {
    name: 'an unknown nested operation assumes the worst',
    model: 'Category',
    operation: 'update',
    args: {
      where: { id: 1 },
      data: { posts: { frobnicate: { data: { tags: { create: { name: 'x' } } } } } },
    },
    expected: ['Category', 'Post', 'Tag', ...POST_DELETE],
  },
  {
    name: 'an unknown operation assumes the worst',
    model: 'Profile',
    operation: 'truncate' as WriteOperation,
    args: {},
    expected: ['Profile'],
  },
]

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort()
}

describe('readDependencies', () => {
  it.each(READ_CASES)('$model.$operation: $name', ({ model, args, expected }) => {
    expect(readDependencies(precise, model, args)).toEqual(unique(expected))
  })

  it.each(READ_CASES)('coarse ⊇ precise: $model.$operation: $name', ({ model, args }) => {
    expect(readDependencies(coarse, model, args)).toEqual(
      expect.arrayContaining(readDependencies(precise, model, args)),
    )
  })

  it('counts every relation in coarse mode, where list-ness is unknown', () => {
    expect(readDependencies(coarse, 'User', { include: { _count: true } })).toEqual([
      'Comment',
      'Membership',
      'Post',
      'Profile',
      'User',
      '_CommentToUser',
      '_Management',
      '_MembershipToUser',
      '_PostToUser',
      '_ProfileToUser',
    ])
  })
})

describe('writeDependencies', () => {
  it.each(WRITE_CASES)('$model.$operation: $name', ({ model, operation, args, expected }) => {
    expect(writeDependencies(precise, model, operation, args)).toEqual(unique(expected))
  })

  it.each(WRITE_CASES)('coarse ⊇ precise: $model.$operation: $name', ({ model, operation, args }) => {
    expect(writeDependencies(coarse, model, operation, args)).toEqual(
      expect.arrayContaining(writeDependencies(precise, model, operation, args)),
    )
  })

  it('keeps reads without relations cached across writes to other models', () => {
    const userList = readDependencies(precise, 'User', {})
    const write = writeDependencies(precise, 'Comment', 'create', {
      data: { body: 'x', post: { connect: { id: 1 } }, author: { connect: { id: 2 } } },
    })
    expect(write.filter((id) => userList.includes(id))).toEqual([])
  })

  it('coarse mode invalidates every related model on a delete', () => {
    expect(writeDependencies(coarse, 'Tag', 'delete', {})).toEqual(
      expect.arrayContaining(['Post', 'Tag', '_PostToTag', 'Comment', 'User']),
    )
  })

  it('coarse mode still leaves a plain create of an unrelated model alone', () => {
    expect(
      writeDependencies(coarse, 'Comment', 'create', { data: { body: 'x', postId: 1, authorId: 1 } }),
    ).toEqual(['Comment'])
    expect(writeDependencies(coarse, 'AuditLog', 'deleteMany', {})).toEqual(['AuditLog'])
  })

  it('the graph lists every model and join table as a dependency', () => {
    expect(precise.dependencies).toEqual([...precise.models, '_PostToTag'].sort())
    expect(coarse.dependencies).toEqual(expect.arrayContaining([...precise.dependencies]))
  })
})

type Data = Record<string, unknown>

/** Random nested write data over the schema graph, `depth` relation levels deep. */
function writeDataArbitrary(graph: SchemaGraph, model: string, depth: number): fc.Arbitrary<Data> {
  const scalars = (graph.model(model)?.scalarFields ?? []).map((field) =>
    fc.tuple(
      fc.constant(field.name),
      fc.oneof(
        fc.integer(),
        fc.string(),
        fc.record({ set: fc.integer() }),
        fc.record({ increment: fc.integer() }),
      ),
    ),
  )
  const relations =
    depth <= 0
      ? []
      : graph
          .relationFields(model)
          .map((field) => fc.tuple(fc.constant(field.name), nestedArbitrary(graph, field.target, depth - 1)))
  return fc
    .uniqueArray(fc.oneof(...scalars, ...relations), { selector: ([key]) => key, maxLength: 4 })
    .map((entries) => Object.fromEntries(entries))
}

function nestedArbitrary(graph: SchemaGraph, target: string, depth: number): fc.Arbitrary<Data> {
  const data = writeDataArbitrary(graph, target, depth)
  const where = fc.constant({ id: 1 })
  const operations = fc.oneof(
    fc.tuple(fc.constant('create'), fc.oneof(data, fc.array(data, { maxLength: 2 }))),
    fc.tuple(fc.constant('createMany'), fc.record({ data: fc.array(data, { maxLength: 2 }) })),
    fc.tuple(fc.constant('connect'), where),
    fc.tuple(fc.constant('connectOrCreate'), fc.record({ where, create: data })),
    fc.tuple(fc.constant('disconnect'), fc.oneof(fc.boolean(), where)),
    fc.tuple(fc.constant('set'), fc.constant([])),
    fc.tuple(fc.constant('update'), fc.oneof(data, fc.record({ where, data }))),
    fc.tuple(fc.constant('updateMany'), fc.record({ where, data })),
    fc.tuple(fc.constant('upsert'), fc.record({ where, create: data, update: data })),
    fc.tuple(fc.constant('delete'), fc.oneof(fc.boolean(), where)),
    fc.tuple(fc.constant('deleteMany'), fc.constant({})),
  )
  return fc
    .uniqueArray(operations, { selector: ([key]) => key, maxLength: 3 })
    .map((entries) => Object.fromEntries(entries))
}

describe('coarse ⊇ precise for random writes', () => {
  const writes = fc.constantFrom(...precise.models).chain((model) =>
    fc.record({
      model: fc.constant(model),
      operation: fc.constantFrom(...WRITE_OPERATIONS),
      data: writeDataArbitrary(precise, model, 2),
      update: writeDataArbitrary(precise, model, 2),
    }),
  )

  it('never lets the coarse graph miss what the precise graph finds', () => {
    fc.assert(
      fc.property(writes, ({ model, operation, data, update }) => {
        const args = { where: {}, data, create: data, update }
        const fine = writeDependencies(precise, model, operation, args)
        const rough = writeDependencies(coarse, model, operation, args)
        expect(fine).toContain(model)
        expect(fine).toEqual(unique(fine))
        expect(rough).toEqual(expect.arrayContaining(fine))
      }),
      { numRuns: 300 },
    )
  })
})
