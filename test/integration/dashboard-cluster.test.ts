import { afterAll, describe, expect, it } from 'vitest'
import { ClusterBoard, clusterKeys } from '../../src/dashboard/cluster.ts'
import type { InstanceSnapshot } from '../../src/dashboard/snapshot.ts'
import { createTestRedis } from '../setup/redis.ts'

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
    const board = new ClusterBoard(connection, namespace, { snapshotTtlMs: 5_000, maxInstances: 4 })
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
    const board = new ClusterBoard(connection, namespace, { snapshotTtlMs: 5_000, maxInstances: 8 })
    const now = Date.now()
    await board.publish(snapshot('old', now - 6_000))
    await board.publish(snapshot('live', now))
    await board.publish(snapshot('broken', now))
    await connection.set(clusterKeys(namespace).snapshot('broken'), '{not json', 'PX', 5_000)
    expect((await board.read(now)).map((s) => s.instance)).toEqual(['live'])
  })
})
