import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  providerSchema,
  SCHEMA_TARGETS,
  SOURCE_SCHEMA,
  targetSchemaPath,
} from '../../scripts/provider-schemas.ts'

// One source of truth: every provider's schema is derived from prisma/schema.prisma (`npm run schemas`), and
// differs from it only where that provider lacks a feature. Migrations are checked against each copy by the
// setup suite (`suites/setup.ts`).

const source = readFileSync(SOURCE_SCHEMA, 'utf8')

const NO_LISTS = [
  'Post.keywords',
  'Sample.strs',
  'Sample.ints',
  'Sample.bigs',
  'Sample.floats',
  'Sample.decs',
  'Sample.bools',
  'Sample.dates',
  'Sample.roles',
].map((field) => `${field}: removed (no lists of scalars or enums)`)
const NO_SET_DEFAULT =
  'Post.category: onDelete SetDefault becomes Restrict (InnoDB has no SET DEFAULT, relationMode = "prisma" cannot emulate it)'
const index = (model: string, field: string) => `${model}: @@index([${field}]) added (no foreign key index)`

describe('provider copies of the schema', () => {
  it.each(SCHEMA_TARGETS)(
    'prisma/$name/schema.prisma is the copy derived from prisma/schema.prisma',
    (target) => {
      expect(readFileSync(targetSchemaPath(target), 'utf8'), 'run `npm run schemas`').toBe(
        providerSchema(source, target).text,
      )
    },
  )

  it('differ from the source only where the provider lacks a feature', () => {
    const differences = Object.fromEntries(
      SCHEMA_TARGETS.map((target) => [target.name, [...providerSchema(source, target).differences].sort()]),
    )
    expect(differences).toEqual({
      mysql: [...NO_LISTS, NO_SET_DEFAULT].sort(),
      'mysql-relationmode': [
        ...NO_LISTS,
        NO_SET_DEFAULT,
        'datasource: relationMode = "prisma" (no foreign keys; Prisma emulates the actions)',
        'User.manager: onDelete SetNull becomes NoAction, onUpdate NoAction (what relationMode = "prisma" requires of a self-relation)',
        index('User', 'managerId'),
        index('Post', 'authorId'),
        index('Post', 'categoryId'),
        index('Comment', 'postId'),
        index('Comment', 'authorId'),
        index('Membership', 'teamId'),
      ].sort(),
      sqlite: [
        ...NO_LISTS,
        'Sample.dec: @db.Decimal(30, 10) removed (no native types)',
        'Sample.optDec: @db.Decimal(30, 10) removed (no native types)',
      ].sort(),
    })
  })

  it('generate each client into its own folder', () => {
    for (const target of SCHEMA_TARGETS) {
      expect(providerSchema(source, target).text).toContain(`output   = "../../generated/${target.name}"`)
    }
  })
})
