// Type tests of $cache.explain() and the telemetry option, checked by `npm run typecheck` (tsc); never executed.
import { metrics, trace } from '@opentelemetry/api'
import { expectTypeOf } from 'vitest'
import type { PrismaClient } from '../../generated/prisma/client.ts'
import { type CacheExplanation, queryCache } from '../../src/index.ts'

declare const base: PrismaClient
const prisma = base.$extends(queryCache({}))

export async function explainTakesAnyCachedRead(): Promise<void> {
  const where = { id: 1 }
  expectTypeOf(
    await prisma.$cache.explain(prisma.user.findUnique({ where })),
  ).toEqualTypeOf<CacheExplanation>()
  await prisma.$cache.explain(prisma.post.findMany({ where: { published: true }, cacheStrategy: { ttl: 5 } }))
  await prisma.$cache.explain(prisma.user.findUnique({ where }).posts())
  await prisma.$cache.explain(prisma.user.count({ cacheStrategy: false }))
  // @ts-expect-error a write is not a read
  await prisma.$cache.explain(prisma.user.create({ data: { email: 'a@x.io' } }))
  // @ts-expect-error a settled result is not a read
  await prisma.$cache.explain(await prisma.user.findMany())
}

export function telemetryTakesTheApiTypes(): void {
  queryCache({ telemetry: false })
  queryCache({ telemetry: { tracer: trace.getTracer('app'), meter: metrics.getMeter('app') } })
  // @ts-expect-error not a tracer
  queryCache({ telemetry: { tracer: {} } })
  // @ts-expect-error telemetry is false or an object
  queryCache({ telemetry: true })
}
