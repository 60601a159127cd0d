import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueryCacheOptions } from '../../src/index.ts'
import { INTERNAL_HOOKS } from '../../src/prisma/extension.ts'
import type { LoaderHooks } from '../../src/read/loader.ts'
import { deadRedis } from '../setup/private-redis.ts'
import { cachedClient, latch, useFixture } from './helpers.ts'
import {
  counted,
  gauge,
  inMemorySdk,
  inSpan,
  parentOf,
  recorded,
  tracePrisma,
  useAsyncContext,
} from './telemetry/otel-sdk.ts'

// OpenTelemetry with an in-memory SDK: spans and their parents (the caller's span → query_cache.read →
// query_cache.load → Prisma's own spans), attributes that never carry argument values, metrics, and nothing at all
// with `telemetry: false`.

const fixture = useFixture()
const TTL = { ttl: 60 } as const
/** A value passed as a query argument: it must appear in no span attribute. */
const SECRET = 'secret-argument-4711@x.io'

useAsyncContext()
const sdk = inMemorySdk()
const prismaTracing = tracePrisma(sdk)
afterAll(() => prismaTracing.disable())

const telemetry = { tracer: sdk.tracer, meter: sdk.meter } satisfies QueryCacheOptions['telemetry']

/** The cache's own spans finished so far, oldest first. */
const cacheSpans = () => sdk.spans().filter((s) => s.name.startsWith('query_cache.'))

describe.each([
  { name: 'memory only', redis: false, memory: true, tier: 'memory' },
  { name: 'redis only', redis: true, memory: false, tier: 'redis' },
])('spans ($name)', ({ redis, memory, tier }) => {
  const options = (): QueryCacheOptions => ({
    telemetry,
    ...(redis ? { redis: fixture.connection(), namespace: fixture.namespace() } : {}),
    ...(memory ? {} : { memory: false as const }),
  })

  it("a miss: caller's span → query_cache.read → query_cache.load → Prisma's spans; then a hit", async () => {
    const { prisma } = cachedClient(fixture.db, options())
    await prisma.user.create({ data: { email: SECRET } })
    sdk.exporter.reset()
    const read = () =>
      prisma.user.findUnique({ where: { email: SECRET }, cacheStrategy: TTL }).withCacheInfo()
    const [miss, caller] = await inSpan(sdk.tracer, 'caller', read)
    expect(miss.info.status).toBe('miss')
    const spans = sdk.spans()
    const readSpan = spans.find((s) => s.name === 'query_cache.read')!
    const loadSpan = spans.find((s) => s.name === 'query_cache.load')!
    expect(parentOf(readSpan)).toBe(caller.spanContext().spanId)
    expect(readSpan.spanContext().traceId).toBe(caller.spanContext().traceId)
    expect(parentOf(loadSpan)).toBe(readSpan.spanContext().spanId)
    const prismaSpans = spans.filter((s) => s.name.startsWith('prisma:'))
    expect(prismaSpans.length).toBeGreaterThan(0)
    // Prisma's outermost span for the query is a child of the load: the query ran in the load's context.
    const outermost = prismaSpans.filter(
      (s) => !prismaSpans.some((p) => p.spanContext().spanId === parentOf(s)),
    )
    expect(outermost.map(parentOf)).toEqual(outermost.map(() => loadSpan.spanContext().spanId))
    expect(readSpan.attributes).toMatchObject({
      'query_cache.status': 'miss',
      'query_cache.region': 'default',
      'prisma.model': 'User',
      'prisma.operation': 'findUnique',
      'query_cache.key': miss.info.key.split(':').at(-1),
      'query_cache.miss.reason': 'absent',
    })
    expect(readSpan.attributes['query_cache.tier']).toBeUndefined()
    if (redis) expect(loadSpan.attributes['query_cache.lock.wait_ms']).toBeGreaterThanOrEqual(0)

    sdk.exporter.reset()
    const [hit] = await inSpan(sdk.tracer, 'caller', read)
    expect(hit.info).toMatchObject({ status: 'hit', tier })
    expect(
      cacheSpans().map((s) => [s.name, s.attributes['query_cache.status'], s.attributes['query_cache.tier']]),
    ).toEqual([['query_cache.read', 'hit', tier]])
    expect(sdk.spans().some((s) => s.name.startsWith('prisma:'))).toBe(false)
    await prisma.$cache.close()
  })

  it('writes and API invalidations: query_cache.invalidate with cause, dependencies count, precision', async () => {
    const { prisma } = cachedClient(fixture.db, options())
    const user = await prisma.user.create({ data: { email: SECRET } })
    await prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 60, tags: ['people'] } })
    sdk.exporter.reset()
    await prisma.user.update({ where: { id: user.id }, data: { name: 'n' } })
    await prisma.user.updateMany({ where: { name: 'n' }, data: { active: false } })
    await prisma.$cache.invalidate({ tags: ['people'] })
    await prisma.$cache.invalidateAll()
    const invalidations = cacheSpans().filter((s) => s.name === 'query_cache.invalidate')
    expect(
      invalidations.map((s) => [
        s.attributes['query_cache.invalidation.cause'],
        s.attributes['prisma.operation'],
        s.attributes['query_cache.invalidation.precision'],
      ]),
    ).toEqual([
      ['write', 'update', 'row'],
      ['write', 'updateMany', 'model'],
      ['api', undefined, undefined],
      ['api', undefined, undefined],
    ])
    for (const span of invalidations)
      expect(span.attributes['query_cache.invalidation.dependencies']).toBeGreaterThan(0)
    expect(invalidations[2]!.attributes['query_cache.invalidation.dependencies']).toBe(1)
    await prisma.$cache.close()
  })
})

describe('lock wait', () => {
  it("the load span says how long it waited for another instance's lease lock", async () => {
    const namespace = fixture.namespace()
    const aLoading = latch()
    const bWaited = latch()
    const aHooks: LoaderHooks = {
      afterCapture: async () => {
        aLoading.open()
        await bWaited.promise
        throw new Error('instance A gives up its load')
      },
    }
    const bHooks: LoaderHooks = { afterLockWait: () => bWaited.open() }
    const instance = (hooks: LoaderHooks, traced: boolean) =>
      cachedClient(fixture.db, {
        redis: fixture.connection(),
        namespace,
        telemetry: traced ? telemetry : false,
        [INTERNAL_HOOKS]: hooks,
      } as QueryCacheOptions)
    const a = instance(aHooks, false)
    const b = instance(bHooks, true)
    const read = (client: typeof a.prisma) => client.user.count({ cacheStrategy: TTL }).withCacheInfo()
    const aRead = read(a.prisma).then(
      () => 'loaded',
      (error: Error) => error.message,
    )
    await aLoading.promise
    sdk.exporter.reset()
    const started = performance.now()
    const bRead = await read(b.prisma)
    const elapsed = performance.now() - started
    expect(await aRead).toBe('instance A gives up its load')
    expect(bRead.info.status).toBe('miss')
    const load = cacheSpans().find((s) => s.name === 'query_cache.load')
    const waited = load?.attributes['query_cache.lock.wait_ms'] as number
    // B polled at least once while A held the lock, and loaded after it: the wait is part of B's read.
    expect(waited).toBeGreaterThan(1)
    expect(waited).toBeLessThan(elapsed)
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })
})

describe('attributes and statuses', () => {
  it('bypass and stale reads have their status; no span attribute carries an argument value', async () => {
    let now = 1_700_000_000_000
    const { prisma } = cachedClient(fixture.db, { telemetry, clock: () => now })
    await prisma.user.create({ data: { email: SECRET } })
    sdk.exporter.reset()
    const where = { email: SECRET }
    await prisma.user.findMany({ where, cacheStrategy: false })
    await prisma.user.findMany({ where, cacheStrategy: { ttl: 1, swr: 60 } })
    now += 5_000
    await prisma.user.findMany({ where, cacheStrategy: { ttl: 1, swr: 60 } })
    await prisma.$cache.close()
    const reads = cacheSpans().filter((s) => s.name === 'query_cache.read')
    expect(reads.map((s) => s.attributes['query_cache.status'])).toEqual(['bypass', 'miss', 'stale'])
    expect(reads[0]!.attributes['query_cache.bypass.reason']).toBe('strategy')
    const text = JSON.stringify(cacheSpans().map((s) => [s.name, s.attributes, s.events]))
    expect(text).not.toContain('secret-argument')
    expect(text).not.toContain('4711')
  })

  it('a failing load ends its spans with an error status', async () => {
    const { prisma } = cachedClient(fixture.db, { telemetry })
    sdk.exporter.reset()
    await expect(prisma.user.findUniqueOrThrow({ where: { id: -1 }, cacheStrategy: TTL })).rejects.toThrow()
    const [load, read] = ['query_cache.load', 'query_cache.read'].map((name) =>
      cacheSpans().find((s) => s.name === name),
    )
    expect(load?.status.code).toBe(2)
    expect(read?.status.code).toBe(2)
    await prisma.$cache.close()
  })
})

describe('metrics', () => {
  it('reads by status, tier, region and model; durations; invalidations by cause; memory gauges', async () => {
    const local = inMemorySdk()
    const { prisma } = cachedClient(fixture.db, { telemetry: { meter: local.meter, tracer: local.tracer } })
    await prisma.user.count({ cacheStrategy: TTL })
    await prisma.user.count({ cacheStrategy: TTL })
    await prisma.user.count({ cacheStrategy: TTL })
    await prisma.post.findMany({ cacheStrategy: false })
    await prisma.user.create({ data: { email: SECRET } })
    await prisma.$cache.invalidate({ models: ['User'] })
    const metrics = await local.metrics()
    const reads = metrics.get('query_cache.reads')
    const user = { 'query_cache.region': 'default', 'prisma.model': 'User' }
    expect(counted(reads, { ...user, 'query_cache.status': 'miss' })).toBe(1)
    expect(counted(reads, { ...user, 'query_cache.status': 'hit', 'query_cache.tier': 'memory' })).toBe(2)
    expect(counted(reads, { 'prisma.model': 'Post', 'query_cache.status': 'bypass' })).toBe(1)
    const duration = metrics.get('query_cache.read.duration')
    expect(duration?.descriptor.unit).toBe('ms')
    expect(recorded(duration, { 'query_cache.status': 'hit', 'query_cache.tier': 'memory' })).toBe(2)
    expect(recorded(duration)).toBe(4)
    const invalidations = metrics.get('query_cache.invalidations')
    expect(counted(invalidations, { 'query_cache.invalidation.cause': 'write' })).toBe(1)
    expect(counted(invalidations, { 'query_cache.invalidation.cause': 'api' })).toBe(1)
    expect(gauge(metrics.get('query_cache.memory.entries'))).toBe(1)
    expect(gauge(metrics.get('query_cache.memory.bytes'))).toBeGreaterThan(0)
    expect(gauge(metrics.get('query_cache.invalidations.pending'))).toBe(0)
    expect(metrics.has('query_cache.bus.up')).toBe(false)
    const text = JSON.stringify([...metrics.values()].map((m) => m.dataPoints.map((p) => p.attributes)))
    expect(text).not.toContain('secret-argument')
    await prisma.$cache.close()
  })

  it('Redis down: errors by kind, breaker open, bus down', async () => {
    const local = inMemorySdk()
    const down = deadRedis()
    const { prisma } = cachedClient(fixture.db, {
      redis: down,
      namespace: fixture.namespace(),
      memory: false,
      redisTimeout: 50,
      telemetry: { meter: local.meter, tracer: local.tracer },
    })
    for (let i = 0; i < 8; i++) await prisma.user.findMany({ cacheStrategy: TTL })
    const metrics = await local.metrics()
    expect(counted(metrics.get('query_cache.errors'), { 'query_cache.error.kind': 'read' })).toBeGreaterThan(
      0,
    )
    expect(gauge(metrics.get('query_cache.breaker.open'))).toBe(1)
    expect(gauge(metrics.get('query_cache.bus.up'))).toBe(0)
    await prisma.$cache.close()
    down.disconnect()
  })

  it("another instance's write: counted with cause bus, and the bus delay recorded", async () => {
    const local = inMemorySdk()
    const namespace = fixture.namespace()
    const a = cachedClient(fixture.db, {
      redis: fixture.connection(),
      namespace,
      telemetry: { meter: local.meter, tracer: local.tracer },
    })
    const b = cachedClient(fixture.db, { redis: fixture.connection(), namespace, telemetry: false })
    const user = await a.prisma.user.create({ data: { email: SECRET } })
    await a.prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: TTL })
    await b.prisma.user.update({ where: { id: user.id }, data: { name: 'x' } })
    for (let i = 0; i < 200 && !a.events.some((e) => e.type === 'invalidate' && e.cause === 'bus'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const metrics = await local.metrics()
    expect(
      counted(metrics.get('query_cache.invalidations'), { 'query_cache.invalidation.cause': 'bus' }),
    ).toBe(1)
    expect(recorded(metrics.get('query_cache.bus.delay'))).toBe(1)
    expect(gauge(metrics.get('query_cache.bus.up'))).toBe(1)
    expect(gauge(metrics.get('query_cache.breaker.open'))).toBe(0)
    await a.prisma.$cache.close()
    await b.prisma.$cache.close()
  })
})

describe('global providers', () => {
  const global = inMemorySdk()
  beforeAll(() => {
    expect(global.tracerProvider).toBeDefined()
  })

  it('by default, spans and metrics go to the global providers; telemetry: false emits nothing', async () => {
    const { trace, metrics } = await import('@opentelemetry/api')
    // A provider registered after the client was extended is used for spans (the global proxy).
    const { prisma: early } = cachedClient(fixture.db, {})
    await early.user.count({ cacheStrategy: TTL })
    expect(global.spans()).toEqual([])
    trace.setGlobalTracerProvider(global.tracerProvider)
    metrics.setGlobalMeterProvider(global.meterProvider)
    const { prisma: off } = cachedClient(fixture.db, { telemetry: false })
    const { prisma: on } = cachedClient(fixture.db, {})
    await off.user.count({ cacheStrategy: TTL })
    await off.user.count({ cacheStrategy: TTL })
    await off.user.create({ data: { email: SECRET } })
    await off.$cache.invalidateAll()
    expect(global.spans().filter((s) => s.name.startsWith('query_cache.'))).toEqual([])
    expect((await global.metrics()).has('query_cache.reads')).toBe(false)
    await on.user.count({ cacheStrategy: TTL })
    await early.user.count({ cacheStrategy: TTL })
    const reads = global.spans().filter((s) => s.name === 'query_cache.read')
    expect(reads.map((s) => s.attributes['query_cache.status'])).toEqual(['miss', 'hit'])
    expect(counted((await global.metrics()).get('query_cache.reads'))).toBe(1)
    for (const client of [early, off, on]) await client.$cache.close()
  })
})
