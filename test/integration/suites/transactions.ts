/**
 * G3 on one provider (run per provider by `transactions*.test.ts`): inside $transaction reads bypass the shared
 * cache and never populate it; invalidations are applied after commit, before the caller continues, and none
 * on rollback. Also the Prisma internals that transaction detection relies on, through each driver adapter.
 */
import { describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../../src/index.ts'
import {
  builtinTransaction,
  isTransactionClient as isInTransaction,
  transactionOfHook,
} from '../../../src/prisma/internals.ts'
import { FEATURES, type Provider } from '../../setup/providers.ts'
import { cachedClient, countDuring, latch, useFixture } from '../helpers.ts'

/** Registers the transaction suite on `provider`. */
export function describeTransactions(provider: Provider): void {
  const fixture = useFixture({ provider })
  const features = FEATURES[provider]

  describe(`Prisma internals this package relies on, through ${features.adapter} (fails loudly when a Prisma upgrade changes them)`, () => {
    it('the interactive transaction client is recognisable, the outer client is not', async () => {
      const { client } = fixture.db.createClient()
      // On SQLite a client has one connection: its second transaction would wait for the first, forever here.
      const concurrent = features.transactionConnection ? client : fixture.db.createClient().client
      expect(isInTransaction(client)).toBe(false)
      let inside: boolean | undefined
      await client.$transaction(async (tx) => {
        inside = isInTransaction(tx)
        await concurrent.$transaction(async (nested) => {
          expect(isInTransaction(nested)).toBe(true)
        })
      })
      expect(inside).toBe(true)
    })

    it('query hooks see the transaction of statements inside interactive and batch transactions only', async () => {
      const { client } = fixture.db.createClient()
      const seen: (string | undefined)[] = []
      const spy = client.$extends({
        query: {
          $allModels: {
            async $allOperations(hookArgs) {
              seen.push(transactionOfHook(hookArgs)?.kind)
              return hookArgs.query(hookArgs.args)
            },
          },
        },
      })
      await spy.user.count()
      await spy.$transaction(async (tx) => tx.user.count())
      await spy.$transaction([spy.user.count()])
      expect(seen).toEqual([undefined, 'itx', 'batch'])
    })

    it("Prisma's own $transaction is found on the client", () => {
      const { client } = fixture.db.createClient()
      expect(typeof builtinTransaction(client)).toBe('function')
    })
  })

  const SETUPS: { name: string; options: () => QueryCacheOptions }[] = [
    { name: 'memory only', options: () => ({}) },
    {
      name: 'memory + redis',
      options: () => ({ redis: fixture.connection(), namespace: fixture.namespace() }),
    },
  ]

  describe.each(SETUPS)(`transactions [${provider}] ($name)`, ({ options }) => {
    async function seeded() {
      const setup = cachedClient(fixture.db, options())
      const user = await setup.prisma.user.create({ data: { email: 'tx@x.io', name: 'old' } })
      const read = () =>
        setup.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
      await read()
      return { ...setup, user, read }
    }

    it('others keep reading the committed value while the transaction is open; the new one right after commit', async () => {
      const { prisma, user, read } = await seeded()
      const other = cachedClient(fixture.db, options()).prisma
      const otherRead = () => other.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } })
      await otherRead()
      const written = latch()
      const finish = latch()
      const transaction = prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { name: 'new' } })
        const inside = await tx.user
          .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } })
          .withCacheInfo()
        expect(inside.info.status).toBe('bypass')
        expect(inside.data?.name).toBe('new')
        written.open()
        await finish.promise
      })
      await written.promise
      try {
        // The write is not committed: the cached value is still the truth for everybody else.
        const during = await read()
        expect(during.data?.name).toBe('old')
        expect(during.info.status).toBe('hit')
        expect((await otherRead())?.name).toBe('old')
      } finally {
        finish.open()
      }
      await transaction
      const after = await read()
      expect(after.info.status).toBe('miss')
      expect(after.data?.name).toBe('new')
      await prisma.$cache.close()
      await other.$cache.close()
    })

    /**
     * Starts a transaction that renames the seeded user to 'new', runs `during` while it is open, then commits
     * or rolls it back; the transaction is always ended, even when `during` fails.
     */
    async function whileOpen(
      prisma: ReturnType<typeof cachedClient>['prisma'],
      userId: number,
      outcome: 'commit' | 'rollback',
      during: () => Promise<void>,
    ): Promise<void> {
      const written = latch()
      const finish = latch()
      const transaction = prisma
        .$transaction(async (tx) => {
          await tx.user.update({ where: { id: userId }, data: { name: 'new' } })
          written.open()
          await finish.promise
          if (outcome === 'rollback') throw new Error('rolled back on purpose')
        })
        .catch((error: unknown) => {
          if (outcome === 'commit' || !String(error).includes('on purpose')) throw error
        })
      await written.promise
      try {
        await during()
      } finally {
        finish.open()
        await transaction
      }
    }

    // What a read through the outer client sees while a transaction is open: the committed value, except on
    // SQLite, whose one connection per client runs the read inside the open transaction.
    const seenDuring = features.transactionConnection ? 'old' : 'new'

    it(`a load that read during the open transaction (it saw '${seenDuring}') is not readable after the commit`, async () => {
      const { prisma, user, read } = await seeded()
      const unrelated = () =>
        prisma.user.findMany({ where: { email: 'tx@x.io' }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
      await whileOpen(prisma, user.id, 'commit', async () => {
        expect((await unrelated()).data[0]?.name).toBe(seenDuring)
      })
      const after = await unrelated()
      expect(after.data[0]?.name).toBe('new')
      expect((await read()).data?.name).toBe('new')
      await prisma.$cache.close()
    })

    it(`a load that read during the open transaction (it saw '${seenDuring}') is not readable after a rollback`, async () => {
      const { prisma, user, read } = await seeded()
      const unrelated = () =>
        prisma.user.findMany({ where: { email: 'tx@x.io' }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
      await whileOpen(prisma, user.id, 'rollback', async () => {
        expect((await unrelated()).data[0]?.name).toBe(seenDuring)
      })
      expect((await unrelated()).data[0]?.name).toBe('old')
      expect((await read()).data?.name).toBe('old')
      await prisma.$cache.close()
    })

    it('reads inside a transaction never populate the shared cache', async () => {
      const { prisma } = await seeded()
      await prisma.$transaction(async (tx) => {
        await tx.post.findMany({ cacheStrategy: { ttl: 3600 } })
      })
      expect((await prisma.post.findMany({ cacheStrategy: { ttl: 3600 } }).withCacheInfo()).info.status).toBe(
        'miss',
      )
      await prisma.$cache.close()
    })

    it('rollback by a thrown error leaves cached entries valid and correct', async () => {
      const { prisma, user, read, statements } = await seeded()
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.user.update({ where: { id: user.id }, data: { name: 'new' } })
          throw new Error('changed my mind')
        }),
      ).rejects.toThrow('changed my mind')
      expect(await countDuring(statements, read)).toBe(0)
      const after = await read()
      expect(after.info.status).toBe('hit')
      expect(after.data?.name).toBe('old')
      await prisma.$cache.close()
    })

    it('rollback by a failed statement leaves cached entries valid', async () => {
      const { prisma, user, read } = await seeded()
      await prisma.user.create({ data: { email: 'taken@x.io' } })
      await read()
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.user.update({ where: { id: user.id }, data: { name: 'new' } })
          await tx.user.create({ data: { email: 'taken@x.io' } })
        }),
      ).rejects.toMatchObject({ code: 'P2002' })
      const after = await read()
      expect(after.info.status).toBe('hit')
      expect(after.data?.name).toBe('old')
      await prisma.$cache.close()
    })

    it('rollback by a timeout leaves cached entries valid', async () => {
      const { prisma, user, read } = await seeded()
      await expect(
        prisma.$transaction(
          async (tx) => {
            await tx.user.update({ where: { id: user.id }, data: { name: 'new' } })
            // Outlives the transaction's timeout on purpose: this test is about the timeout itself.
            await new Promise((resolve) => setTimeout(resolve, 300))
            await tx.user.count()
          },
          { timeout: 100 },
        ),
      ).rejects.toThrow()
      const after = await read()
      expect(after.info.status).toBe('hit')
      expect(after.data?.name).toBe('old')
      expect((await fixture.db.createClient().client.user.findUnique({ where: { id: user.id } }))?.name).toBe(
        'old',
      )
      await prisma.$cache.close()
    })

    it('batch transactions: applied after commit, none on rollback', async () => {
      const { prisma, user, read } = await seeded()
      await prisma.user.create({ data: { email: 'taken@x.io' } })
      await read()
      await expect(
        prisma.$transaction([
          prisma.user.update({ where: { id: user.id }, data: { name: 'new' } }),
          prisma.user.create({ data: { email: 'taken@x.io' } }),
        ]),
      ).rejects.toMatchObject({ code: 'P2002' })
      expect((await read()).info.status).toBe('hit')
      await prisma.$transaction([prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })], {
        isolationLevel: 'Serializable',
      })
      const after = await read()
      expect(after.info.status).toBe('miss')
      expect(after.data?.name).toBe('new')
      await prisma.$cache.close()
    })

    it('nested transactions commit with the outer one', async () => {
      const { prisma, user, read } = await seeded()
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.$transaction(async (nested) => {
            await nested.user.update({ where: { id: user.id }, data: { name: 'nested' } })
          })
          throw new Error('outer rolls back')
        }),
      ).rejects.toThrow('outer rolls back')
      expect((await read()).info.status).toBe('hit')
      await prisma.$transaction(async (tx) => {
        await tx.$transaction(async (nested) => {
          await nested.user.update({ where: { id: user.id }, data: { name: 'nested' } })
        })
      })
      expect((await read()).data?.name).toBe('nested')
      await prisma.$cache.close()
    })

    if (features.transactionConnection) {
      it('writes through the outer client inside a callback are invalidated at once, not at commit', async () => {
        const { prisma, user, read } = await seeded()
        await prisma.$transaction(async (tx) => {
          await tx.post.count()
          await prisma.user.update({ where: { id: user.id }, data: { name: 'outside' } })
          const seen = await read()
          expect(seen.info.status).toBe('miss')
          expect(seen.data?.name).toBe('outside')
        })
        await prisma.$cache.close()
      })
    } else {
      it('SQLite: a write through the outer client inside a callback joins the transaction; after a rollback it is not served', async () => {
        const { prisma, user, read } = await seeded()
        await expect(
          prisma.$transaction(async (tx) => {
            await tx.post.count()
            await prisma.user.update({ where: { id: user.id }, data: { name: 'outside' } })
            // One connection: the outer client reads its own uncommitted write.
            expect((await read()).data?.name).toBe('outside')
            throw new Error('rolled back on purpose')
          }),
        ).rejects.toThrow('on purpose')
        expect(
          (await fixture.db.createClient().client.user.findUnique({ where: { id: user.id } }))?.name,
        ).toBe('old')
        expect((await read()).data?.name).toBe('old')
        await prisma.$cache.close()
      })
    }

    const isolationLevel = features.isolationLevels.includes('RepeatableRead')
      ? 'RepeatableRead'
      : 'Serializable'

    it(`options (isolation level ${isolationLevel}, timeout) and results pass through unchanged`, async () => {
      const { prisma, user, read } = await seeded()
      const result = await prisma.$transaction(
        async (tx) => (await tx.user.findUniqueOrThrow({ where: { id: user.id } })).email,
        { isolationLevel, timeout: 5000, maxWait: 2000 },
      )
      expect(result).toBe('tx@x.io')
      if (!features.isolationLevels.includes('RepeatableRead')) {
        // SQLite transactions are serializable: Prisma refuses any other level, before any write.
        await expect(
          prisma.$transaction(async (tx) => tx.user.update({ where: { id: user.id }, data: { name: 'x' } }), {
            isolationLevel: 'RepeatableRead',
          }),
        ).rejects.toThrow(/Conversion error: REPEATABLE READ/)
        expect((await read()).info.status).toBe('hit')
      }
      await prisma.$cache.close()
    })
  })
}
