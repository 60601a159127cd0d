/**
 * The peer contestant: prisma-extension-redis (pinned in devDependencies), a Redis-only cache built as a Prisma
 * client extension, on the same Redis connection as this cache's Redis hits. It auto-caches every read; its
 * entries are JSON strings, so it gets a transformer that keeps `Date` and `BigInt` (the benchmark's rows
 * have both), as any user of it whose rows have them must give it. Its hit is checked to be a hit and to return
 * what the database returns.
 */
import { isDeepStrictEqual } from 'node:util'
import type { Redis } from 'ioredis'
import { PrismaExtensionRedis } from 'prisma-extension-redis'
import type { PrismaClient } from '../../generated/prisma/client.ts'
import { CACHE_STRATEGY, FIND_MANY_ARGS, type Query, type Reads, USER_ID } from './fixtures.ts'

/** Marks a JSON object that stands for a value JSON has no type for. */
const TYPE_TAG = '$pqcType'

/** JSON with `Date`, `BigInt` and byte arrays kept: a replacer and a reviver for them. */
export const TYPED_JSON = {
  serialize(data: unknown): string {
    return JSON.stringify(data, function (this: Record<string, unknown>, key, value: unknown) {
      const raw = this[key]
      if (raw instanceof Date) return { [TYPE_TAG]: 'date', value: raw.getTime() }
      if (typeof raw === 'bigint') return { [TYPE_TAG]: 'bigint', value: raw.toString() }
      if (raw instanceof Uint8Array)
        return { [TYPE_TAG]: 'bytes', value: Buffer.from(raw).toString('base64') }
      return value
    })
  },
  deserialize(data: unknown): unknown {
    return JSON.parse(String(data), (_key, value: unknown) => {
      if (typeof value !== 'object' || value === null || !(TYPE_TAG in value)) return value
      const tagged = value as { [TYPE_TAG]: string; value: string | number }
      if (tagged[TYPE_TAG] === 'date') return new Date(tagged.value)
      if (tagged[TYPE_TAG] === 'bigint') return BigInt(tagged.value)
      return new Uint8Array(Buffer.from(String(tagged.value), 'base64'))
    })
  },
}

/** Hits and misses the peer reported through its `onHit` / `onMiss` hooks. */
export interface PeerCounts {
  hits: number
  misses: number
}

/**
 * The benchmark's two queries on `client` with prisma-extension-redis on `connection`, its keys under `prefix`;
 * it auto-caches every read by its arguments and counts its hits and misses in `counts`.
 */
export function peerReads(
  client: PrismaClient,
  connection: Redis,
  prefix: string,
  counts: PeerCounts,
): Reads {
  const peer = client.$extends(
    PrismaExtensionRedis({
      config: {
        type: 'STRING',
        ttl: CACHE_STRATEGY.ttl,
        stale: 0,
        auto: { ttl: CACHE_STRATEGY.ttl },
        cacheKey: { prefix },
        transformer: TYPED_JSON,
        onHit: () => counts.hits++,
        onMiss: () => counts.misses++,
      },
      client: connection,
    }),
  )
  return {
    findUnique: () => peer.user.findUnique({ where: { id: USER_ID } }),
    findMany: () => peer.post.findMany(FIND_MANY_ARGS),
  }
}

/** Fills the peer's cache, then checks that its next read is a hit that returns what the database returns. */
export async function expectPeerHit(
  read: Reads[Query],
  counts: PeerCounts,
  expected: unknown,
): Promise<void> {
  await read()
  const before = { ...counts }
  const data = await read()
  if (counts.hits !== before.hits + 1 || counts.misses !== before.misses) {
    throw new Error('prisma-extension-redis: expected a hit')
  }
  if (!isDeepStrictEqual(data, expected)) {
    throw new Error('prisma-extension-redis: its hit returned something else than the database')
  }
}
