/**
 * The test's own view of prisma/schema.prisma: relation fields and their targets. It is written by hand,
 * independently of src/schema.ts, so that the precision check does not trust the code under test.
 */

/** Model names, as in the schema. */
export const MODELS = [
  'User',
  'Profile',
  'Category',
  'Post',
  'Tag',
  'Comment',
  'Team',
  'Membership',
  'Country',
  'Warehouse',
  'Sample',
  'AuditLog',
] as const

export type ModelName = (typeof MODELS)[number]

/** A relation field: the model it points to, and whether it is a list. */
interface RelationField {
  readonly target: ModelName
  readonly list: boolean
}

/** Relation fields per model. */
export const RELATIONS: Readonly<Record<ModelName, Readonly<Record<string, RelationField>>>> = {
  User: {
    manager: { target: 'User', list: false },
    reports: { target: 'User', list: true },
    profile: { target: 'Profile', list: false },
    posts: { target: 'Post', list: true },
    comments: { target: 'Comment', list: true },
    memberships: { target: 'Membership', list: true },
  },
  Profile: { user: { target: 'User', list: false } },
  Category: { posts: { target: 'Post', list: true } },
  Post: {
    author: { target: 'User', list: false },
    category: { target: 'Category', list: false },
    tags: { target: 'Tag', list: true },
    comments: { target: 'Comment', list: true },
  },
  Tag: { posts: { target: 'Post', list: true } },
  Comment: { post: { target: 'Post', list: false }, author: { target: 'User', list: false } },
  Team: { memberships: { target: 'Membership', list: true } },
  Membership: { user: { target: 'User', list: false }, team: { target: 'Team', list: false } },
  Country: { warehouses: { target: 'Warehouse', list: true } },
  Warehouse: { country: { target: 'Country', list: false } },
  Sample: {},
  AuditLog: {},
}

/** Client delegate names (`user`) to model names (`User`). */
export function modelOf(delegate: string): ModelName {
  const model = MODELS.find((name) => name.charAt(0).toLowerCase() + name.slice(1) === delegate)
  if (model === undefined) throw new Error(`No model for delegate ${delegate}`)
  return model
}

/**
 * Every model whose rows an argument tree names, starting at `model`: any key that is a relation field
 * of the current model (in where, data, include, select, orderBy or a nested write) adds its target, and
 * `_count` adds every list relation. A superset of what a read reads or a nested write writes.
 */
export function modelsNamed(model: ModelName, args: unknown): Set<ModelName> {
  const found = new Set<ModelName>([model])
  const walk = (current: ModelName, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(current, item)
      return
    }
    if (typeof value !== 'object' || value === null || value instanceof Date || value instanceof Uint8Array)
      return
    for (const [key, child] of Object.entries(value)) {
      const relation = RELATIONS[current][key]
      if (relation !== undefined) {
        found.add(relation.target)
        walk(relation.target, child)
      } else if (key === '_count') {
        for (const field of Object.values(RELATIONS[current])) if (field.list) found.add(field.target)
        walk(current, child)
      } else {
        walk(current, child)
      }
    }
  }
  walk(model, args)
  return found
}

/**
 * What a write may change under the coarsest design the contract allows ("a write to M touches every
 * model with a relation to M"): the models it names, and their direct neighbours. In this schema every
 * referential action (Cascade, SetNull, SetDefault, ON UPDATE CASCADE) stays within one hop.
 */
export function coarseReach(model: ModelName, args: unknown): Set<ModelName> {
  const reach = new Set<ModelName>()
  for (const named of modelsNamed(model, args)) {
    reach.add(named)
    for (const field of Object.values(RELATIONS[named])) reach.add(field.target)
  }
  return reach
}

/**
 * Fields a read can be pinned by, per model, as the README's precision rules state them (the primary key, every
 * unique field, every foreign key): written by hand from prisma/schema.prisma.
 */
export const PINNED_FIELDS: Readonly<Record<ModelName, readonly string[]>> = {
  User: ['id', 'email', 'managerId'],
  Profile: ['id', 'userId'],
  Category: ['id', 'name'],
  Post: ['id', 'authorId', 'categoryId'],
  Tag: ['id', 'name'],
  Comment: ['id', 'postId', 'authorId'],
  Team: ['id', 'name'],
  Membership: ['userId', 'teamId'],
  Country: ['code'],
  Warehouse: ['id', 'countryCode', 'code'],
  Sample: ['id'],
  AuditLog: ['id'],
}

/** Primary-key fields per model: what identifies a row across two snapshots. */
export const PRIMARY_KEYS: Readonly<Record<ModelName, readonly string[]>> = {
  User: ['id'],
  Profile: ['id'],
  Category: ['id'],
  Post: ['id'],
  Tag: ['id'],
  Comment: ['id'],
  Team: ['id'],
  Membership: ['userId', 'teamId'],
  Country: ['code'],
  Warehouse: ['id'],
  Sample: ['id'],
  AuditLog: ['id'],
}

/**
 * Referential actions, as the precision rules see them: deleting a row of a model marked `onDelete`, or changing
 * one of its `referenced` fields, lets the database change rows of other models (Cascade, SetNull, SetDefault, ON
 * UPDATE CASCADE). Which rows, the cache cannot tell: those writes fall back for the models they reach, even when
 * no such row exists. Implicit many-to-many tables are not models and do not count.
 */
export const REFERENTIAL: Readonly<Record<ModelName, { onDelete: boolean; referenced: readonly string[] }>> =
  {
    User: { onDelete: true, referenced: ['id'] },
    Profile: { onDelete: false, referenced: [] },
    Category: { onDelete: true, referenced: ['id'] },
    Post: { onDelete: true, referenced: ['id'] },
    Tag: { onDelete: false, referenced: [] },
    Comment: { onDelete: false, referenced: [] },
    Team: { onDelete: true, referenced: ['id'] },
    Membership: { onDelete: false, referenced: [] },
    Country: { onDelete: true, referenced: ['code'] },
    Warehouse: { onDelete: false, referenced: [] },
    Sample: { onDelete: false, referenced: [] },
    AuditLog: { onDelete: false, referenced: [] },
  }
