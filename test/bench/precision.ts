/**
 * "Hit rate under writes" (P1): one deterministic sequence of operations on the bench's seed, 90 % reads (80 % of
 * them on a hot set of posts: a post by id, its comments by foreign key, the post with its comments, a filtered
 * count of its author's posts) and 10 % single-row writes (update by id, create). Each configuration runs it
 * twice, with and without the writes, on a fresh database state; every cached read is compared with the same
 * read on a plain client (a difference is a stale read). Also the cost of a write: update by id through the
 * cache against uncached Prisma, without and with a change of a pinned column.
 */
import { isDeepStrictEqual } from 'node:util'
import type { PrismaClient } from '../../generated/prisma/client.ts'
import type * as current from '../../src/index.ts'
import type { TestDatabase } from '../setup/database.ts'
import type { TestRedis } from '../setup/redis.ts'
import { SEED } from './fixtures.ts'
import { measureInterleaved } from './measure.ts'

/** Share of operations that write, and of reads that go to the hot set. */
const WRITE_SHARE = 0.1
const HOT_SHARE = 0.8
/** Posts in the hot set (of 250). */
const HOT_POSTS = 25
const TTL = { ttl: 3600 } as const

type Operation =
  | { kind: 'post'; id: number }
  | { kind: 'comments'; postId: number }
  | { kind: 'postWithComments'; id: number }
  | { kind: 'authorCount'; authorId: number }
  | { kind: 'updatePost'; id: number; title: string }
  | { kind: 'updateComment'; id: number; body: string }
  | { kind: 'createComment'; postId: number; authorId: number }

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The sequence: `count` operations, the same for every configuration. */
export function operations(count: number, seed = 20261207): Operation[] {
  const next = random(seed)
  const posts = SEED.users * SEED.postsPerUser
  const comments = posts * SEED.commentsPerPost
  const pick = (n: number) => 1 + Math.floor(next() * n)
  const postId = () => (next() < HOT_SHARE ? pick(HOT_POSTS) : pick(posts))
  const out: Operation[] = []
  for (let i = 0; i < count; i++) {
    if (next() < WRITE_SHARE) {
      const roll = next()
      if (roll < 0.4) out.push({ kind: 'updatePost', id: pick(posts), title: `edited ${i}` })
      else if (roll < 0.7) out.push({ kind: 'updateComment', id: pick(comments), body: `edited ${i}` })
      else out.push({ kind: 'createComment', postId: pick(posts), authorId: pick(SEED.users) })
      continue
    }
    const id = postId()
    const roll = next()
    if (roll < 0.25) out.push({ kind: 'post', id })
    else if (roll < 0.5) out.push({ kind: 'comments', postId: id })
    else if (roll < 0.75) out.push({ kind: 'postWithComments', id })
    // Posts are spread round-robin over users: post id's author.
    else out.push({ kind: 'authorCount', authorId: ((id - 1) % SEED.users) + 1 })
  }
  return out
}

type Client = PrismaClient | ReturnType<PrismaClient['$extends']>

/** Runs one read on a client, with `cacheStrategy` when `cached`. */
function read(
  client: Client,
  operation: Operation,
  cached: boolean,
): Promise<unknown> & { withCacheInfo?(): Promise<{ data: unknown; info: { status: string } }> } {
  const strategy = cached ? { cacheStrategy: TTL } : {}
  const c = client as unknown as Record<string, Record<string, (args: object) => never>>
  switch (operation.kind) {
    case 'post':
      return c.post!.findUnique!({ where: { id: operation.id }, ...strategy })
    case 'comments':
      return c.comment!.findMany!({
        where: { postId: operation.postId },
        orderBy: { id: 'asc' },
        ...strategy,
      })
    case 'postWithComments':
      return c.post!.findUnique!({
        where: { id: operation.id },
        include: { comments: { orderBy: { id: 'asc' } } },
        ...strategy,
      })
    case 'authorCount':
      return c.post!.count!({ where: { authorId: operation.authorId, published: true }, ...strategy })
    default:
      throw new Error(`not a read: ${operation.kind}`)
  }
}

function write(client: Client, operation: Operation): Promise<unknown> {
  const c = client as unknown as Record<string, Record<string, (args: object) => Promise<unknown>>>
  switch (operation.kind) {
    case 'updatePost':
      return c.post!.update!({ where: { id: operation.id }, data: { title: operation.title } })
    case 'updateComment':
      return c.comment!.update!({ where: { id: operation.id }, data: { body: operation.body } })
    case 'createComment':
      return c.comment!.create!({
        data: { postId: operation.postId, authorId: operation.authorId, body: 'new' },
      })
    default:
      throw new Error(`not a write: ${operation.kind}`)
  }
}

/** Hit rate and stale reads of one run. */
export interface RunResult {
  reads: number
  hits: number
  stale: number
  hitRate: number
}

/** Runs the sequence (skipping writes unless `withWrites`) through `cached`, checking each read on `plain`. */
async function run(
  cached: Client,
  plain: Client,
  sequence: readonly Operation[],
  withWrites: boolean,
): Promise<RunResult> {
  let reads = 0
  let hits = 0
  let stale = 0
  for (const operation of sequence) {
    if (
      operation.kind === 'updatePost' ||
      operation.kind === 'updateComment' ||
      operation.kind === 'createComment'
    ) {
      if (withWrites) await write(cached, operation)
      continue
    }
    const { data, info } = await (
      read(cached, operation, true).withCacheInfo as () => Promise<{
        data: unknown
        info: { status: string }
      }>
    )()
    reads++
    if (info.status === 'hit') hits++
    if (!isDeepStrictEqual(data, await read(plain, operation, false))) stale++
  }
  return { reads, hits, stale, hitRate: hits / reads }
}

/** A design to measure: the factory of `queryCache`, and its name. */
export interface Design {
  readonly name: string
  readonly queryCache: typeof current.queryCache
}

/** Hit rates of every design and tier configuration, with and without writes. */
export interface PrecisionResult {
  design: string
  tiers: string
  withoutWrites: RunResult
  withWrites: RunResult
  ratio: number
}

/**
 * Runs the sequence for each design on memory and on memory + Redis. `reset` restores the seed's state between
 * runs (the writes change it).
 */
export async function measureHitRateUnderWrites(
  db: TestDatabase,
  redis: TestRedis,
  designs: readonly Design[],
  count: number,
  reset: () => Promise<void>,
): Promise<PrecisionResult[]> {
  const sequence = operations(count)
  const plain = db.createClient().client
  const results: PrecisionResult[] = []
  let namespaces = 0
  for (const design of designs) {
    for (const tiers of ['memory', 'memory + redis'] as const) {
      const runs: RunResult[] = []
      for (const withWrites of [false, true]) {
        await reset()
        const options =
          tiers === 'memory'
            ? {}
            : { redis: redis.connect(), namespace: `${redis.namespace}-p${namespaces++}` }
        const cached = db.createClient({ errorFormat: 'minimal' }).client.$extends(design.queryCache(options))
        try {
          runs.push(await run(cached, plain, sequence, withWrites))
        } finally {
          await cached.$cache.close()
        }
      }
      const [withoutWrites, withWrites] = runs as [RunResult, RunResult]
      results.push({
        design: design.name,
        tiers,
        withoutWrites,
        withWrites,
        ratio: withWrites.hitRate / withoutWrites.hitRate,
      })
    }
  }
  return results
}

/** p50 of an update by id, uncached and through the cache, without and with a change of a pinned column. */
export async function measureWriteCost(
  db: TestDatabase,
  queryCache: typeof current.queryCache,
  iterations: number,
) {
  const plain = db.createClient().client
  const cached = db.createClient().client.$extends(queryCache({}))
  const posts = SEED.users * SEED.postsPerUser
  let i = 0
  const nextPost = () => 1 + (i++ % posts)
  const author = (id: number, shift: number) => 1 + ((id + shift) % SEED.users)
  const cases = [
    {
      name: 'update by id, uncached',
      run: () => plain.post.update({ where: { id: nextPost() }, data: { title: `t${i}` } }),
    },
    {
      name: 'update by id, cached',
      run: () => cached.post.update({ where: { id: nextPost() }, data: { title: `t${i}` } }),
    },
    {
      name: 'update moving a row, uncached',
      run: () => {
        const id = nextPost()
        return plain.post.update({ where: { id }, data: { authorId: author(id, i % 3) } })
      },
    },
    {
      name: 'update moving a row, cached',
      run: () => {
        const id = nextPost()
        return cached.post.update({ where: { id }, data: { authorId: author(id, i % 3) } })
      },
    },
  ].map((c) => ({ ...c, iterations }))
  const stats = await measureInterleaved(cases, { rounds: 10, warmupRounds: 1 })
  await cached.$cache.close()
  return stats
}

/** The report: hit rates, their ratio, stale reads, and the write cost. */
export function precisionTable(
  results: readonly PrecisionResult[],
  cost: ReadonlyMap<string, { p50: number }>,
  count: number,
): string {
  const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`
  const lines = [
    `Hit rate under writes: ${count} operations, ${WRITE_SHARE * 100} % single-row writes, ${HOT_SHARE * 100} % of reads on ${HOT_POSTS} hot posts`,
    '| design | tiers | hit rate, reads only | hit rate, with writes | ratio | stale reads |',
    '|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.design} | ${r.tiers} | ${percent(r.withoutWrites.hitRate)} | ${percent(r.withWrites.hitRate)} | ${r.ratio.toFixed(2)} | ${r.withoutWrites.stale + r.withWrites.stale} |`,
    ),
    '',
    'Write cost (p50 µs, interleaved):',
  ]
  const p50 = (name: string) => cost.get(name)?.p50 ?? Number.NaN
  for (const kind of ['update by id', 'update moving a row']) {
    const uncached = p50(`${kind}, uncached`)
    const cached = p50(`${kind}, cached`)
    lines.push(
      `- ${kind}: uncached ${uncached.toFixed(0)}, through the cache ${cached.toFixed(0)} (${(cached / uncached).toFixed(2)}×)`,
    )
  }
  return lines.join('\n')
}
