import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CacheEvent } from '../../src/index.ts'
import { cachedClient, createFixture, type Fixture } from './helpers.ts'

// The cache on a real Redis Cluster: three loopback nodes created by this file. Multi-key scripts keep their
// keys in one slot (version keys share the namespace's hash tag) while entries spread across slots.

const run = promisify(execFile)
const NODES = 3

let fixture: Fixture & { dispose(): Promise<void> }
let ports: number[] = []
let servers: ChildProcess[] = []
let dir = ''
const clusters: Cluster[] = []

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

async function ping(port: number): Promise<boolean> {
  const probe = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  })
  probe.on('error', () => {})
  try {
    await probe.connect()
    return (await probe.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

beforeAll(async () => {
  fixture = await createFixture()
  dir = await mkdtemp(path.join(tmpdir(), 'pqc-cluster-'))
  ports = []
  for (let i = 0; i < NODES; i++) ports.push(await freePort())
  servers = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  )
  for (const port of ports) {
    for (let attempt = 0; !(await ping(port)); attempt++) {
      if (attempt > 100) throw new Error(`redis-server on ${port} did not start`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((port) => `127.0.0.1:${port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ])
  const check = new Redis({ host: '127.0.0.1', port: ports[0] })
  for (let attempt = 0; !(await check.cluster('INFO')).includes('cluster_state:ok'); attempt++) {
    if (attempt > 200) throw new Error('the cluster did not become ready')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  check.disconnect()
}, 60_000)

afterAll(async () => {
  for (const cluster of clusters) cluster.disconnect()
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (server.exitCode !== null) return resolve()
          server.once('exit', () => resolve())
          server.kill('SIGTERM')
        }),
    ),
  )
  if (dir !== '') await rm(dir, { recursive: true, force: true })
  await fixture?.dispose()
})

beforeEach(async () => {
  await fixture.db.truncateAll()
})

function cluster(): Cluster {
  const client = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })))
  client.on('error', () => {})
  clusters.push(client)
  return client
}

describe('Redis Cluster', () => {
  it.each([
    { name: 'redis tier only', memory: false as const },
    { name: 'memory + redis', memory: undefined },
  ])('$name: miss, hit, invalidation by writes and by the API', async ({ memory }) => {
    const namespace = fixture.namespace()
    const { prisma, events } = cachedClient(fixture.db, {
      redis: cluster(),
      namespace,
      ...(memory === false ? { memory } : {}),
    })
    const user = await prisma.user.create({ data: { email: 'cluster@x.io', name: 'old' } })
    const read = () =>
      prisma.user
        .findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600, tags: ['c'] } })
        .withCacheInfo()
    expect((await read()).info.status).toBe('miss')
    await prisma.$cache.close()
    const hit = await read()
    expect(hit.info.status).toBe('hit')
    expect(hit.info.tier).toBe(memory === false ? 'redis' : 'memory')
    await prisma.user.update({ where: { id: user.id }, data: { name: 'new' } })
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data?.name).toBe('new')
    await prisma.$cache.invalidate({ tags: ['c'] })
    expect((await read()).info.status).toBe('miss')
    expect(events.filter((e) => e.type === 'error')).toEqual([])
    await prisma.$cache.close()
  })

  it('entries spread across the nodes while version keys share one slot', async () => {
    const namespace = fixture.namespace()
    const { prisma } = cachedClient(fixture.db, { redis: cluster(), namespace, memory: false })
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        prisma.user.findMany({ where: { id: i }, cacheStrategy: { ttl: 60 } }),
      ),
    )
    await prisma.$cache.close()
    const perNode: number[] = []
    const versionSlots = new Set<number>()
    for (const port of ports) {
      const node = new Redis({ host: '127.0.0.1', port })
      const keys = await node.keys(`*${namespace}*`)
      perNode.push(keys.filter((key) => !key.startsWith('{')).length)
      for (const key of keys.filter((k) => k.startsWith('{')))
        versionSlots.add(Number(await node.cluster('KEYSLOT', key)))
      node.disconnect()
    }
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(60)
    expect(perNode.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2)
    expect(versionSlots.size).toBe(1)
  })

  it('the invalidation bus works across instances on a cluster', async () => {
    const namespace = fixture.namespace()
    const received: CacheEvent[] = []
    let delivered: (() => void) | undefined
    const a = cachedClient(fixture.db, { redis: cluster(), namespace }).prisma
    const b = cachedClient(fixture.db, {
      redis: cluster(),
      namespace,
      onEvent: (event) => {
        received.push(event)
        if (event.type === 'invalidate' && event.cause === 'bus') delivered?.()
      },
    }).prisma
    const user = await a.user.create({ data: { email: 'bus-cluster@x.io', name: 'old' } })
    const read = () =>
      b.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
    await read()
    expect((await read()).info.tier).toBe('memory')
    const arrived = new Promise<void>((resolve) => {
      delivered = resolve
    })
    await a.user.update({ where: { id: user.id }, data: { name: 'new' } })
    await arrived
    expect((await read()).data?.name).toBe('new')
    await a.$cache.close()
    await b.$cache.close()
  })
})
