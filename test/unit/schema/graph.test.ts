import { PrismaPg } from '@prisma/adapter-pg'
import { describe, expect, it } from 'vitest'
import { PrismaClient } from '../../../generated/prisma/client.ts'
import {
  buildSchemaGraph,
  type ParsedModel,
  parsePrismaSchema,
  type RuntimeDataModelLike,
  type RuntimeFieldLike,
  type SchemaGraph,
} from '../../../src/schema/graph.ts'

// The client never connects: the adapter only holds the connection string until the first query.
const client = new PrismaClient({
  adapter: new PrismaPg({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test' }),
})
const internals = client as unknown as {
  _runtimeDataModel: RuntimeDataModelLike
  _engineConfig: { inlineSchema?: string }
}
const runtimeDataModel = internals._runtimeDataModel
const inlineSchema = internals._engineConfig.inlineSchema

/** A runtime data model as Prisma 7 would derive it from parsed models (default relation names included). */
function runtimeFrom(models: readonly ParsedModel[]): RuntimeDataModelLike {
  const names = new Set(models.map((model) => model.name))
  const stringArg = (model: ParsedModel, attribute: string) => {
    const value = model.attributes.find((candidate) => candidate.name === attribute)?.args[0]?.value
    return value?.kind === 'string' ? value.value : null
  }
  return {
    models: Object.fromEntries(
      models.map((model) => [
        model.name,
        {
          dbName: stringArg(model, 'map'),
          schema: stringArg(model, 'schema'),
          fields: model.fields.map((field): RuntimeFieldLike => {
            if (!names.has(field.type)) return { name: field.name, kind: 'scalar', type: field.type }
            const relation = field.attributes.find((attribute) => attribute.name === 'relation')
            const named = relation?.args.find((arg) => arg.name === undefined || arg.name === 'name')?.value
            const relationName =
              named?.kind === 'string' ? named.value : [model.name, field.type].sort().join('To')
            return { name: field.name, kind: 'object', type: field.type, relationName }
          }),
        },
      ]),
    ),
  }
}

function graphOf(schema: string): SchemaGraph {
  return buildSchemaGraph(runtimeFrom(parsePrismaSchema(schema)), schema)
}

function relation(graph: SchemaGraph, model: string, field: string) {
  const found = graph.relationField(model, field)
  if (found === undefined) throw new Error(`no relation field ${model}.${field}`)
  return found.relation
}

describe('buildSchemaGraph on the generated test client', () => {
  const graph = buildSchemaGraph(runtimeDataModel, inlineSchema)

  it('reads the inline schema from the client and resolves every relation precisely', () => {
    expect(typeof inlineSchema).toBe('string')
    expect(graph.precise).toBe(true)
    expect(graph.relations.every((candidate) => candidate.kind !== 'unknown')).toBe(true)
  })

  it('lists models and dependency ids, join tables included', () => {
    expect(graph.models).toEqual([
      'AuditLog',
      'Category',
      'Comment',
      'Country',
      'Membership',
      'Post',
      'Profile',
      'Sample',
      'Tag',
      'Team',
      'User',
      'Warehouse',
    ])
    expect(graph.dependencies).toEqual([...graph.models, '_PostToTag'].sort())
  })

  it('finds the foreign-key side and explicit referential actions of each relation', () => {
    expect(relation(graph, 'User', 'profile')).toMatchObject({
      kind: 'one-to-one',
      joinTable: undefined,
      foreignKey: {
        model: 'Profile',
        field: 'user',
        fields: ['userId'],
        referencedModel: 'User',
        references: ['id'],
        onDelete: 'Cascade',
        onUpdate: 'Cascade',
      },
    })
    expect(relation(graph, 'User', 'posts')).toMatchObject({
      kind: 'one-to-many',
      foreignKey: { model: 'Post', fields: ['authorId'], onDelete: 'SetNull' },
    })
    expect(relation(graph, 'Category', 'posts').foreignKey?.onDelete).toBe('SetDefault')
    expect(relation(graph, 'Warehouse', 'country').foreignKey).toMatchObject({
      model: 'Warehouse',
      fields: ['countryCode'],
      referencedModel: 'Country',
      references: ['code'],
      onDelete: 'Cascade',
    })
    expect(relation(graph, 'Team', 'memberships').foreignKey?.model).toBe('Membership')
  })

  it('resolves the self-relation once, with both fields pointing at it', () => {
    const management = relation(graph, 'User', 'manager')
    expect(relation(graph, 'User', 'reports')).toBe(management)
    expect(management).toMatchObject({
      kind: 'one-to-many',
      models: ['User', 'User'],
      foreignKey: { model: 'User', field: 'manager', fields: ['managerId'], onDelete: 'SetNull' },
    })
    expect(graph.relationsOf('User').filter((candidate) => candidate === management)).toHaveLength(1)
  })

  it('names the implicit many-to-many join table after the relation', () => {
    const tags = relation(graph, 'Post', 'tags')
    expect(tags).toMatchObject({ kind: 'many-to-many', joinTable: '_PostToTag', foreignKey: undefined })
    expect(relation(graph, 'Tag', 'posts')).toBe(tags)
  })

  it('lists relation fields with targets and list-ness', () => {
    expect(
      graph
        .relationFields('User')
        .map((field) => [field.name, field.target, field.isList, field.relationName]),
    ).toEqual([
      ['manager', 'User', false, 'Management'],
      ['reports', 'User', true, 'Management'],
      ['profile', 'Profile', false, 'ProfileToUser'],
      ['posts', 'Post', true, 'PostToUser'],
      ['comments', 'Comment', true, 'CommentToUser'],
      ['memberships', 'Membership', true, 'MembershipToUser'],
    ])
    expect(graph.relationFields('AuditLog')).toEqual([])
    expect(graph.relationFields('Nope')).toEqual([])
    expect(graph.relationField('User', 'email')).toBeUndefined()
  })

  it('knows tables, columns and ids', () => {
    expect(graph.model('User')).toMatchObject({ dbName: 'users', schema: undefined, idFields: ['id'] })
    expect(graph.model('Category')?.dbName).toBe('Category')
    expect(graph.model('Membership')?.idFields).toEqual(['userId', 'teamId'])
    expect(graph.model('Country')?.idFields).toEqual(['code'])
    expect(graph.model('User')?.scalarFields).toContainEqual({
      name: 'createdAt',
      dbName: 'created_at',
      kind: 'scalar',
      type: 'DateTime',
      isList: false,
      nativeType: undefined,
    })
    expect(graph.model('User')?.scalarFields).toContainEqual({
      name: 'email',
      dbName: 'email',
      kind: 'scalar',
      type: 'String',
      isList: false,
      nativeType: undefined,
    })
    expect(graph.model('User')?.scalarFields.map((field) => field.name)).not.toContain('posts')
  })

  it('maps table names to dependency ids, exact or case-folded', () => {
    expect(graph.tableToDependencies('users')).toEqual(['User'])
    expect(graph.tableToDependencies('USERS')).toEqual(['User'])
    expect(graph.tableToDependencies('Category')).toEqual(['Category'])
    expect(graph.tableToDependencies('category')).toEqual(['Category'])
    expect(graph.tableToDependencies('_PostToTag')).toEqual(['_PostToTag'])
    expect(graph.tableToDependencies('_posttotag')).toEqual(['_PostToTag'])
    expect(graph.tableToDependencies('users', 'public')).toEqual(['User'])
    expect(graph.tableToDependencies('User')).toBeUndefined()
    expect(graph.tableToDependencies('pg_class')).toBeUndefined()
  })
})

describe('parsePrismaSchema', () => {
  it('reads tricky syntax: comments, strings, nested arguments, types and skipped blocks', () => {
    const models = parsePrismaSchema(`
      // a comment with { braces } and "quotes"
      generator client {
        provider        = "prisma-client"
        previewFeatures = ["views", "multiSchema"] // trailing { comment
      }
      datasource db {
        provider = "postgresql"
        schemas  = ["public", "auth"]
      }
      /// Doc comment with a } brace.
      enum Mood {
        HAPPY @map("happy")
        SAD
        @@map("mood")
      }
      type Address {
        street String
      }
      model Thing {
        id      String   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
        label   String   @default("say \\"hi\\" // not a comment") @db.VarChar(255)
        shape   Unsupported("circle")?
        tags    String[] @default([])
        price   Decimal  @db.Decimal(30, 10)
        ownerId Int?     @map(name: "owner_id")
        owner   Owner?   @relation(name: "Own", fields: [ownerId], references: [id], onDelete: Cascade, onUpdate: NoAction, map: "thing_owner_fk")

        @@unique([label, price], name: "label_price")
        @@index([label(sort: Desc), price(ops: raw("numeric_ops"))], map: "idx")
        @@map("things")
        @@schema("auth")
      }
      view OwnerView {
        id Int @unique
      }
    `)
    expect(models.map((model) => model.name)).toEqual(['Thing', 'OwnerView'])
    const thing = models[0]!
    expect(thing.fields.map((field) => [field.name, field.type, field.isList, field.isOptional])).toEqual([
      ['id', 'String', false, false],
      ['label', 'String', false, false],
      ['shape', 'Unsupported', false, true],
      ['tags', 'String', true, false],
      ['price', 'Decimal', false, false],
      ['ownerId', 'Int', false, true],
      ['owner', 'Owner', false, true],
    ])
    expect(thing.fields[1]!.attributes[0]).toEqual({
      name: 'default',
      args: [{ name: undefined, value: { kind: 'string', value: 'say "hi" // not a comment' } }],
    })
    expect(thing.fields[6]!.attributes[0]!.args.map((arg) => arg.name)).toEqual([
      'name',
      'fields',
      'references',
      'onDelete',
      'onUpdate',
      'map',
    ])
    expect(thing.attributes.map((attribute) => attribute.name)).toEqual(['unique', 'index', 'map', 'schema'])
  })

  it('accepts attribute arguments spread over lines and trailing commas', () => {
    const [model] = parsePrismaSchema(`model A {
      id Int @id
      bId Int
      b B @relation(
        fields: [bId],
        references: [id],
      )
    }`)
    expect(model?.fields[2]?.attributes[0]?.args).toHaveLength(2)
  })

  it('throws a SyntaxError on text it cannot read', () => {
    expect(() => parsePrismaSchema('model A { id Int @id')).toThrow(SyntaxError)
    expect(() => parsePrismaSchema('model A { id Int @default("x) }')).toThrow(SyntaxError)
    expect(() => parsePrismaSchema('table A { }')).toThrow(/unknown block 'table'/)
  })
})

describe('buildSchemaGraph on hand-written schemas', () => {
  it("applies Prisma's default referential actions when the schema names none", () => {
    const graph = graphOf(`
      model Parent {
        id       Int        @id
        required Required[]
        optional Optional[]
      }
      model Required {
        id       Int    @id
        parentId Int
        parent   Parent @relation(fields: [parentId], references: [id])
      }
      model Optional {
        id       Int     @id
        parentId Int?
        parent   Parent? @relation(fields: [parentId], references: [id], onUpdate: Restrict)
      }
    `)
    expect(graph.precise).toBe(true)
    expect(relation(graph, 'Parent', 'required').foreignKey).toMatchObject({
      onDelete: 'Restrict',
      onUpdate: 'Cascade',
    })
    expect(relation(graph, 'Parent', 'optional').foreignKey).toMatchObject({
      onDelete: 'SetNull',
      onUpdate: 'Restrict',
    })
  })

  it('marks an unrecognised action as Unknown', () => {
    const graph = graphOf(`
      model A { id Int @id
        bs B[] }
      model B { id Int @id
        aId Int
        a A @relation(fields: [aId], references: [id], onDelete: Explode) }
    `)
    expect(relation(graph, 'A', 'bs').foreignKey?.onDelete).toBe('Unknown')
  })

  it('resolves a named self many-to-many, a self one-to-one and compound foreign keys', () => {
    const graph = graphOf(`
      model Person {
        id         Int      @id
        followers  Person[] @relation("Follows")
        following  Person[] @relation("Follows")
        partnerId  Int?     @unique
        partner    Person?  @relation("Partner", fields: [partnerId], references: [id])
        partnerOf  Person?  @relation("Partner")
      }
      model Line {
        orderId Int
        sku     String
        order   Order @relation(fields: [orderId, sku], references: [id, code], onDelete: Cascade)
      }
      model Order {
        id    Int
        code  String
        lines Line[]
        @@id([id, code])
      }
    `)
    expect(graph.precise).toBe(true)
    expect(relation(graph, 'Person', 'followers')).toMatchObject({
      kind: 'many-to-many',
      joinTable: '_Follows',
      models: ['Person', 'Person'],
    })
    expect(relation(graph, 'Person', 'partnerOf')).toMatchObject({
      kind: 'one-to-one',
      foreignKey: { model: 'Person', field: 'partner', onDelete: 'SetNull' },
    })
    expect(relation(graph, 'Order', 'lines').foreignKey).toMatchObject({
      fields: ['orderId', 'sku'],
      references: ['id', 'code'],
    })
    expect(graph.model('Order')?.idFields).toEqual(['id', 'code'])
    expect(graph.model('Line')?.idFields).toBeUndefined()
    expect(graph.dependencies).toEqual(['Line', 'Order', 'Person', '_Follows'])
  })

  it('separates same-named tables by @@schema and resolves case only when needed', () => {
    const graph = graphOf(`
      model AuthUser {
        id Int @id
        @@map("users")
        @@schema("auth")
      }
      model ShopUser {
        id Int @id
        @@map("users")
        @@schema("shop")
      }
      model Legacy {
        id Int @id
        @@map("Users")
      }
    `)
    expect(graph.model('AuthUser')).toMatchObject({ dbName: 'users', schema: 'auth' })
    expect(graph.tableToDependencies('users')).toEqual(['AuthUser', 'ShopUser'])
    expect(graph.tableToDependencies('users', 'auth')).toEqual(['AuthUser'])
    expect(graph.tableToDependencies('users', 'AUTH')).toEqual(['AuthUser'])
    expect(graph.tableToDependencies('Users')).toEqual(['Legacy'])
    expect(graph.tableToDependencies('Users', 'auth')).toEqual(['Legacy'])
    // Ambiguous once case is folded: every candidate, so a raw write never misses one.
    expect(graph.tableToDependencies('USERS')).toEqual(['AuthUser', 'Legacy', 'ShopUser'])
    expect(graph.tableToDependencies('users', 'other')).toEqual(['Legacy'])
  })
})

describe('coarse fallback', () => {
  const precise = buildSchemaGraph(runtimeDataModel, inlineSchema)

  it.each([
    ['absent', undefined],
    ['unparseable', 'model User {'],
    ['not a schema', 'SELECT 1'],
  ])('builds a coarse graph when the inline schema is %s', (_label, schema) => {
    const graph = buildSchemaGraph(runtimeDataModel, schema)
    expect(graph.precise).toBe(false)
    expect(graph.models).toEqual(precise.models)
    for (const candidate of graph.relations) {
      expect(candidate).toMatchObject({ kind: 'unknown', foreignKey: undefined })
      expect(candidate.joinTable).toBe(`_${candidate.name}`)
    }
    expect(graph.relationFields('User').map((field) => [field.name, field.target, field.isList])).toEqual([
      ['manager', 'User', undefined],
      ['reports', 'User', undefined],
      ['profile', 'Profile', undefined],
      ['posts', 'Post', undefined],
      ['comments', 'Comment', undefined],
      ['memberships', 'Membership', undefined],
    ])
    expect(graph.model('User')).toMatchObject({ dbName: 'users', idFields: undefined })
    // Every possible join table is a dependency id, so a raw write to the real one is still seen.
    expect(graph.dependencies).toEqual(expect.arrayContaining([...precise.dependencies, '_PostToUser']))
    expect(graph.tableToDependencies('_PostToTag')).toEqual(['_PostToTag'])
    expect(graph.tableToDependencies('users')).toEqual(['User'])
  })

  it('treats composite-type fields as scalars, not relations', () => {
    const graph = buildSchemaGraph({
      models: {
        Shop: {
          dbName: null,
          fields: [
            { name: 'id', kind: 'scalar', type: 'String' },
            { name: 'address', kind: 'object', type: 'Address' },
          ],
        },
      },
    })
    expect(graph.relationFields('Shop')).toEqual([])
    expect(graph.model('Shop')?.scalarFields.map((field) => field.name)).toEqual(['id', 'address'])
    expect(graph.dependencies).toEqual(['Shop'])
  })

  it('keeps what it can resolve when the schema text lacks a model', () => {
    const withoutTeam = inlineSchema!.replace(/model Team \{[^}]*\}/, '')
    const graph = buildSchemaGraph(runtimeDataModel, withoutTeam)
    expect(graph.precise).toBe(false)
    expect(relation(graph, 'Team', 'memberships').kind).toBe('unknown')
    expect(relation(graph, 'User', 'memberships').kind).toBe('one-to-many')
    expect(relation(graph, 'Post', 'tags').kind).toBe('many-to-many')
  })

  it('treats a relation whose sides disagree with the runtime as unknown', () => {
    const renamed = inlineSchema!.replace(/(model User \{[^}]*?)posts(\s+Post\[\])/, '$1articles$2')
    expect(renamed).not.toBe(inlineSchema)
    const graph = buildSchemaGraph(runtimeDataModel, renamed)
    expect(graph.precise).toBe(false)
    expect(relation(graph, 'User', 'posts').kind).toBe('unknown')
  })
})
