import { PrismaPg } from '@prisma/adapter-pg'
import { describe, expect, it } from 'vitest'
import { PrismaClient } from '../../../generated/prisma/client.ts'
import {
  pinDependency,
  schemeDependency,
  unpinnedDependency,
} from '../../../src/invalidation/dependency-ids.ts'
import { PinRules } from '../../../src/invalidation/pins.ts'
import { planReadDependencies } from '../../../src/invalidation/read-dependencies.ts'
import { whereEqualities } from '../../../src/invalidation/where-equalities.ts'
import { planWrite } from '../../../src/invalidation/write-effects.ts'
import { buildSchemaGraph, type RuntimeDataModelLike } from '../../../src/schema/graph.ts'

// The client never connects: the adapter only holds the connection string until the first query.
const client = new PrismaClient({
  adapter: new PrismaPg({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test' }),
})
const internals = client as unknown as {
  _runtimeDataModel: RuntimeDataModelLike
  _engineConfig: { inlineSchema?: string }
}
const graph = buildSchemaGraph(internals._runtimeDataModel, internals._engineConfig.inlineSchema)
const rules = new PinRules(graph, 'exact')
const folded = new PinRules(graph, 'folded')

describe('pin schemes', () => {
  it('are the primary key, the uniques, the foreign keys, then every other comparable column', () => {
    const schemes = rules.schemes('Post').map((scheme) => scheme.fields.join('+'))
    expect(schemes.slice(0, 3)).toEqual(['id', 'authorId', 'categoryId'])
    expect(schemes).toEqual(expect.arrayContaining(['title', 'published', 'views']))
    // Float, Json, DateTime and lists are not compared by value.
    for (const field of ['rating', 'metadata', 'keywords']) expect(schemes).not.toContain(field)
    expect(rules.schemes('Membership').map((scheme) => scheme.fields.join('+'))).toEqual(
      expect.arrayContaining(['teamId+userId', 'userId', 'teamId', 'role']),
    )
    expect(rules.keyFields('Warehouse')).toEqual(new Set(['id', 'code', 'countryCode']))
  })

  it('are none without the schema text, and none for a model that opts out', () => {
    expect(new PinRules(buildSchemaGraph(internals._runtimeDataModel), 'exact').schemes('Post')).toEqual([])
    expect(new PinRules(graph, 'exact', new Set(['Post'])).schemes('Post')).toEqual([])
  })
})

describe('pin values', () => {
  it.each([
    ['Int from a number and from a bigint', 'Post', 'id', 7, 7n, true],
    ['BigInt from a bigint and from a number', 'Post', 'views', 10n, 10, true],
    ['a string and another string', 'Post', 'title', 'a', 'A', false],
    ['a boolean and a number', 'Post', 'published', true, 1, false],
    ['null and the string "null"', 'Post', 'authorId', null, 'null', false],
  ])('%s', (_, model, field, a, b, same) => {
    const first = rules.value(model, field, a)
    const second = rules.value(model, field, b)
    expect(first).toBeDefined()
    if (same) expect(second).toBe(first)
    else expect(second).not.toBe(first)
  })

  it('are undefined for what is no value (a filter, an unsafe number, a date)', () => {
    expect(rules.value('Post', 'id', { gt: 1 })).toBeUndefined()
    expect(rules.value('Post', 'id', 2 ** 60)).toBeUndefined()
    expect(rules.value('Post', 'id', 1.5)).toBeUndefined()
    expect(rules.value('Post', 'title', 3)).toBeUndefined()
    expect(rules.value('Sample', 'date', new Date(0))).toBeUndefined()
  })

  it('fold strings for MySQL: case and trailing spaces, and one bucket for any non-ASCII text', () => {
    expect(folded.value('Post', 'title', 'Hello  ')).toBe(folded.value('Post', 'title', 'hELLO'))
    expect(folded.value('Post', 'title', 'é')).toBe(folded.value('Post', 'title', 'e\u0301x'))
    expect(folded.value('Post', 'title', 'a')).not.toBe(folded.value('Post', 'title', 'b'))
    expect(rules.value('Post', 'title', 'A')).not.toBe(rules.value('Post', 'title', 'a'))
  })

  it('follow native string types: Citext and Char fold, Uuid compares its digits, others are never pinned', () => {
    const schema = `${internals._engineConfig.inlineSchema}`
      .replace(/(\n\s*email\s+String\s+@unique)/, '$1 @db.Citext')
      .replace(/(\n\s*name\s+String\?)/, '$1 @db.Char(4)')
      .replace(/(\n\s*bio\s+String)/, '$1 @db.Inet')
      .replace(/(\n\s*id\s+String\s+@id @default\(uuid\(\)\))/, '$1 @db.Uuid')
    for (const type of ['Citext', 'Char(4)', 'Inet', 'Uuid']) expect(schema).toContain(`@db.${type}`)
    const native = new PinRules(buildSchemaGraph(internals._runtimeDataModel, schema), 'exact')
    expect(native.value('User', 'email', 'A@x.io')).toBe(native.value('User', 'email', 'a@x.io'))
    expect(native.value('User', 'name', 'cd  ')).toBe(native.value('User', 'name', 'cd'))
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
    expect(native.value('Sample', 'id', uuid.toUpperCase())).toBe(native.value('Sample', 'id', uuid))
    expect(native.value('Sample', 'id', `{${uuid.replaceAll('-', '')}}`)).toBe(
      native.value('Sample', 'id', uuid),
    )
    expect(native.value('Sample', 'id', 'not a uuid')).toBeUndefined()
    expect(native.schemes('Profile').map((scheme) => scheme.fields.join('+'))).not.toContain('bio')
    // Without the schema's word, exact.
    expect(rules.value('User', 'email', 'A@x.io')).not.toBe(rules.value('User', 'email', 'a@x.io'))
  })

  it('make one pin per tuple, hash long values, and refuse too many', () => {
    const [id] = rules.schemes('Post')
    expect(rules.pins(id!, new Map([['id', [1, 2, 2]]]))).toEqual([
      pinDependency('Post', ['id'], ['1']),
      pinDependency('Post', ['id'], ['2']),
    ])
    const title = rules.schemeOn('Post', ['title'])!
    const [long] = rules.pins(title, new Map([['title', ['x'.repeat(1000)]]]))!
    expect(long!.length).toBeLessThan(200)
    expect(long).not.toBe(rules.pins(title, new Map([['title', [`${'x'.repeat(999)}y`]]]))![0])
    expect(rules.pins(id!, new Map([['id', Array.from({ length: 65 }, (_, i) => i)]]))).toBeUndefined()
  })

  it('of a row: one per scheme; a missing field gives none, unless its schemes are skipped', () => {
    const row = { id: 1, title: 't', published: false, views: 0n, authorId: null, categoryId: 1 }
    const pins = rules.rowPins('Post', row)!
    expect(pins).toContain(pinDependency('Post', ['id'], ['1']))
    expect(pins).toContain(pinDependency('Post', ['authorId'], ['n']))
    const { title: _, ...withoutTitle } = row
    expect(rules.rowPins('Post', withoutTitle)).toBeUndefined()
    expect(rules.rowPins('Post', withoutTitle, ['title'])).toEqual(
      pins.filter((pin) => !pin.startsWith('=Post.title=')),
    )
  })
})

describe('where equalities', () => {
  it('come from the top level and AND, as values, equals and in; compound unique inputs give their fields', () => {
    const found = whereEqualities(graph, 'Membership', {
      userId_teamId: { userId: 1, teamId: 2 },
      AND: [{ role: { equals: 'admin' } }, { joinedAt: { gt: new Date(0) } }],
    })
    expect([...found]).toEqual([
      ['userId', [1]],
      ['teamId', [2]],
      ['role', ['admin']],
    ])
    expect([...whereEqualities(graph, 'Post', { AND: { id: { in: [1, 2] } } })]).toEqual([['id', [1, 2]]])
  })

  it('never come from OR, NOT, relation filters, case-insensitive or other comparisons', () => {
    const found = whereEqualities(graph, 'User', {
      OR: [{ id: 1 }],
      NOT: { id: 2 },
      posts: { some: { id: 3 } },
      email: { equals: 'A', mode: 'insensitive' },
      name: { contains: 'a' },
      managerId: { not: 4 },
    })
    expect(found.size).toBe(0)
  })
})

describe('read dependencies with pins', () => {
  it('a unique lookup depends on its pin, the scheme wildcard and the model unpinned id, not on the model', () => {
    const { dependencies, guards, derive } = planReadDependencies(graph, 'User', { where: { id: 1 } }, rules)
    expect(dependencies).toEqual(
      [
        unpinnedDependency('User'),
        schemeDependency('User', ['id']),
        pinDependency('User', ['id'], ['1']),
      ].sort(),
    )
    expect(guards).toEqual([])
    expect(derive).toBeUndefined()
  })

  it('children of a parent fixed by the where are known; of a parent found by another field, derived', () => {
    const known = planReadDependencies(graph, 'User', { where: { id: 1 }, include: { posts: true } }, rules)
    expect(known.dependencies).toContain(pinDependency('Post', ['authorId'], ['1']))
    expect(known.derive).toBeUndefined()
    const found = planReadDependencies(
      graph,
      'User',
      { where: { email: 'a' }, include: { posts: true } },
      rules,
    )
    expect(found.guards).toEqual(['Post'])
    expect(found.derive?.({ id: 5, posts: [] })).toEqual({
      pins: [pinDependency('Post', ['authorId'], ['5'])],
      fallbacks: [],
    })
    expect(found.derive?.(null)).toEqual({ pins: [], fallbacks: [] })
    // A select without the key cannot tell the children: the relation falls back to its model.
    const narrow = planReadDependencies(
      graph,
      'User',
      { where: { email: 'a' }, select: { name: true, posts: true } },
      rules,
    )
    expect(narrow.derive?.({ name: 'x', posts: [] })).toEqual({ pins: [], fallbacks: ['Post'] })
  })

  it('relation filters, cursors and many-to-many relations depend on whole models', () => {
    const filtered = planReadDependencies(graph, 'Post', { where: { id: 1, author: { name: 'a' } } }, rules)
    expect(filtered.dependencies).toContain('User')
    expect(filtered.dependencies).toContain(pinDependency('Post', ['id'], ['1']))
    const cursor = planReadDependencies(graph, 'Post', { where: { authorId: 1 }, cursor: { id: 3 } }, rules)
    expect(cursor.dependencies).toContain('Post')
    const tags = planReadDependencies(graph, 'Post', { where: { id: 1 }, include: { tags: true } }, rules)
    expect(tags.dependencies).toEqual(expect.arrayContaining(['Tag', '_PostToTag']))
  })
})

describe('write plans', () => {
  it('name their rows by images; a key change reads before outside transactions, a wildcard inside', () => {
    expect(
      planWrite(graph, rules, 'Post', 'update', { where: { id: 1 }, data: { title: 'x' } }, false).rows,
    ).toEqual({
      kind: 'result',
      images: 'same',
      wildcards: ['title'],
    })
    expect(
      planWrite(graph, rules, 'Post', 'update', { where: { id: 1 }, data: { authorId: 2 } }, false).rows,
    ).toEqual({
      kind: 'read-before',
      changed: ['authorId'],
    })
    expect(
      planWrite(graph, rules, 'Post', 'update', { where: { id: 1 }, data: { authorId: 2 } }, true).rows,
    ).toEqual({
      kind: 'result',
      images: 'same',
      wildcards: ['authorId'],
    })
    expect(planWrite(graph, rules, 'Post', 'updateMany', { data: { title: 'x' } }, false).rows).toEqual({
      kind: 'none',
      reason: 'many rows',
    })
  })

  it('fall back for the models nested writes and referential actions reach, with why', () => {
    const nested = planWrite(
      graph,
      rules,
      'User',
      'update',
      { where: { id: 1 }, data: { posts: { create: { title: 'x' } } } },
      false,
    )
    expect(nested.reached).toContain(unpinnedDependency('Post'))
    expect(nested.reasons).toEqual(['nested write'])
    const deleted = planWrite(graph, rules, 'Post', 'delete', { where: { id: 1 } }, false)
    expect(deleted.reached).toEqual([unpinnedDependency('Comment')])
    expect(deleted.reasons).toEqual(['referential action'])
    // Connecting its own foreign key changes only the row itself.
    const connect = planWrite(
      graph,
      rules,
      'Post',
      'update',
      { where: { id: 1 }, data: { author: { connect: { id: 2 } } } },
      false,
    )
    expect(connect.reached).toEqual([])
    expect(connect.rows).toEqual({ kind: 'read-before', changed: ['authorId'] })
  })
})
