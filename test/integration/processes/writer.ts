/**
 * A second OS process for test/integration/two-processes.test.ts: an instance of the cache with its own Prisma
 * client, Redis connection and memory tier. It obeys messages from the parent: `{ update: { id, name } }` writes
 * through its cached client and answers `{ done: true }`; `{ read: { id } }` reads through the cache and answers
 * `{ name, status }`; `{ close: true }` shuts down.
 */
import { PrismaPg } from '@prisma/adapter-pg'
import { Redis } from 'ioredis'
import { PrismaClient } from '../../../generated/prisma/client.ts'
import { queryCache } from '../../../src/index.ts'

const [url, schema, redisUrl, namespace] = process.argv.slice(2) as [string, string, string, string]
const redis = new Redis(redisUrl)
const prisma = new PrismaClient({
  adapter: new PrismaPg({ connectionString: url, max: 2 }, { schema }),
}).$extends(queryCache({ redis, namespace }))

type Message = { update?: { id: number; name: string }; read?: { id: number }; close?: true }

process.on('message', async (message: Message) => {
  try {
    if (message.update !== undefined) {
      await prisma.user.update({ where: { id: message.update.id }, data: { name: message.update.name } })
      process.send?.({ done: true })
    } else if (message.read !== undefined) {
      const { data, info } = await prisma.user
        .findUnique({ where: { id: message.read.id }, cacheStrategy: { ttl: 3600 } })
        .withCacheInfo()
      process.send?.({ name: data?.name ?? null, status: info.status })
    } else if (message.close === true) {
      await prisma.$cache.close()
      await prisma.$disconnect()
      redis.disconnect()
      process.exit(0)
    }
  } catch (error) {
    process.send?.({ error: String(error) })
  }
})
process.send?.({ ready: true })
