import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

/** The examples' optional Redis tier (REDIS_URL), with a namespace of its own per run. */
export interface ExampleRedis {
  /** Undefined without REDIS_URL: the cache is in-process only. */
  redis: Redis | undefined
  /** A namespace of its own per run, so runs never see each other's entries in a shared Redis. */
  namespace: string
  /** Deletes the run's keys and closes the connection. */
  close(): Promise<void>
}

/** Connects to REDIS_URL when it is set. */
export function openRedis(): ExampleRedis {
  const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined
  const namespace = `example-${randomBytes(4).toString('hex')}`
  return {
    redis,
    namespace,
    async close() {
      if (redis === undefined) return
      // Only because each run uses a throwaway namespace: entries expire by themselves, version counters do not.
      for await (const keys of redis.scanStream({ match: `*${namespace}*` })) {
        if (keys.length > 0) await redis.del(...keys)
      }
      await redis.quit()
    },
  }
}
