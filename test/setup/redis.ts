import { randomBytes } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import { inject } from 'vitest'

/** Options of {@link createTestRedis}. */
export interface TestRedisOptions {
  /** Redis URL. Default: `inject('redisUrl')` from the global setup. */
  url?: string
}

/** A Redis namespace of its own for one test file, on the shared test Redis. */
export interface TestRedis {
  /** URL of the Redis server. */
  readonly url: string
  /** A namespace no other call returns (`t` + 12 hex digits): pass it as the cache's `namespace`. */
  readonly namespace: string
  /** Opens a new ioredis connection to {@link TestRedis.url}, closed by {@link TestRedis.close}. */
  connect(options?: RedisOptions): Redis
  /**
   * Closes every connection opened by {@link TestRedis.connect}, then deletes the keys containing the
   * namespace, found with SCAN (fine for tests, never for the library). Safe to call twice.
   */
  close(): Promise<void>
}

const SCAN_BATCH = 1_000

/** Creates a {@link TestRedis} with a fresh namespace. */
export function createTestRedis(options: TestRedisOptions = {}): TestRedis {
  const url = options.url ?? inject('redisUrl')
  const namespace = `t${randomBytes(6).toString('hex')}`
  const connections = new Set<Redis>()
  let closed: Promise<void> | undefined

  return {
    url,
    namespace,
    connect(redisOptions = {}) {
      if (closed) throw new Error(`Test Redis namespace ${namespace} was closed`)
      const redis = new Redis(url, redisOptions)
      connections.add(redis)
      return redis
    },
    close() {
      closed ??= (async () => {
        await Promise.allSettled([...connections].map(quit))
        await deleteKeysContaining(url, namespace)
      })()
      return closed
    },
  }
}

/** Quits gracefully when connected, otherwise drops the connection (and any reconnect attempts). */
async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit()
      return
    } catch {
      // fall through: the connection broke while quitting
    }
  }
  redis.disconnect()
}

async function deleteKeysContaining(url: string, namespace: string): Promise<void> {
  // Keys may put the namespace inside a hash tag (`{ns}:...`) or after a prefix, so match it anywhere.
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  try {
    const stream = redis.scanStream({ match: `*${namespace}*`, count: SCAN_BATCH })
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys)
    }
  } finally {
    await quit(redis)
  }
}
