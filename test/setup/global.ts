import type { TestProject } from 'vitest/node'
import { type ResolvedService, resolveDatabaseService, resolveRedisService } from './services.ts'

/**
 * Vitest global setup: finds (or starts) PostgreSQL and Redis once per run, provides their URLs to test
 * workers as `inject('databaseUrl')` and `inject('redisUrl')`, and returns the teardown that stops any
 * container it started.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [database, redis] = await Promise.allSettled([resolveDatabaseService(), resolveRedisService()])
  const started = [database, redis].flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(started.map((service) => service.stop()))
  }
  if (database.status === 'rejected' || redis.status === 'rejected') {
    await stopAll()
    const reasons = [database, redis].flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    )
    throw reasons.length === 1 ? reasons[0] : new AggregateError(reasons, reasons.map(messageOf).join('\n\n'))
  }
  project.provide('databaseUrl', database.value.url)
  project.provide('redisUrl', redis.value.url)
  if (started.some((service) => service.source === 'container')) {
    console.info(`test services: PostgreSQL (${describe(database.value)}), Redis (${describe(redis.value)})`)
  }
  return stopAll
}

function describe(service: ResolvedService): string {
  return service.source === 'container' ? `container at ${service.url}` : service.source
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason)
}
