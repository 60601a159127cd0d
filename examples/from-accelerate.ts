/**
 * An app written for Prisma Accelerate's cache, running unchanged on prisma-query-cache: the queries are those of
 * Accelerate's own documentation, and the only change is the import line of `withAccelerate` (plus the driver
 * adapter in place of `accelerateUrl`, which Prisma 7 requires anyway). Prints Accelerate's `cacheStatus` for each
 * call. Run it with `npm run example:accelerate`; DATABASE_URL and REDIS_URL work as for `npm run example`
 * (examples/README.md).
 */
import { Prisma } from '../generated/prisma/client.ts'
// Was: import { withAccelerate } from '@prisma/extension-accelerate'
import { type AccelerateInfo, withAccelerate } from '../src/accelerate/index.ts'
import { openDatabase } from './database.ts'
import { exampleRedis } from './redis.ts'

/** Logs one call's Accelerate info and a summary of its data. */
function show(label: string, info: AccelerateInfo, summary: string) {
  console.log(`  ${label.padEnd(46)} ${info.cacheStatus.padEnd(5)} ${summary}`)
}

const db = await openDatabase()
// Was: new PrismaClient({ accelerateUrl }).$extends(withAccelerate()). No argument gives the memory tier only;
// here a throwaway namespace per run, and Redis when REDIS_URL is set.
const { redis, namespace, close: closeRedis } = exampleRedis('accelerate-example')
const prisma = db.client.$extends(withAccelerate({ redis, namespace }))
console.log(`Accelerate-era app on ${db.description}, ${redis ? 'memory + Redis' : 'memory'} tier\n`)

try {
  await prisma.user.createMany({
    data: [
      { email: 'alice@prisma.io', name: 'Alice' },
      { email: 'bob@prisma.io', name: 'Bob' },
    ],
  })

  // Accelerate's API reference: "a 60-second SWR, a 60-second TTL and a cache tag of emails_with_alice".
  const emailsWithAlice = () =>
    prisma.user
      .findMany({
        where: { email: { contains: 'alice@prisma.io' } },
        cacheStrategy: { swr: 60, ttl: 60, tags: ['emails_with_alice'] },
      })
      .withAccelerateInfo()
  const names = (users: { name: string | null }[]) => users.map((user) => user.name).join(', ')
  for (const label of ['findMany emails with alice', 'same query']) {
    const { data, info } = await emailsWithAlice()
    show(label, info, names(data))
  }

  // Accelerate's withAccelerateInfo() example: a count with ttl and swr, and the whole info object.
  const { data: count, info } = await prisma.user
    .count({ cacheStrategy: { ttl: 60, swr: 600 }, where: { name: 'Alice' } })
    .withAccelerateInfo()
  show('count named Alice', info, String(count))
  console.log('  info:', info)

  // A write: Accelerate kept serving the cached list until its ttl and swr ran out; here the write invalidates it.
  await prisma.user.update({ where: { email: 'alice@prisma.io' }, data: { name: 'Alice Liddell' } })
  const afterWrite = await emailsWithAlice()
  show('findMany emails with alice, after an update', afterWrite.info, names(afterWrite.data))

  // Accelerate's on-demand invalidation, with its documented error handling (P6003: the plan's invalidation
  // limit, which does not exist here).
  try {
    await prisma.$accelerate.invalidate({ tags: ['emails_with_alice'] })
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P6003') {
      console.log('The cache invalidation rate limit has been reached. Please try again later.')
    }
    throw e
  }
  const afterInvalidate = await emailsWithAlice()
  show('after $accelerate.invalidate({ tags })', afterInvalidate.info, names(afterInvalidate.data))

  // No cacheStrategy: the database, every time.
  const uncached = await prisma.user.findMany().withAccelerateInfo()
  show('findMany without cacheStrategy', uncached.info, names(uncached.data))

  // ttl 1 s with swr: once the ttl has passed, the stored result is served stale while one refresh runs.
  const recent = () => prisma.user.count({ cacheStrategy: { ttl: 1, swr: 60 } }).withAccelerateInfo()
  show('count, ttl 1 s, swr 60 s', (await recent()).info, '')
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  show('same query 1.1 s later', (await recent()).info, '')

  await prisma.$accelerate.invalidateAll()
  show('after $accelerate.invalidateAll()', (await emailsWithAlice()).info, '')
} finally {
  await prisma.$cache.close()
  await closeRedis()
  await db.close()
}
