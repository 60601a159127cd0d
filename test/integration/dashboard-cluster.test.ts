import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { ClusterBoard, clusterKeys } from '../../src/dashboard/cluster.ts'
import type { InstanceSnapshot } from '../../src/dashboard/snapshot.ts'
import { freePort } from '../setup/private-redis.ts'
import { createTestRedis } from '../setup/redis.ts'
import { silentServer } from '../setup/silent-server.ts'

// What instances publish for the dashboard's cluster view, on the real Redis: bounded in count and in time.

const redis = createTestRedis()
afterAll(() => redis.close())

function snapshot(instance: string, at: number): InstanceSnapshot {
  return {
    instance,
    namespace: redis.namespace,
    at,
    bucketMs: 1_000,
    memory: null,
    buckets: [],
    hotKeys: [],
    misses: [],
  }
}

describe('cluster board', () => {
  it('lists at most maxInstances, the latest publishers, each snapshot expiring', async () => {
    const connection = redis.connect()
    const namespace = `${redis.namespace}a`
    const board = new ClusterBoard(connection, namespace, {
      snapshotTtlMs: 5_000,
      maxInstances: 4,
      redisTimeoutMs: 1_000,
    })
    const now = Date.now()
    for (let i = 0; i < 10; i++) await board.publish(snapshot(`i${i}`, now + i))
    const keys = clusterKeys(namespace)
    expect(await connection.zcard(keys.index)).toBe(4)
    const read = await board.read(now + 10)
    expect(read.map((s) => s.instance).sort()).toEqual(['i6', 'i7', 'i8', 'i9'])
    for (const key of [keys.index, keys.snapshot('i9')]) {
      const ttl = await connection.pttl(key)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(5_000)
    }
  })

  it('leaves out instances that stopped publishing and snapshots that do not parse', async () => {
    const connection = redis.connect()
    const namespace = `${redis.namespace}b`
    const board = new ClusterBoard(connection, namespace, {
      snapshotTtlMs: 5_000,
      maxInstances: 8,
      redisTimeoutMs: 1_000,
    })
    const now = Date.now()
    await board.publish(snapshot('old', now - 6_000))
    await board.publish(snapshot('live', now))
    await board.publish(snapshot('broken', now))
    await connection.set(clusterKeys(namespace).snapshot('broken'), '{not json', 'PX', 5_000)
    expect((await board.read(now)).map((s) => s.instance)).toEqual(['live'])
  })

  it('gives up on a Redis that refuses or never answers after redisTimeoutMs, at once once it is known down', async () => {
    const refused = new Redis(`redis://127.0.0.1:${await freePort()}`)
    refused.on('error', () => {})
    const silent = await silentServer()
    const mute = new Redis({ host: '127.0.0.1', port: silent.port })
    mute.on('error', () => {})
    const limits = { snapshotTtlMs: 5_000, maxInstances: 8, redisTimeoutMs: 200 }
    try {
      for (const connection of [refused, mute]) {
        const board = new ClusterBoard(connection, 'down', limits)
        const started = performance.now()
        await expect(board.read(Date.now())).rejects.toThrow(/dashboard: Redis/)
        await expect(board.publish(snapshot('x', Date.now()))).rejects.toThrow(/dashboard: Redis/)
        expect(performance.now() - started).toBeLessThan(1_000)
      }
      // Known down (reconnecting): no wait at all.
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(refused.status).toBe('reconnecting')
      const started = performance.now()
      await expect(new ClusterBoard(refused, 'down', limits).read(Date.now())).rejects.toThrow(/reconnecting/)
      expect(performance.now() - started).toBeLessThan(50)
    } finally {
      refused.disconnect()
      mute.disconnect()
      await silent.close()
    }
  })
})
