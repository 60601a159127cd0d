import { describe, expect, it } from 'vitest'
import { Prisma, PrismaClient } from '../../generated/prisma/client.ts'
import { clientSchema, isDatabaseFailure, isRefusal, modelContext } from '../../src/prisma/internals.ts'
import { countDuring, useFixture } from './helpers.ts'

// Every Prisma internal read in src/prisma/internals.ts that is not guarded by transactions.test.ts: when a
// Prisma upgrade changes one of them, a test here fails and names it.

const fixture = useFixture()

describe('Prisma internals this package relies on (fails loudly when a Prisma upgrade changes them)', () => {
  it('client._runtimeDataModel lists models with relation fields, _engineConfig.inlineSchema has the schema text', () => {
    const { client } = fixture.db.createClient()
    const schema = clientSchema(client)
    expect(Object.keys(schema.runtimeDataModel.models)).toEqual(
      expect.arrayContaining(['User', 'Post', 'Tag']),
    )
    const posts = schema.runtimeDataModel.models.User?.fields.find((field) => field.name === 'posts')
    expect(posts).toMatchObject({ kind: 'object', type: 'Post', relationName: expect.any(String) })
    expect(schema.runtimeDataModel.models.User?.dbName).toBe('users')
    expect(schema.inlineSchema).toMatch(/model\s+Post\s*\{/)
    expect(schema.inlineSchema).toMatch(/onDelete:\s*Cascade/)
  })

  it('client._activeProvider names the provider', () => {
    const { client } = fixture.db.createClient()
    expect(clientSchema(client).provider).toBe('postgresql')
  })

  it('a client without a runtime data model is refused with a typed error', () => {
    expect(() => clientSchema({})).toThrow(/not supported/)
  })

  it('Prisma.getExtensionContext(this) of a model method gives the model name and the client below', async () => {
    const { client } = fixture.db.createClient()
    let seen: ReturnType<typeof modelContext> | undefined
    const extended = client.$extends({
      model: {
        $allModels: {
          probe(this: unknown) {
            seen = modelContext(this)
            return seen.delegate.count?.() as Promise<number>
          },
        },
      },
    })
    expect(await (extended.user as unknown as { probe(): Promise<number> }).probe()).toBe(0)
    expect(seen?.model).toBe('User')
    expect(typeof seen?.delegate.findMany).toBe('function')
    expect(seen?.parent).toBeTypeOf('object')
  })

  it('a Prisma query runs when it is awaited, not when it is built (cached reads answer before it runs)', async () => {
    const { client, statements } = fixture.db.createClient()
    const built = await countDuring(statements, async () => {
      client.user.findMany()
    })
    expect(built).toBe(0)
    expect(await countDuring(statements, async () => client.user.findMany())).toBe(1)
  })

  it("Prisma's error names tell an answer about the data from a database failure", async () => {
    const { client } = fixture.db.createClient()
    const notFound = await client.user.findUniqueOrThrow({ where: { id: 404 } }).catch((error) => error)
    expect(notFound).toBeInstanceOf(Prisma.PrismaClientKnownRequestError)
    expect(isRefusal(notFound)).toBe(true)
    expect(isDatabaseFailure(notFound)).toBe(false)
    const invalid = await client.user.findMany({ where: { nope: 1 } as never }).catch((error) => error)
    expect(invalid).toBeInstanceOf(Prisma.PrismaClientValidationError)
    expect(isRefusal(invalid)).toBe(true)
    expect(isDatabaseFailure(invalid)).toBe(false)
    const { PrismaPg } = await import('@prisma/adapter-pg')
    const unreachable = new PrismaClient({
      adapter: new PrismaPg({
        connectionString: 'postgresql://postgres@127.0.0.1:1/test',
        connectionTimeoutMillis: 500,
      }),
    })
    const down = await unreachable.user.findMany().catch((error) => error)
    expect(isDatabaseFailure(down)).toBe(true)
    await unreachable.$disconnect()
  })
})
