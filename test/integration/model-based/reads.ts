import type { Prisma, PrismaClient } from '../../../generated/prisma/client.ts'
import type { Provider, ProviderFeatures } from '../../setup/providers.ts'
import type { Outcome } from './calls.ts'
import { dataOf, type RowPin } from './rows.ts'
import { type ModelName, modelOf, modelsNamed } from './schema-map.ts'
import { show } from './show.ts'

/** Client delegates of the schema's models. */
export type Delegate =
  | 'user'
  | 'profile'
  | 'category'
  | 'post'
  | 'tag'
  | 'comment'
  | 'team'
  | 'membership'
  | 'country'
  | 'warehouse'
  | 'sample'
  | 'auditLog'

type ReadOperation =
  | 'findUnique'
  | 'findUniqueOrThrow'
  | 'findFirst'
  | 'findFirstOrThrow'
  | 'findMany'
  | 'count'
  | 'aggregate'
  | 'groupBy'

/** One query of the pool, run both cached and uncached. */
export interface PoolRead {
  /** Position in {@link READS}, for messages. */
  readonly index: number
  readonly delegate: Delegate
  readonly operation: ReadOperation
  readonly args: object
  /** Every model the result can depend on (a superset, from {@link modelsNamed}). */
  readonly dependsOn: ReadonlySet<ModelName>
  /**
   * For a read the README's rules pin to rows: every row its result can depend on, given its uncached outcome
   * before the write (which names the parents whose children it loads). A row-precise write that changes none of
   * them must leave it cached.
   */
  readonly pins?: (before: Outcome | undefined) => RowPin[]
  /** The one provider whose Prisma client accepts the arguments (elsewhere both sides fail validation alike). */
  readonly onlyOn?: Provider
  toString(): string
}

let nextIndex = 0

function read<D extends Delegate, O extends ReadOperation>(
  delegate: D,
  operation: O,
  args: Prisma.Args<PrismaClient[D], O>,
): PoolRead {
  const index = nextIndex++
  const dependsOn = modelsNamed(modelOf(delegate), args)
  return {
    index,
    delegate,
    operation,
    args,
    dependsOn,
    toString: () => `#${index} ${delegate}.${operation}(${show(args)})`,
  }
}

const byId = { id: 'asc' } as const

/** A read with the rows it is pinned to. */
function pinned(poolRead: PoolRead, pins: NonNullable<PoolRead['pins']>): PoolRead {
  return { ...poolRead, pins, toString: poolRead.toString }
}

/** A read whose arguments only `provider`'s client accepts. */
function onlyOn(provider: Provider, poolRead: PoolRead): PoolRead {
  return { ...poolRead, onlyOn: provider, toString: poolRead.toString }
}

const pin = (model: ModelName, match: (row: Record<string, unknown>) => boolean): RowPin => ({ model, match })
/** The `field` values of a read's rows (a list or one row). */
const valuesOf = (before: Outcome | undefined, field: string): unknown[] => {
  const data = dataOf(before)
  const rows = Array.isArray(data) ? data : data === null || data === undefined ? [] : [data]
  return rows.map((row) => (row as Record<string, unknown>)[field])
}

/**
 * The read pool. Every result is deterministic (ordered down to a unique key), so cached and uncached
 * results compare with `toEqual`. Together the reads use every dependency feature of G2.
 */
export const READS: readonly PoolRead[] = [
  // Plain reads, every model and read operation.
  read('user', 'findMany', { orderBy: byId }),
  pinned(read('user', 'findUnique', { where: { id: 1 } }), () => [pin('User', (row) => row.id === 1)]),
  read('user', 'count', {}),
  read('user', 'aggregate', { _count: { _all: true, managerId: true }, _max: { id: true, email: true } }),
  read('user', 'groupBy', {
    by: ['role', 'active'],
    _count: { _all: true },
    orderBy: [{ role: 'asc' }, { active: 'asc' }],
  }),
  pinned(read('profile', 'findUnique', { where: { userId: 2 } }), () => [
    pin('Profile', (row) => row.userId === 2),
  ]),
  read('category', 'findMany', { orderBy: byId }),
  read('post', 'findMany', { orderBy: byId }),
  read('post', 'findFirstOrThrow', { where: { published: true }, orderBy: byId }),
  read('post', 'aggregate', {
    _sum: { views: true },
    _avg: { rating: true },
    _count: { _all: true, authorId: true },
  }),
  read('post', 'groupBy', {
    by: ['categoryId'],
    _count: { _all: true },
    _sum: { views: true },
    orderBy: { categoryId: 'asc' },
  }),
  pinned(read('tag', 'findUniqueOrThrow', { where: { name: 't2' } }), () => [
    pin('Tag', (row) => row.name === 't2'),
  ]),
  read('comment', 'groupBy', {
    by: ['postId'],
    _count: { _all: true },
    having: { postId: { _count: { gt: 1 } } },
    orderBy: { postId: 'asc' },
  }),
  read('team', 'findMany', { orderBy: byId }),
  read('membership', 'findMany', { orderBy: [{ userId: 'asc' }, { teamId: 'asc' }] }),
  read('country', 'findMany', { orderBy: { code: 'asc' } }),
  pinned(
    read('warehouse', 'findUnique', { where: { countryCode_code: { countryCode: 'AA', code: 'w1' } } }),
    () => [pin('Warehouse', (row) => row.countryCode === 'AA' && row.code === 'w1')],
  ),
  read('warehouse', 'count', {}),
  read('sample', 'findMany', { orderBy: byId }),
  read('auditLog', 'findMany', { orderBy: byId }),

  // Reads pinned to rows by a foreign key, a compound id, an in-list; relations from pinned or returned parents.
  pinned(read('post', 'findMany', { where: { authorId: 2 }, orderBy: byId }), () => [
    pin('Post', (row) => row.authorId === 2),
  ]),
  pinned(read('comment', 'count', { where: { postId: 1 } }), () => [
    pin('Comment', (row) => row.postId === 1),
  ]),
  pinned(read('post', 'findUnique', { where: { id: 2 }, include: { comments: { orderBy: byId } } }), () => [
    pin('Post', (row) => row.id === 2),
    pin('Comment', (row) => row.postId === 2),
  ]),
  pinned(
    read('user', 'findUnique', { where: { email: 'u3@x.io' }, include: { posts: { orderBy: byId } } }),
    (before) => [
      pin('User', (row) => row.email === 'u3@x.io'),
      pin('Post', (row) => valuesOf(before, 'id').includes(row.authorId)),
    ],
  ),
  pinned(read('membership', 'findUnique', { where: { userId_teamId: { userId: 2, teamId: 1 } } }), () => [
    pin('Membership', (row) => row.userId === 2 && row.teamId === 1),
  ]),
  pinned(
    read('comment', 'findMany', {
      where: { authorId: { in: [1, 2] } },
      include: { post: { select: { id: true, title: true } } },
      orderBy: byId,
    }),
    (before) => [
      pin('Comment', (row) => row.authorId === 1 || row.authorId === 2),
      pin('Post', (row) => valuesOf(before, 'postId').includes(row.id)),
    ],
  ),
  pinned(
    read('post', 'findFirst', {
      where: { authorId: 1, published: true },
      select: { id: true, _count: { select: { comments: true } } },
      orderBy: byId,
    }),
    (before) => [
      pin('Post', (row) => row.authorId === 1),
      pin('Comment', (row) => valuesOf(before, 'id').includes(row.postId)),
    ],
  ),

  // Reads pinned by columns that are no key: null, an enum, a BigInt, strings (equals, in); and one that is not
  // pinned (case-insensitive).
  read('post', 'findMany', { where: { authorId: null }, select: { id: true, title: true }, orderBy: byId }),
  read('user', 'count', { where: { role: 'ADMIN' } }),
  read('post', 'findMany', { where: { views: 0 }, select: { id: true }, orderBy: byId }),
  read('post', 'findFirst', { where: { title: { equals: 'alpha' } }, orderBy: byId }),
  read('comment', 'findMany', { where: { body: { in: ['nice', 'wow'] } }, orderBy: byId }),
  read('user', 'findMany', { where: { name: null }, select: { id: true }, orderBy: byId }),
  onlyOn(
    'postgresql',
    read('user', 'findMany', { where: { name: { equals: 'ann', mode: 'insensitive' } }, orderBy: byId }),
  ),

  // include / select of relations, both sides of every relation type.
  // 1:1 (User.profile, the side without the key) and the self-relation, both sides.
  pinned(
    read('user', 'findUnique', {
      where: { id: 2 },
      include: { profile: true, manager: true, reports: { orderBy: byId } },
    }),
    (before) => [
      pin(
        'User',
        (row) => row.id === 2 || row.managerId === 2 || valuesOf(before, 'managerId').includes(row.id),
      ),
      pin('Profile', (row) => row.userId === 2),
    ],
  ),
  // 1:1 from the key side.
  read('profile', 'findMany', { include: { user: true }, orderBy: byId }),
  // 1:n from the key side (author SetNull, category SetDefault) and implicit m2m from Post.
  read('post', 'findMany', {
    include: { author: true, category: true, tags: { orderBy: byId } },
    orderBy: byId,
  }),
  // 1:n from the list side, through select.
  read('user', 'findMany', {
    select: {
      id: true,
      email: true,
      posts: { select: { id: true, title: true, categoryId: true }, orderBy: byId },
    },
    orderBy: byId,
  }),
  read('category', 'findMany', {
    include: { posts: { select: { id: true }, orderBy: byId } },
    orderBy: byId,
  }),
  // Implicit m2m from Tag.
  read('tag', 'findMany', {
    include: { posts: { select: { id: true, title: true }, orderBy: byId } },
    orderBy: byId,
  }),
  // Explicit m2m through Membership, from both ends.
  read('user', 'findMany', {
    select: { id: true, memberships: { include: { team: true }, orderBy: { teamId: 'asc' } } },
    orderBy: byId,
  }),
  read('team', 'findMany', {
    include: {
      memberships: { include: { user: { select: { id: true, name: true } } }, orderBy: { userId: 'asc' } },
    },
    orderBy: byId,
  }),
  // Both key sides of Comment.
  read('comment', 'findMany', {
    include: { post: { select: { title: true } }, author: { select: { email: true } } },
    orderBy: byId,
  }),
  // Nested include two levels deep.
  read('post', 'findUnique', {
    where: { id: 1 },
    include: { comments: { include: { author: true }, orderBy: byId } },
  }),
  // Reference data: a natural string key, both sides.
  read('country', 'findMany', { include: { warehouses: { orderBy: byId } }, orderBy: { code: 'asc' } }),
  read('warehouse', 'findMany', { include: { country: true }, orderBy: byId }),

  // _count.
  read('user', 'findMany', { select: { id: true, _count: true }, orderBy: byId }),
  read('category', 'findMany', {
    select: { id: true, name: true, _count: { select: { posts: true } } },
    orderBy: byId,
  }),
  read('post', 'findMany', {
    select: { id: true, _count: { select: { tags: true, comments: true } } },
    orderBy: byId,
  }),
  read('user', 'findMany', {
    select: { id: true, posts: { select: { id: true, _count: true }, orderBy: byId } },
    orderBy: byId,
  }),

  // Relation filters: some / every / none / is / isNot and the to-one shorthand, at one and two levels.
  read('user', 'findMany', {
    where: { posts: { some: { published: true } } },
    select: { id: true },
    orderBy: byId,
  }),
  read('user', 'findMany', {
    where: { posts: { every: { published: true } } },
    select: { id: true },
    orderBy: byId,
  }),
  read('tag', 'findMany', {
    where: { posts: { none: { published: true } } },
    select: { id: true },
    orderBy: byId,
  }),
  read('post', 'findMany', {
    where: { author: { is: { active: true } } },
    select: { id: true },
    orderBy: byId,
  }),
  read('comment', 'count', { where: { post: { isNot: { published: true } } } }),
  read('post', 'count', { where: { author: { role: 'ADMIN' } } }),
  read('user', 'findFirst', { where: { manager: { name: 'Ann' } }, orderBy: byId }),
  read('user', 'findMany', { where: { reports: { some: {} } }, select: { id: true }, orderBy: byId }),
  read('team', 'count', { where: { memberships: { some: { user: { role: 'ADMIN' } } } } }),
  read('warehouse', 'findMany', { where: { country: { name: { startsWith: 'A' } } }, orderBy: byId }),
  read('post', 'findMany', {
    where: { tags: { some: { name: 't1' } } },
    select: { id: true },
    orderBy: byId,
  }),
  read('profile', 'count', { where: { user: { is: { comments: { some: {} } } } } }),

  // Relation filters under AND / OR / NOT, inside include and _count, in groupBy and aggregate, and
  // through the explicit m2m in two hops.
  read('user', 'findMany', {
    where: {
      OR: [{ profile: { is: null } }, { NOT: { comments: { some: { post: { published: true } } } } }],
    },
    select: { id: true },
    orderBy: byId,
  }),
  read('user', 'findMany', {
    where: { AND: [{ profile: { bio: 'hello' } }, { memberships: { some: { team: { name: 'red' } } } }] },
    select: { id: true },
    orderBy: byId,
  }),
  read('user', 'findMany', {
    select: {
      id: true,
      posts: { where: { tags: { some: { name: 't2' } } }, select: { id: true }, orderBy: byId },
      _count: { select: { reports: true, comments: { where: { post: { published: false } } } } },
    },
    orderBy: byId,
  }),
  read('category', 'findMany', {
    include: { _count: { select: { posts: { where: { author: { is: { active: true } } } } } } },
    orderBy: byId,
  }),
  read('post', 'groupBy', {
    by: ['authorId'],
    where: { tags: { some: {} } },
    _count: { _all: true },
    orderBy: { authorId: 'asc' },
  }),
  read('comment', 'aggregate', {
    where: { author: { manager: { isNot: null } } },
    _count: { _all: true },
    _max: { id: true },
  }),
  read('post', 'findMany', {
    cursor: { id: 2 },
    take: 3,
    where: { comments: { every: { author: { active: true } } } },
    select: { id: true, title: true },
    orderBy: byId,
  }),
  read('post', 'findFirst', {
    where: { category: { posts: { some: { published: false } } } },
    omit: { metadata: true },
    include: { author: { include: { _count: { select: { reports: true } } } } },
    orderBy: byId,
  }),
  read('warehouse', 'groupBy', {
    by: ['countryCode'],
    where: { country: { warehouses: { some: { code: 'w2' } } } },
    _count: { _all: true },
    orderBy: { countryCode: 'asc' },
  }),
  read('tag', 'count', { where: { posts: { some: { author: { memberships: { some: {} } } } } } }),

  // Relation orderBy.
  read('post', 'findMany', {
    select: { id: true, authorId: true },
    orderBy: [{ author: { name: 'asc' } }, { id: 'asc' }],
  }),
  read('user', 'findMany', { select: { id: true }, orderBy: [{ posts: { _count: 'desc' } }, { id: 'asc' }] }),
  read('tag', 'findMany', { select: { id: true }, orderBy: [{ posts: { _count: 'asc' } }, { id: 'asc' }] }),
  read('post', 'findMany', {
    select: { id: true },
    orderBy: [{ author: { manager: { name: 'desc' } } }, { category: { name: 'asc' } }, { id: 'asc' }],
  }),
  read('membership', 'findMany', {
    select: { userId: true, teamId: true },
    orderBy: [{ team: { memberships: { _count: 'desc' } } }, { userId: 'asc' }, { teamId: 'asc' }],
  }),
]

/** The reads of the pool that `features`' provider accepts (what a transaction may run among its writes). */
export function readsOn(features: ProviderFeatures): readonly PoolRead[] {
  return READS.filter((poolRead) => poolRead.onlyOn === undefined || poolRead.onlyOn === features.provider)
}
