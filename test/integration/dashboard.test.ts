import { mkdir, stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { Redis } from 'ioredis'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheInternals } from '../../src/cache-internals.ts'
import { clusterKeys } from '../../src/dashboard/cluster.ts'
import { type DashboardHandler, dashboard, type FeedResponse } from '../../src/dashboard/index.ts'
import { freePort } from '../setup/private-redis.ts'
import { launchChromium } from '../support/browser.ts'
import { cachedClient, useFixture } from './helpers.ts'

// The dashboard in a real headless Chromium, on real PostgreSQL and Redis: the charts draw, the numbers move with
// reads and writes, nothing of the arguments or rows reaches the page or its feed, a refused request gets 403, and
// instances sharing Redis are shown each and together. A screenshot is kept in test-results/dashboard/.

const fixture = useFixture()
const OUTPUT = path.resolve('test-results/dashboard')
const TOKEN = 'Bearer dashboard-test'
const MOUNT = '/admin/cache'
const POLL = { timeout: 15_000, interval: 200 }

// Values that only the arguments and the rows carry: none may appear in the page or its feed.
const ARG_EMAIL = 'sentinel-arg-7f3a9c@example.io'
const ROW_NAME = 'SentinelRowValue5b2e81'
const ROW_TITLE = 'SentinelTitle-c4d0e2'
const TAG = 'sentinel-tag-91d4ab'
const SENTINELS = [ARG_EMAIL, ROW_NAME, ROW_TITLE, TAG, 'sentinel']

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
  await mkdir(OUTPUT, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
})

/** Serves `handler` at {@link MOUNT} on a loopback port; everything else is 404. */
async function serve(handler: DashboardHandler) {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith(MOUNT)) return void handler(req, res)
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${MOUNT}`
  return {
    url,
    handler,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await handler.close()
    },
  }
}

/** The status `handler` answers to a GET of its page from `remoteAddress` (no socket needed to tell it apart). */
async function statusFrom(handler: DashboardHandler, remoteAddress: string): Promise<number> {
  const req = {
    method: 'GET',
    url: MOUNT,
    headers: {},
    socket: { remoteAddress },
  } as unknown as http.IncomingMessage
  let status = 0
  const res = {
    headersSent: false,
    writeHead(code: number) {
      status = code
      return res
    },
    end() {},
  } as unknown as http.ServerResponse
  await handler(req, res)
  return status
}

const authorized = (req: http.IncomingMessage) => req.headers.authorization === TOKEN

function internalsOf(prisma: { $cache: object }): CacheInternals {
  return (prisma.$cache as Record<symbol, CacheInternals>)[
    Symbol.for('prisma-query-cache.internals')
  ] as CacheInternals
}

async function openPage(url: string): Promise<{ page: Page; feeds: string[] }> {
  const context = await browser.newContext({ extraHTTPHeaders: { authorization: TOKEN } })
  const page = await context.newPage()
  const feeds: string[] = []
  page.on('response', (response) => {
    if (response.url().includes('/feed'))
      void response.text().then(
        (body) => feeds.push(body),
        () => undefined,
      )
  })
  const response = await page.goto(url)
  expect(response?.status()).toBe(200)
  await page.waitForSelector('body[data-updated]')
  return { page, feeds }
}

/** The number a tile shows (`1.2k` read as 1200). */
async function tile(page: Page, id: string): Promise<number> {
  const text = (await page.textContent(`#${id}`)) ?? ''
  const value = Number.parseFloat(text)
  return text.endsWith('k') ? value * 1_000 : value
}

/** The `d` of every series path of a chart that draws at least one point. */
async function drawnLines(page: Page, chart: string): Promise<string[]> {
  const lines = await page.$$eval(`svg#${chart} path.series`, (paths) =>
    paths.map((p) => `${p.getAttribute('data-name')}:${p.getAttribute('d')}`),
  )
  return lines.filter((line) => /:M\d/.test(line) && !line.endsWith(':M0 0'))
}

describe('dashboard in a real browser', () => {
  it('draws every chart, moves with reads and writes, and never shows an argument or row value', async () => {
    const namespace = fixture.namespace()
    const { prisma, events } = cachedClient(fixture.db, { redis: fixture.connection(), namespace })
    const other = cachedClient(fixture.db, { redis: fixture.connection(), namespace })
    const user = await prisma.user.create({ data: { email: ARG_EMAIL, name: ROW_NAME } })
    await prisma.post.create({ data: { title: ROW_TITLE, authorId: user.id } })
    // Created after the seed: it counts from now on.
    const handler = dashboard(prisma, { authorize: authorized })
    const server = await serve(handler)
    try {
      const { page, feeds } = await openPage(server.url)
      expect(await tile(page, 'total-reads')).toBe(0)

      const reads = async (client: typeof prisma) => {
        await client.user.findUnique({ where: { email: ARG_EMAIL }, cacheStrategy: { ttl: 60, tags: [TAG] } })
        await client.user.findMany({ where: { name: ROW_NAME }, cacheStrategy: { ttl: 60 } })
        await client.post.findMany({
          where: { title: { contains: ROW_TITLE } },
          include: { author: true },
          cacheStrategy: { ttl: 60 },
        })
      }
      for (let i = 0; i < 10; i++) await reads(prisma)
      // Another instance loads nothing: its memory is empty, Redis has the entries. Its reads are not this one's.
      await reads(other.prisma)
      await expect.poll(() => tile(page, 'total-reads'), POLL).toBe(30)
      expect(await tile(page, 'hit-ratio-total')).toBeCloseTo(90, 0)
      expect(await tile(page, 'invalidations-total')).toBe(0)

      await prisma.user.update({ where: { email: ARG_EMAIL }, data: { name: `${ROW_NAME}-2` } })
      await reads(prisma)
      await prisma.$cache.invalidate({ tags: [TAG] })
      for (let i = 0; i < 2; i++) await reads(prisma)
      await expect.poll(() => tile(page, 'invalidations-total'), POLL).toBeGreaterThanOrEqual(2)
      await expect.poll(() => tile(page, 'total-reads'), POLL).toBe(39)
      expect(await tile(page, 'memory-entries')).toBeGreaterThan(0)

      expect(await drawnLines(page, 'hit-ratio')).toEqual(
        expect.arrayContaining([expect.stringMatching(/^all:/), expect.stringMatching(/^default\/User:/)]),
      )
      expect(await drawnLines(page, 'latency')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^memory p50:/),
          expect.stringMatching(/^memory p99:/),
          expect.stringMatching(/^database p50:/),
        ]),
      )
      expect(await drawnLines(page, 'memory')).toEqual(
        expect.arrayContaining([expect.stringMatching(/^entries:/)]),
      )
      expect(await drawnLines(page, 'pending')).toHaveLength(1)
      for (const cause of ['write', 'api']) {
        const bars = page.locator(`svg#invalidations g[data-name="${cause}"] rect`)
        expect(await bars.count()).toBeGreaterThan(0)
        // Painted, not just present.
        const fill = await bars.first().evaluate((bar) => {
          const view = globalThis as unknown as { getComputedStyle(element: unknown): { fill: string } }
          return view.getComputedStyle(bar).fill
        })
        expect(fill).toMatch(/^rgb/)
      }
      expect(
        await page.locator('svg#states g[data-name="bus"] rect[data-state="up"]').count(),
      ).toBeGreaterThan(0)
      expect(
        await page.locator('svg#states g[data-name="breaker"] rect[data-state="closed"]').count(),
      ).toBeGreaterThan(0)
      expect(await page.textContent('#bus-state')).toBe('up')

      const hotKeys = await page.$$eval('#hot-keys tbody tr', (rows) =>
        rows.map((row) => [...row.cells].map((cell) => cell.textContent).join('|')),
      )
      // 13 reads of each key here (the other instance's are its own): 11 hits, 10 for the tagged one.
      expect(hotKeys).toHaveLength(3)
      for (const [read, hits] of [
        ['User\\|findUnique', 10],
        ['User\\|findMany', 11],
        ['Post\\|findMany', 11],
      ])
        expect(hotKeys).toContainEqual(
          expect.stringMatching(new RegExp(`^${read}\\|default\\|[A-Za-z0-9_-]{16}\\|${hits}\\|13$`)),
        )
      const misses = (await page.textContent('#misses')) ?? ''
      expect(misses).toContain('invalidated: #tag by api')
      expect(misses).toMatch(/invalidated: =User\.email by write \(User\.update\)|invalidated: User by write/)

      // The values did reach the cache's events (pins carry them): the page and the feed left them out.
      expect(JSON.stringify(events)).toContain(ARG_EMAIL)
      expect(JSON.stringify(events)).toContain(TAG)
      const direct = await fetch(`${server.url}/feed`, { headers: { authorization: TOKEN } }).then((r) =>
        r.text(),
      )
      expect(feeds.length).toBeGreaterThan(2)
      for (const text of [await page.content(), direct, ...feeds])
        for (const sentinel of SENTINELS) expect(text).not.toContain(sentinel)

      const screenshot = path.join(OUTPUT, 'dashboard.png')
      await page.screenshot({ path: screenshot, fullPage: true })
      expect((await stat(screenshot)).size).toBeGreaterThan(20_000)
      await page.context().close()
    } finally {
      await server.close()
      await other.prisma.$cache.close()
      await prisma.$cache.close()
    }
  })

  it('answers 403 to a request authorize refuses or throws for, page and feed alike', async () => {
    const { prisma } = cachedClient(fixture.db)
    let calls = 0
    const refusing = await serve(dashboard(prisma, { authorize: authorized }))
    const throwing = await serve(
      dashboard(prisma, {
        authorize: () => {
          calls++
          throw new Error('no session')
        },
      }),
    )
    const open = await serve(dashboard(prisma))
    try {
      const context = await browser.newContext()
      const page = await context.newPage()
      for (const url of [refusing.url, `${refusing.url}/feed`, throwing.url, `${throwing.url}/feed`]) {
        const response = await page.goto(url)
        expect(response?.status(), url).toBe(403)
        expect(await page.content()).not.toContain('<svg')
      }
      expect(calls).toBe(2)
      // Without authorize, loopback requests (this test's) are let in, and others refused.
      expect((await page.goto(open.url))?.status()).toBe(200)
      expect(await statusFrom(open.handler, '203.0.113.9')).toBe(403)
      expect(await statusFrom(open.handler, '::ffff:10.1.2.3')).toBe(403)
      expect(await statusFrom(open.handler, '127.0.0.1')).toBe(200)
      await page.waitForSelector('body[data-updated]')
      await context.close()
      expect((await fetch(`${refusing.url}/feed`, { headers: { authorization: TOKEN } })).status).toBe(200)
      expect((await fetch(refusing.url, { method: 'POST', headers: { authorization: TOKEN } })).status).toBe(
        405,
      )
    } finally {
      await Promise.all([refusing.close(), throwing.close(), open.close()])
      await prisma.$cache.close()
    }
  })

  it('counts only while it exists: reads before it and after close() are not in its figures', async () => {
    const { prisma } = cachedClient(fixture.db)
    const read = () => prisma.user.count({ cacheStrategy: { ttl: 60 } })
    await read()
    const handler = dashboard(prisma)
    const server = await serve(handler)
    const totalReads = async () => {
      const feed = (await fetch(`${server.url}/feed`).then((r) => r.json())) as FeedResponse
      return feed.view.totals.reads
    }
    try {
      expect(await totalReads()).toBe(0)
      await read()
      await read()
      expect(await totalReads()).toBe(2)
      await handler.close()
      await read()
      expect(await totalReads()).toBe(2)
    } finally {
      await server.close()
      await prisma.$cache.close()
    }
  })

  it('keeps answering while Redis is down: this instance alone, the bus down, the breaker open', async () => {
    const down = new Redis(`redis://127.0.0.1:${await freePort()}`)
    down.on('error', () => {})
    const { prisma } = cachedClient(fixture.db, {
      redis: down,
      namespace: fixture.namespace(),
      redisTimeout: 50,
    })
    const handler = dashboard(prisma)
    const server = await serve(handler)
    try {
      for (let i = 0; i < 10; i++) await prisma.user.count({ cacheStrategy: { ttl: 60 } })
      const feed = (await fetch(`${server.url}/feed`).then((r) => r.json())) as FeedResponse
      expect(feed.instances).toEqual([{ id: internalsOf(prisma).instanceId, self: true, age: 0 }])
      expect(feed.view.totals.reads).toBe(10)
      expect(feed.view.current.bus).toBe('down')
      expect(feed.view.breaker).toContain('open')
    } finally {
      await server.close()
      await prisma.$cache.close()
      down.disconnect()
    }
  })

  it('shows each instance sharing Redis, and the cluster as their sum, from bounded expiring snapshots', async () => {
    const namespace = fixture.namespace()
    const a = cachedClient(fixture.db, { redis: fixture.connection(), namespace })
    const b = cachedClient(fixture.db, { redis: fixture.connection(), namespace })
    const handlerA = dashboard(a.prisma, { authorize: authorized })
    // B publishes its figures without being mounted anywhere.
    const handlerB = dashboard(b.prisma)
    const server = await serve(handlerA)
    const idA = internalsOf(a.prisma).instanceId
    const idB = internalsOf(b.prisma).instanceId
    try {
      await a.prisma.user.create({ data: { email: 'cluster@example.io' } })
      for (let i = 0; i < 3; i++) await a.prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
      for (let i = 0; i < 5; i++) await b.prisma.user.count({ cacheStrategy: { ttl: 60 } })
      const { page } = await openPage(server.url)
      await expect
        .poll(
          () => page.$$eval('#instance option', (options) => options.map((o) => o.getAttribute('value'))),
          POLL,
        )
        .toEqual(['cluster', idA, idB])
      expect(await page.inputValue('#instance')).toBe('cluster')
      await expect.poll(() => tile(page, 'total-reads'), POLL).toBe(8)
      await page.selectOption('#instance', idB)
      await expect.poll(() => tile(page, 'total-reads'), POLL).toBe(5)
      expect(await page.textContent('#hot-keys tbody')).toContain('count')
      await page.selectOption('#instance', idA)
      await expect.poll(() => tile(page, 'total-reads'), POLL).toBe(3)
      expect(await page.textContent('#hot-keys tbody')).not.toContain('count')

      const redis = fixture.connection()
      const keys = clusterKeys(namespace)
      for (const key of [keys.index, keys.snapshot(idB)]) {
        const ttl = await redis.pttl(key)
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(5_000)
      }
      expect(await redis.zcard(keys.index)).toBe(2)
      await page.context().close()
    } finally {
      await server.close()
      await handlerB.close()
      await a.prisma.$cache.close()
      await b.prisma.$cache.close()
    }
  })
})
