/**
 * The live dashboard on a small HTTP API, with a load generator so that it moves. Run it with
 * `npm run example:dashboard` and open the printed URL; see examples/README.md for the environment variables
 * (DATABASE_URL, REDIS_URL, NAMESPACE, PORT, LOAD, DURATION).
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { Redis } from 'ioredis'
import { dashboard } from '../src/dashboard/index.ts'
import { queryCache } from '../src/index.ts'
import { openDatabase } from './database.ts'

const USERS = 40
const POSTS = 200
const port = Number(process.env.PORT ?? 3000)
/** Requests per second of the load generator (0: none). */
const load = Number(process.env.LOAD ?? 40)
/** Seconds before the example stops by itself (0: run until Ctrl-C). */
const duration = Number(process.env.DURATION ?? 0)

const db = await openDatabase()
const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined
// NAMESPACE shared by two copies of the example (other PORTs) shows two instances; by default a fresh one per run.
const namespace = process.env.NAMESPACE ?? `example-dashboard-${randomBytes(4).toString('hex')}`
const prisma = db.client.$extends(
  queryCache({
    redis,
    namespace,
    regions: { default: { ttl: 20 }, hot: { ttl: 3, swr: 2, tiers: ['memory'] } },
    models: { User: { region: 'default' }, Post: { region: 'hot' }, Category: { region: 'default' } },
    // Small, so that the memory fill chart has something to show.
    memory: { maxEntries: 300, maxBytes: 4 * 1024 * 1024 },
  }),
)

await prisma.user.createMany({
  data: Array.from({ length: USERS }, (_, i) => ({ email: `user${i}@example.com`, name: `User ${i}` })),
})
const users = await prisma.user.findMany({ select: { id: true }, cacheStrategy: false })
await prisma.post.createMany({
  data: Array.from({ length: POSTS }, (_, i) => ({
    title: `Post ${i}`,
    published: i % 3 !== 0,
    authorId: users[i % users.length]?.id ?? null,
  })),
})
const posts = await prisma.post.findMany({ select: { id: true }, cacheStrategy: false })

// Loopback only by default; in an application, check the user: authorize: (req) => isAdmin(req).
const cacheDashboard = dashboard(prisma, { title: 'prisma-query-cache example' })

function json(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body, (_, value) => (typeof value === 'bigint' ? value.toString() : value))
  res.writeHead(status, { 'content-type': 'application/json' }).end(text)
}

/** The API: a few cached reads and the writes that invalidate them. */
async function api(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const [resource, id, action] = url.pathname.split('/').filter(Boolean)
  const key = Number(id)
  if (req.method === 'GET' && resource === 'users' && id !== undefined)
    return json(res, 200, await prisma.user.findUnique({ where: { id: key }, include: { profile: true } }))
  if (req.method === 'GET' && resource === 'users')
    return json(
      res,
      200,
      await prisma.user.findMany({ where: { active: true }, take: 20, orderBy: { id: 'asc' } }),
    )
  if (req.method === 'GET' && resource === 'posts' && id !== undefined)
    return json(res, 200, await prisma.post.findUnique({ where: { id: key }, include: { author: true } }))
  if (req.method === 'GET' && resource === 'posts')
    return json(
      res,
      200,
      await prisma.post.count({ where: { published: url.searchParams.get('published') === 'true' } }),
    )
  if (req.method === 'POST' && resource === 'posts' && action === 'view')
    return json(res, 200, await prisma.post.update({ where: { id: key }, data: { views: { increment: 1 } } }))
  if (req.method === 'POST' && resource === 'users' && action === 'rename')
    return json(
      res,
      200,
      await prisma.user.update({ where: { id: key }, data: { name: `User ${key} (${Date.now() % 1000})` } }),
    )
  if (req.method === 'POST' && resource === 'invalidate' && id === 'posts') {
    await prisma.$cache.invalidate({ models: ['Post'] })
    return json(res, 200, { invalidated: 'Post' })
  }
  json(res, 404, { error: 'not found' })
}

const server = http.createServer((req, res) => {
  if (req.url === '/cache' || req.url?.startsWith('/cache/')) return void cacheDashboard(req, res)
  api(req, res).catch((error: unknown) => json(res, 500, { error: String(error) }))
})
await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
console.log(`API and dashboard on ${db.description}, ${redis ? 'memory + Redis' : 'memory'} tier`)
console.log(`dashboard: http://127.0.0.1:${port}/cache   (load: ${load} requests/s; Ctrl-C stops)`)

/** A skewed pick: low indexes far more often, so some keys are hot. */
function pick<T>(items: readonly T[]): T {
  return items[Math.floor(items.length * Math.random() ** 3)] as T
}

/** One request of the mix: mostly reads, some writes, now and then an API invalidation. */
function request(): Promise<unknown> {
  const roll = Math.random()
  const user = pick(users).id
  const post = pick(posts).id
  const [method, path] =
    roll < 0.35
      ? ['GET', `/posts/${post}`]
      : roll < 0.6
        ? ['GET', `/users/${user}`]
        : roll < 0.75
          ? ['GET', '/users']
          : roll < 0.9
            ? ['GET', `/posts?published=${roll < 0.82}`]
            : roll < 0.96
              ? ['POST', `/posts/${post}/view`]
              : roll < 0.995
                ? ['POST', `/users/${user}/rename`]
                : ['POST', '/invalidate/posts']
  return fetch(`http://127.0.0.1:${port}${path}`, { method }).then((response) => response.arrayBuffer())
}

const generator =
  load > 0 ? setInterval(() => void request().catch(() => undefined), 1_000 / load) : undefined

async function stop() {
  if (generator !== undefined) clearInterval(generator)
  await cacheDashboard.close()
  await new Promise((resolve) => server.close(resolve))
  server.closeAllConnections()
  await prisma.$cache.close()
  await db.close()
  if (redis !== undefined && process.env.NAMESPACE === undefined) {
    for await (const keys of redis.scanStream({ match: `*${namespace}*` })) {
      if (keys.length > 0) await redis.del(...keys)
    }
  }
  await redis?.quit()
}

process.once('SIGINT', () => void stop())
if (duration > 0) setTimeout(() => void stop(), duration * 1_000)
