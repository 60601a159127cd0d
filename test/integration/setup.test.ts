import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../setup/database.ts'
import { createTestRedis, type TestRedis } from '../setup/redis.ts'

interface RuntimeField {
  name: string
  kind: 'scalar' | 'enum' | 'object' | 'unsupported'
  dbName?: string | null
}

interface RuntimeModel {
  dbName: string | null
  fields: RuntimeField[]
}

describe('test setup', () => {
  let first: TestDatabase
  let second: TestDatabase

  beforeAll(async () => {
    ;[first, second] = await Promise.all([createTestDatabase(), createTestDatabase({ label: 'second' })])
  })

  afterAll(async () => {
    await Promise.all([first?.drop(), second?.drop()])
  })

  it('provides service URLs from the global setup', () => {
    expect(inject('databaseUrl')).toMatch(/^postgres(ql)?:\/\//)
    expect(inject('redisUrl')).toMatch(/^rediss?:\/\//)
  })

  it('names schemas after the test file, uniquely', () => {
    expect(first.schema).toMatch(/^t_setup_[0-9a-f]{8}$/)
    expect(second.schema).toMatch(/^t_second_[0-9a-f]{8}$/)
  })

  it('seeds Category 1 and moves its sequence past it', async () => {
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
    // Raw SQL resolves unqualified names through the URL's search_path, so it stays in the schema too.
    expect(await b.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM users')).toEqual([{ n: 0n }])
  })

  it('applies migrations that match every model, field and column of the Prisma schema', async () => {
    const { client } = first.createClient()
    const models = (client as any)._runtimeDataModel.models as Record<string, RuntimeModel>
    const columns = await client.$queryRaw<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ${first.schema}`
    const actual = new Map<string, Set<string>>()
    for (const { table_name, column_name } of columns) {
      actual.set(table_name, (actual.get(table_name) ?? new Set()).add(column_name))
    }

    const missing: string[] = []
    for (const [modelName, model] of Object.entries(models)) {
      const table = model.dbName ?? modelName
      const tableColumns = actual.get(table)
      for (const field of model.fields) {
        if (field.kind !== 'scalar' && field.kind !== 'enum') continue
        const column = field.dbName ?? field.name
        if (!tableColumns?.has(column)) missing.push(`${modelName}.${field.name} -> "${table}"."${column}"`)
      }
    }
    expect(Object.keys(models).length).toBeGreaterThan(0)
    expect(missing).toEqual([])

    const expectedTables = Object.entries(models).map(([name, model]) => model.dbName ?? name)
    expect(new Set([...actual.keys()].filter((table) => !table.startsWith('_')))).toEqual(
      new Set(expectedTables),
    )
    expect(actual.get('_PostToTag')).toEqual(new Set(['A', 'B']))
  })

  it('truncates every table and reseeds', async () => {
    const { client } = second.createClient()
    const tag = await client.tag.create({ data: { name: 'x', posts: { create: { title: 'tagged' } } } })
    expect(tag.id).toBe(1)
    await second.truncateAll()
    expect(await client.post.count()).toBe(0)
    expect(await client.$queryRawUnsafe('SELECT * FROM "_PostToTag"')).toEqual([])
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
      expect(statements.log.join('\n')).toMatch(/SELECT[\s\S]*"users"/)
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
      expect(log.some((sql) => /INSERT INTO[\s\S]*"Team"/.test(sql))).toBe(true)
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

  describe('redis', () => {
    let redisA: TestRedis
    let redisB: TestRedis

    beforeAll(() => {
      redisA = createTestRedis()
      redisB = createTestRedis()
    })

    afterAll(async () => {
      await Promise.all([redisA?.close(), redisB?.close()])
    })

    it('gives every call its own namespace and cleans it up on close', async () => {
      expect(redisA.namespace).not.toBe(redisB.namespace)
      expect(redisA.namespace).toMatch(/^t[0-9a-f]{12}$/)
      const a = redisA.connect()
      const b = redisB.connect()
      await a.set(`${redisA.namespace}:k`, '1')
      await a.set(`pqc:{${redisA.namespace}}:v`, '1')
      await b.set(`${redisB.namespace}:k`, '2')
      expect(await a.ping()).toBe('PONG')

      await redisA.close()
      expect(a.status).toBe('end')
      expect(() => redisA.connect()).toThrow(/closed/)
      expect(await b.exists(`${redisA.namespace}:k`, `pqc:{${redisA.namespace}}:v`)).toBe(0)
      expect(await b.get(`${redisB.namespace}:k`)).toBe('2')
    })
  })
})
