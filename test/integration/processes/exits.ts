/**
 * A script for test/integration/lifecycle.test.ts: reads through a Redis-backed cache, shuts down the way the
 * argument says, and must then exit by itself (nothing it opened may hold the event loop). Prints `done` first.
 *   owned-url:   `redis` is a URL (the cache owns the connection); only `prisma.$disconnect()`.
 *   own-client:  `redis` is the script's ioredis client; `prisma.$disconnect()`, then `redis.quit()`.
 *   quit-first:  the script quits its ioredis client first, then `prisma.$disconnect()`.
 */
import { PrismaPg } from '@prisma/adapter-pg'
import { Redis } from 'ioredis'
import { PrismaClient } from '../../../generated/prisma/client.ts'
import { queryCache } from '../../../src/index.ts'

const [url, schema, redisUrl, namespace, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
]
const redis = mode === 'owned-url' ? redisUrl : new Redis(redisUrl)
const prisma = new PrismaClient({
  adapter: new PrismaPg({ connectionString: url, max: 2 }, { schema }),
}).$extends(queryCache({ redis, namespace }))
await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
await prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
await prisma.user.create({ data: { email: `${namespace}-${mode}@x.io` } })
if (mode === 'quit-first') await (redis as Redis).quit()
await prisma.$disconnect()
if (mode === 'own-client') await (redis as Redis).quit()
console.log('done')
