/**
 * prisma-query-cache in one file: cached reads, automatic invalidation on writes, relations, precision,
 * bypass, tags and stats. Run it with `npm run example`; see examples/README.md for the environment
 * variables (DATABASE_URL, REDIS_URL).
 */
import { performance } from 'node:perf_hooks'
import { type CachedPrismaPromise, queryCache } from '../src/index.ts'
import { openDatabase } from './database.ts'
import { exampleRedis } from './redis.ts'

/** Runs a cached read, then logs how the cache answered, how long it took and a summary of the data. */
async function read<T>(label: string, query: () => CachedPrismaPromise<T>, summary: (data: T) => unknown) {
  const start = performance.now()
  const { data, info } = await query().withCacheInfo()
  const ms = performance.now() - start
  const status = info.tier ? `${info.status} (${info.tier})` : info.status
  console.log(`  ${label.padEnd(34)} ${status.padEnd(13)} ${ms.toFixed(2).padStart(7)} ms  ${summary(data)}`)
}

/** Runs a write (or any other step) and logs how long it took. */
async function step(label: string, run: () => Promise<unknown>) {
  const start = performance.now()
  await run()
  console.log(`  ${`→ ${label}`.padEnd(48)} ${(performance.now() - start).toFixed(2).padStart(7)} ms`)
}

/** Sorted, so the log does not depend on the order rows come back in (the queries have no orderBy). */
const list = (items: (string | null)[]) => items.sort().join(', ')

const db = await openDatabase()
// Optional second tier shared by every instance of the app; without it the cache is in-process only.
const { redis, namespace, close: closeRedis } = exampleRedis('example')
const prisma = db.client.$extends(queryCache({ redis, namespace }))
console.log(`prisma-query-cache example on ${db.description}, ${redis ? 'memory + Redis' : 'memory'} tier`)

try {
  console.log('\n1. Seed two users and three posts (writes are never cached)')
  await step('user.create ×2 with nested posts', async () => {
    await prisma.user.create({
      data: {
        email: 'alice@example.com',
        name: 'Alice',
        posts: {
          create: [
            { title: 'Hello', published: true },
            { title: 'Caching 101', published: true },
          ],
        },
      },
    })
    await prisma.user.create({
      data: { email: 'bob@example.com', name: 'Bob', posts: { create: { title: 'Draft' } } },
    })
  })

  // A `cacheStrategy` object makes a read cacheable: its key is model + operation + arguments.
  const publishedTitles = (client = prisma) =>
    client.post.findMany({
      where: { published: true },
      select: { title: true },
      cacheStrategy: { ttl: 60 },
    })
  const titles = (posts: { title: string }[]) => list(posts.map((post) => post.title))

  console.log('\n2. Read, write, read again: a write invalidates the reads of the model it changed')
  // The first read loads from the database and stores the result; the same read again is served from memory.
  await read('published posts', publishedTitles, titles)
  await read('same read', publishedTitles, titles)
  if (redis) {
    // Another instance of the app (here: a second extension with its own memory tier) finds it in Redis.
    const otherInstance = db.client.$extends(queryCache({ redis, namespace }))
    await read('same read, other instance', () => publishedTitles(otherInstance), titles)
    await otherInstance.$cache.close()
  }
  await step('post.updateMany "Hello" → "Hello, world"', () =>
    prisma.post.updateMany({ where: { title: 'Hello' }, data: { title: 'Hello, world' } }),
  )
  // The update touched Post, so every cached read of Post is invalid now: the next one reloads fresh data.
  await read('same read, after the write', publishedTitles, titles)
  await read('same read', publishedTitles, titles)

  console.log('\n3. Relations: a read with `include` also depends on the included model')
  const aliceWithPosts = () =>
    prisma.user.findUniqueOrThrow({
      where: { email: 'alice@example.com' },
      include: { posts: { select: { title: true } } },
      cacheStrategy: { ttl: 60 },
    })
  const namePosts = (user: { name: string | null; posts: { title: string }[] }) =>
    `${user.name}: ${titles(user.posts)}`
  await read('Alice with her posts', aliceWithPosts, namePosts)
  await read('same read', aliceWithPosts, namePosts)
  await step('post.create "Prisma tips" by Alice', () =>
    prisma.post.create({
      data: { title: 'Prisma tips', author: { connect: { email: 'alice@example.com' } } },
    }),
  )
  // The write was to Post, not User, yet the cached read includes posts, so it is reloaded.
  await read('same read, after the Post write', aliceWithPosts, namePosts)

  console.log('\n4. Precision: a write leaves reads that cannot change alone')
  const userNames = () => prisma.user.findMany({ select: { name: true }, cacheStrategy: { ttl: 60 } })
  const names = (users: { name: string | null }[]) => list(users.map((user) => user.name))
  await read('user names', userNames, names)
  // Changes Post titles only: no User column, no relation, so the cached user names stay valid.
  await step('post.updateMany "Draft" → "Draft v2"', () =>
    prisma.post.updateMany({ where: { title: 'Draft' }, data: { title: 'Draft v2' } }),
  )
  await read('same read, after the Post write', userNames, names)

  console.log('\n5. Bypass: `cacheStrategy: false` always goes to the database')
  // Also the way to read around the cache for a model configured as cached in `models`.
  const postCount = () => prisma.post.count({ cacheStrategy: false })
  await read('post count', postCount, String)
  await read('same read', postCount, String)

  console.log('\n6. Tags: invalidate by hand, e.g. after data changed outside Prisma')
  // Writes through Prisma need no tags; tags name groups of reads to drop when something else changed the data.
  const publishedCount = () =>
    prisma.post.count({ where: { published: true }, cacheStrategy: { ttl: 300, tags: ['post-stats'] } })
  await read('published post count', publishedCount, String)
  await read('same read', publishedCount, String)
  await step("$cache.invalidate({ tags: ['post-stats'] })", () =>
    prisma.$cache.invalidate({ tags: ['post-stats'] }),
  )
  await read('same read, after the invalidation', publishedCount, String)

  console.log('\n7. Stats')
  // Counters in total, per region (left out here) and per tier; `entries` and `bytes` are the memory tier's size.
  const { regions: _perRegion, tiers, ...totals } = prisma.$cache.stats()
  const line = (counters: object) =>
    Object.entries(counters)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ')
  console.log(`  total: ${line(totals)}`)
  for (const [tier, counters] of Object.entries(tiers)) console.log(`  ${tier}: ${line(counters)}`)
} finally {
  // Waits for background work; closes only what the cache opened itself, so Redis is ours to close.
  await prisma.$cache.close()
  await closeRedis()
  await db.close()
}
