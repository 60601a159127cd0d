/**
 * `$cache.memoize` and `$cache.getOrSet` in one file: a product-page function assembled from several Prisma reads
 * is cached under its name and arguments, and invalidated by writes to exactly what those reads read. Run it with
 * `npm run example:memoize`; see examples/README.md for the environment variables (DATABASE_URL, REDIS_URL).
 */
import { performance } from 'node:perf_hooks'
import { queryCache } from '../src/index.ts'
import { openDatabase } from './database.ts'
import { exampleRedis } from './redis.ts'

const db = await openDatabase()
const { redis, namespace, close: closeRedis } = exampleRedis('memoize-example')
const prisma = db.client.$extends(
  queryCache({
    redis,
    namespace,
    onEvent: (event) => {
      if (event.type === 'uncacheable') console.log(`  (not stored: '${event.name}' made a ${event.reason})`)
    },
  }),
)
console.log(`memoize example on ${db.description}, ${redis ? 'memory + Redis' : 'memory'} tier`)

let runs = 0
// Any async function of keyable arguments. Its dependencies are the reads it makes: nobody lists them.
const authorPage = prisma.$cache.memoize(
  'author-page',
  async (authorId: number) => {
    runs++
    const author = await prisma.user.findUniqueOrThrow({ where: { id: authorId } })
    const posts = await prisma.post.findMany({ where: { authorId }, orderBy: { id: 'asc' } })
    const comments = await prisma.comment.count({ where: { post: { authorId } } })
    return { name: author.name, titles: posts.map((post) => post.title), comments }
  },
  { ttl: 300, tags: (authorId) => [`author-${authorId}`] },
)

/** Calls the memoized function and logs how the cache answered, whether the function ran, and the result. */
async function call(label: string, authorId: number) {
  const before = runs
  const start = performance.now()
  const { data, info } = await authorPage.withCacheInfo(authorId)
  const ms = (performance.now() - start).toFixed(2).padStart(7)
  const ran = runs > before ? 'ran' : 'did not run'
  console.log(
    `  ${label.padEnd(40)} ${info.status.padEnd(5)} ${ms} ms  function ${ran.padEnd(11)} ${JSON.stringify(data)}`,
  )
}

try {
  const alice = await prisma.user.create({ data: { email: 'alice@example.com', name: 'Alice' } })
  const bob = await prisma.user.create({ data: { email: 'bob@example.com', name: 'Bob' } })
  const post = await prisma.post.create({
    data: { title: 'Hello', authorId: alice.id },
  })

  console.log('\n1. The first call runs the function; the next ones are hits')
  await call('authorPage(alice)', alice.id)
  await call('authorPage(alice)', alice.id)
  await call('authorPage(bob)', bob.id)

  console.log('\n2. A write to a row it did not read keeps it; a write to one it read invalidates it')
  await prisma.user.update({ where: { id: bob.id }, data: { name: 'Robert' } })
  await call('after renaming Bob: authorPage(alice)', alice.id)
  await prisma.comment.create({ data: { body: 'Nice!', postId: post.id, authorId: bob.id } })
  await call('after a comment on her post', alice.id)
  await prisma.user.update({ where: { id: alice.id }, data: { name: 'Alice L.' } })
  await call('after renaming Alice', alice.id)

  console.log('\n3. By hand: tags, one argument list, refresh')
  await prisma.$cache.invalidate({ tags: [`author-${alice.id}`] })
  await call('after invalidate({ tags })', alice.id)
  await authorPage.invalidate(alice.id)
  await call('after authorPage.invalidate(alice)', alice.id)
  await authorPage.refresh(alice.id)
  await call('after authorPage.refresh(alice)', alice.id)

  console.log('\n4. getOrSet: a value under a name, with its reads as dependencies')
  const userCount = () => prisma.$cache.getOrSet('user-count', () => prisma.user.count(), { ttl: 60 })
  console.log(`  users: ${await userCount()}, again: ${await userCount()}`)
  await prisma.user.create({ data: { email: 'carol@example.com', name: 'Carol' } })
  console.log(`  after a new user: ${await userCount()}`)

  console.log('\n5. A function that writes is never stored')
  const touch = prisma.$cache.memoize('touch', async (id: number) => {
    return prisma.user.update({ where: { id }, data: { active: true }, select: { id: true } })
  })
  await touch(alice.id)
} finally {
  await prisma.$cache.close()
  await closeRedis()
  await db.close()
}
