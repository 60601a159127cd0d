/**
 * The test setup, checked on one provider: isolation, seed, truncation, migrations in line with the provider's
 * copy of the schema (columns and foreign keys), and the statement counter that the other suites use as their
 * oracle. Run per provider by `setup*.test.ts`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTestDatabase, type TestDatabase, type TestPrismaClient } from '../../setup/database.ts'
import { schemaFile } from '../../setup/migrations.ts'
import { FEATURES, type Provider, type ProviderFeatures } from '../../setup/providers.ts'
import { namesTable, quoteIdentifier } from '../dialect.ts'

interface RuntimeField {
  name: string
  kind: 'scalar' | 'enum' | 'object' | 'unsupported'
  dbName?: string | null
}

interface RuntimeModel {
  dbName: string | null
  fields: RuntimeField[]
}

function runtimeModels(client: TestPrismaClient): Record<string, RuntimeModel> {
  return (client as any)._runtimeDataModel.models as Record<string, RuntimeModel>
}

/** Columns of every table in the test database, by table. */
async function columnsOf(db: TestDatabase, client: TestPrismaClient): Promise<Map<string, Set<string>>> {
  const query = {
    postgresql: [
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1`,
      db.schema,
    ],
    mysql: [
      `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?`,
      db.schema,
    ],
    sqlite: [
      `SELECT m.name AS table_name, c.name AS column_name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c
        WHERE m.type = 'table' AND m.name <> 'sqlite_sequence'`,
    ],
  }[db.features.dialect] as [string, ...string[]]
  const rows = await client.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(...query)
  const columns = new Map<string, Set<string>>()
  for (const { table_name, column_name } of rows) {
    columns.set(table_name, (columns.get(table_name) ?? new Set()).add(column_name))
  }
  return columns
}

/** Every foreign key of the test database as `table.column -> table.column ON DELETE x ON UPDATE y`. */
async function foreignKeysOf(db: TestDatabase, client: TestPrismaClient): Promise<string[]> {
  const query = {
    postgresql: [
      `SELECT kcu.table_name, kcu.column_name, ccu.table_name AS ref_table, ccu.column_name AS ref_column,
        rc.delete_rule, rc.update_rule
      FROM information_schema.referential_constraints AS rc
      JOIN information_schema.key_column_usage AS kcu
        ON kcu.constraint_schema = rc.constraint_schema AND kcu.constraint_name = rc.constraint_name
      JOIN information_schema.constraint_column_usage AS ccu
        ON ccu.constraint_schema = rc.constraint_schema AND ccu.constraint_name = rc.constraint_name
      WHERE rc.constraint_schema = $1`,
      db.schema,
    ],
    mysql: [
      `SELECT k.TABLE_NAME AS table_name, k.COLUMN_NAME AS column_name, k.REFERENCED_TABLE_NAME AS ref_table,
        k.REFERENCED_COLUMN_NAME AS ref_column, r.DELETE_RULE AS delete_rule, r.UPDATE_RULE AS update_rule
      FROM information_schema.REFERENTIAL_CONSTRAINTS AS r
      JOIN information_schema.KEY_COLUMN_USAGE AS k ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA
        AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.TABLE_NAME = r.TABLE_NAME
      WHERE r.CONSTRAINT_SCHEMA = ?`,
      db.schema,
    ],
    sqlite: [
      `SELECT m.name AS table_name, f."from" AS column_name, f."table" AS ref_table, f."to" AS ref_column,
        f.on_delete AS delete_rule, f.on_update AS update_rule
      FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table'`,
    ],
  }[db.features.dialect] as [string, ...string[]]
  const rows = await client.$queryRawUnsafe<Record<string, string>[]>(...query)
  return rows
    .map(
      (row) =>
        `${row.table_name}.${row.column_name} -> ${row.ref_table}.${row.ref_column} ON DELETE ${row.delete_rule} ON UPDATE ${row.update_rule}`,
    )
    .sort()
}

const ACTIONS: Readonly<Record<string, string>> = {
  Cascade: 'CASCADE',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
}

/**
 * The foreign keys the provider's copy of the schema asks for, read from its text and Prisma's runtime data
 * model (for table and column names): one per relation with `fields`, with Prisma's defaults (onDelete
 * SetNull when optional, Restrict when required; onUpdate Cascade), plus the implicit m2m table's two.
 */
function expectedForeignKeys(features: ProviderFeatures, models: Record<string, RuntimeModel>): string[] {
  const schema = readFileSync(schemaFile(features), 'utf8')
  const table = (model: string) => models[model]?.dbName ?? model
  const column = (model: string, field: string) =>
    models[model]?.fields.find((candidate) => candidate.name === field)?.dbName ?? field
  const keys: string[] = []
  for (const [, model, body] of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    for (const line of body!.split('\n')) {
      const relation = /^\s+\w+\s+(\w+)(\??)\s.*@relation\(.*fields: \[(\w+)\], references: \[(\w+)\]/.exec(
        line,
      )
      if (!relation) continue
      const [, target, optional, field, reference] = relation
      const onDelete = /onDelete: (\w+)/.exec(line)?.[1] ?? (optional ? 'SetNull' : 'Restrict')
      const onUpdate = /onUpdate: (\w+)/.exec(line)?.[1] ?? 'Cascade'
      keys.push(
        `${table(model!)}.${column(model!, field!)} -> ${table(target!)}.${column(target!, reference!)} ON DELETE ${ACTIONS[onDelete]} ON UPDATE ${ACTIONS[onUpdate]}`,
      )
    }
  }
  keys.push(
    `_PostToTag.A -> ${table('Post')}.id ON DELETE CASCADE ON UPDATE CASCADE`,
    `_PostToTag.B -> ${table('Tag')}.id ON DELETE CASCADE ON UPDATE CASCADE`,
  )
  return keys.sort()
}

/** Registers the setup suite on `provider`. */
export function describeTestSetup(provider: Provider): void {
  const features = FEATURES[provider]
  const quote = (name: string) => quoteIdentifier(features.dialect, name)

  describe(`test setup [${provider}]`, () => {
    let first: TestDatabase
    let second: TestDatabase

    beforeAll(async () => {
      ;[first, second] = await Promise.all([
        createTestDatabase({ provider }),
        createTestDatabase({ provider, label: 'second' }),
      ])
    })

    afterAll(async () => {
      await Promise.all([first?.drop(), second?.drop()])
    })

    it('provides the service the provider needs from the global setup', () => {
      if (features.dialect === 'postgresql') expect(inject('databaseUrl')).toMatch(/^postgres(ql)?:\/\//)
      if (features.dialect === 'mysql') {
        expect(inject('mysqlError')).toBe('')
        expect(inject('mysqlUrl')).toMatch(/^(mysql|mariadb):\/\//)
      }
      if (features.dialect === 'sqlite') expect(existsSync(inject('sqliteDir'))).toBe(true)
      expect(inject('redisUrl')).toMatch(/^rediss?:\/\//)
    })

    it('names each database after the test file, uniquely', () => {
      const label = `setup${provider === 'postgresql' ? '' : `_${provider.replace('-', '_')}`}`
      const name = features.dialect === 'sqlite' ? /t_[a-z0-9_]+_[0-9a-f]{8}(?=\.db$)/ : /.*/
      const names = [first, second].map((db) =>
        features.dialect === 'sqlite' ? (name.exec(db.url)?.[0] ?? db.url) : db.schema,
      )
      expect(names[0]).toMatch(new RegExp(`^t_${label}_[0-9a-f]{8}$`))
      expect(names[1]).toMatch(/^t_second_[0-9a-f]{8}$/)
      if (features.dialect === 'sqlite') expect(first.schema).toBe('main')
    })

    it('seeds Category 1 and moves the identity past it', async () => {
      const { client } = first.createClient()
      expect(await client.category.findMany()).toEqual([{ id: 1, name: 'uncategorized' }])
      const created = await client.category.create({ data: { name: 'news' } })
      expect(created.id).toBe(2)
      const post = await client.post.create({ data: { title: 'defaults to category 1' } })
      expect(post.categoryId).toBe(1)
    })

    it('isolates two databases', async () => {
      const a = first.createClient().client
      const b = second.createClient().client
      await a.user.create({ data: { email: 'only-in-first@example.com' } })
      expect(await a.user.count({ where: { email: 'only-in-first@example.com' } })).toBe(1)
      expect(await b.user.count()).toBe(0)
      // Raw SQL resolves unqualified names in the test database too.
      const rows = await b.$queryRawUnsafe<{ n: bigint | number }[]>('SELECT count(*) AS n FROM users')
      expect(rows.map((row) => Number(row.n))).toEqual([0])
    })

    it('applies migrations that match every model, field and column of the schema copy', async () => {
      const { client } = first.createClient()
      const models = runtimeModels(client)
      const actual = await columnsOf(first, client)
      const missing: string[] = []
      for (const [modelName, model] of Object.entries(models)) {
        const table = model.dbName ?? modelName
        const tableColumns = actual.get(table)
        for (const field of model.fields) {
          if (field.kind !== 'scalar' && field.kind !== 'enum') continue
          const column = field.dbName ?? field.name
          if (!tableColumns?.has(column)) missing.push(`${modelName}.${field.name} -> ${table}.${column}`)
        }
      }
      expect(Object.keys(models).length).toBeGreaterThan(0)
      expect(missing).toEqual([])
      const expectedTables = Object.entries(models).map(([name, model]) => model.dbName ?? name)
      expect(new Set([...actual.keys()].filter((table) => !table.startsWith('_')))).toEqual(
        new Set(expectedTables),
      )
      expect(actual.get('_PostToTag')).toEqual(new Set(['A', 'B']))
      // No column the schema does not know, either.
      const known = Object.values(models).reduce(
        (count, model) => count + model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum').length,
        2,
      )
      expect([...actual.values()].reduce((count, table) => count + table.size, 0)).toBe(known)
    })

    it(`has ${features.foreignKeys ? "the schema's foreign keys with its referential actions" : 'no foreign keys (relationMode = "prisma")'}`, async () => {
      const { client } = first.createClient()
      const expected = features.foreignKeys ? expectedForeignKeys(features, runtimeModels(client)) : []
      expect(await foreignKeysOf(first, client)).toEqual(expected)
      if (features.foreignKeys) expect(expected.length).toBe(11)
    })

    it('truncates every table and reseeds', async () => {
      const { client } = second.createClient()
      const tag = await client.tag.create({ data: { name: 'x', posts: { create: { title: 'tagged' } } } })
      expect(tag.id).toBe(1)
      await second.truncateAll()
      expect(await client.post.count()).toBe(0)
      expect(await client.$queryRawUnsafe(`SELECT * FROM ${quote('_PostToTag')}`)).toEqual([])
      expect(await client.category.findMany()).toEqual([{ id: 1, name: 'uncategorized' }])
      expect((await client.tag.create({ data: { name: 'y' } })).id).toBe(1)
      expect((await client.category.create({ data: { name: 'z' } })).id).toBe(2)
    })

    describe('statement counter', () => {
      it('counts a findMany', async () => {
        const { client, statements } = first.createClient()
        await client.$connect()
        statements.reset()
        await client.user.findMany()
        expect(statements.count).toBeGreaterThanOrEqual(1)
        expect(statements.log.join('\n')).toMatch(/SELECT/)
        expect(statements.log.join('\n')).toMatch(namesTable('users'))
        statements.reset()
        expect(statements.count).toBe(0)
        expect(statements.log).toEqual([])
      })

      it('counts the statements of an interactive transaction, including BEGIN and COMMIT', async () => {
        const { client, statements } = first.createClient()
        statements.reset()
        await client.$transaction(async (tx) => {
          await tx.team.create({ data: { name: 'interactive' } })
          await tx.team.findMany()
        })
        const log = statements.log
        expect(log[0]).toBe('BEGIN')
        expect(log.at(-1)).toBe('COMMIT')
        expect(log.some((sql) => /INSERT INTO/.test(sql) && namesTable('Team').test(sql))).toBe(true)
        expect(statements.count).toBeGreaterThanOrEqual(4)
      })

      it('counts a rolled-back transaction and a batch transaction', async () => {
        const { client, statements } = first.createClient()
        statements.reset()
        await expect(
          client.$transaction(async (tx) => {
            await tx.team.create({ data: { name: 'rolled back' } })
            throw new Error('roll back')
          }),
        ).rejects.toThrow('roll back')
        expect(statements.log.at(-1)).toBe('ROLLBACK')
        expect(await client.team.count({ where: { name: 'rolled back' } })).toBe(0)

        statements.reset()
        await client.$transaction([client.team.findMany(), client.team.count()])
        expect(statements.log[0]).toBe('BEGIN')
        expect(statements.log.at(-1)).toBe('COMMIT')
        expect(statements.count).toBeGreaterThanOrEqual(4)
      })

      it('counts the savepoints of a nested transaction and the isolation level, in the order sent', async () => {
        const { client, statements } = first.createClient()
        statements.reset()
        const level = features.isolationLevels.includes('RepeatableRead') ? 'RepeatableRead' : 'Serializable'
        await client.$transaction(
          async (tx) => {
            await tx.$transaction(async (nested) => nested.team.count())
          },
          { isolationLevel: level },
        )
        const isolation = 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ'
        const opening = {
          // adapter-mariadb sets the level before BEGIN (it applies to the next transaction).
          mysql: [isolation, 'BEGIN'],
          postgresql: ['BEGIN', isolation],
          // SQLite transactions are always serializable: adapter-better-sqlite3 sends no level.
          sqlite: ['BEGIN'],
        }[features.dialect]
        expect(statements.log.slice(0, opening.length)).toEqual(opening)
        expect(statements.log.filter((sql) => sql.startsWith('SET TRANSACTION'))).toHaveLength(
          opening.length - 1,
        )
        expect(statements.log.filter((sql) => /SAVEPOINT/.test(sql))).toHaveLength(2)
        expect(statements.log.at(-1)).toBe('COMMIT')
      })

      it('counts raw SQL and keeps separate counts per client', async () => {
        const one = first.createClient()
        const two = first.createClient({ errorFormat: 'minimal' })
        one.statements.reset()
        two.statements.reset()
        await one.client.$executeRawUnsafe('UPDATE users SET active = active')
        expect(one.statements.log).toEqual(['UPDATE users SET active = active'])
        expect(two.statements.count).toBe(0)
      })
    })
  })
}
