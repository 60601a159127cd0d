import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

/**
 * The examples' optional Redis: a connection to REDIS_URL (none when unset) and a namespace of its own per run
 * (`<prefix>-<random>`), so that runs never see each other's entries in a shared Redis.
 */
export function exampleRedis(prefix: string) {
  const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`
  return {
    redis,
    namespace,
    /** Deletes the run's keys (only because the namespace is a throwaway one) and quits. */
    async close() {
      if (redis === undefined) return
      // Entries expire by themselves, version counters do not.
      for await (const keys of redis.scanStream({ match: `*${namespace}*` })) {
        if (keys.length > 0) await redis.del(...keys)
      }
      await redis.quit()
    },
  }
}
