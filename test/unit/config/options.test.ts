import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../src/config/options.ts'
import { parseStrategy } from '../../../src/config/strategy.ts'
import { ConfigError, DEFAULTS, QueryCacheError, StrategyError } from '../../../src/index.ts'
import type { QueryCacheOptions } from '../../../src/types.ts'

describe('resolveOptions', () => {
  it('fills defaults from DEFAULTS, with a default region', () => {
    const resolved = resolveOptions({})
    expect(resolved.namespace).toBe(DEFAULTS.namespace)
    expect(resolved.regions.get('default')).toEqual({
      name: 'default',
      ttlMs: DEFAULTS.region.ttl * 1000,
      swrMs: 0,
      staleIfErrorMs: 0,
      lock: true,
      lockLeaseMs: DEFAULTS.region.lockLease * 1000,
      memory: true,
      redis: false,
    })
    expect(resolved.memory).toEqual(DEFAULTS.memory)
  })

  it('resolves regions in seconds to milliseconds, and tiers against the Redis setting', () => {
    const resolved = resolveOptions({
      redis: 'redis://127.0.0.1:6379',
      regions: {
        reference: { ttl: 3600, swr: 600, staleIfError: 86400 },
        hot: { ttl: 5, tiers: ['memory'] },
      },
    })
    expect(resolved.regions.get('reference')).toMatchObject({ ttlMs: 3_600_000, swrMs: 600_000, redis: true })
    expect(resolved.regions.get('hot')).toMatchObject({ ttlMs: 5_000, memory: true, redis: false })
  })

  const invalid: [string, unknown, RegExp][] = [
    ['negative ttl', { regions: { default: { ttl: -1 } } }, /regions\.default\.ttl must be a finite number/],
    ['NaN swr', { regions: { x: { swr: Number.NaN } } }, /regions\.x\.swr/],
    ['unknown region option', { regions: { x: { ttll: 1 } } }, /regions\.x\.ttll is not an option/],
    ['bad tiers', { regions: { x: { tiers: ['disk'] } } }, /regions\.x\.tiers/],
    ['empty tiers', { regions: { x: { tiers: [] } } }, /regions\.x\.tiers/],
    [
      'unknown model region',
      { models: { User: { region: 'nope' } } },
      /models\.User\.region 'nope' is not a region/,
    ],
    ['non-boolean cache', { models: { User: { cache: 'no' } } }, /models\.User\.cache must be a boolean/],
    ['bad namespace', { namespace: 'a b' }, /namespace must be/],
    ['namespace with a brace', { namespace: 'a{b}' }, /namespace must be/],
    ['bad region name', { regions: { 'a:b': {} } }, /region name 'a:b'/],
    ['memory bound', { memory: { maxEntries: 0 } }, /memory\.maxEntries must be an integer ≥ 1/],
    ['memory bytes', { memory: { maxBytes: 10.5 } }, /memory\.maxBytes must be an integer/],
    ['unknown option', { ttl: 5 }, /options\.ttl is not an option/],
    ['redis not a client', { redis: { foo: 1 } }, /redis must be an ioredis/],
    ['redis URL scheme', { redis: 'http://x' }, /redis URL must start with redis:\/\//],
    ['onEvent', { onEvent: 5 }, /onEvent must be a function/],
  ]

  it.each(invalid)('rejects %s with a ConfigError naming the option', (_, options, message) => {
    let error: unknown
    try {
      resolveOptions(options as QueryCacheOptions)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect(error).toBeInstanceOf(QueryCacheError)
    expect((error as ConfigError).code).toBe('E_CONFIG_INVALID')
    expect((error as Error).message).toMatch(message)
  })
})

describe('parseStrategy', () => {
  const regions = resolveOptions({ regions: { hot: { ttl: 5 } } }).regions

  it('accepts the documented fields and normalises tags (sorted, unique)', () => {
    expect(
      parseStrategy({ ttl: 1.5, swr: 2, tags: ['b', 'a', 'b'], region: 'hot', refresh: true }, regions, 'op'),
    ).toEqual({
      ttlMs: 1500,
      swrMs: 2000,
      tags: ['a', 'b'],
      region: 'hot',
      refresh: true,
    })
    expect(parseStrategy(false, regions, 'op')).toBe(false)
    expect(parseStrategy(undefined, regions, 'op')).toBeUndefined()
  })

  const invalid: [string, unknown, RegExp][] = [
    [
      'negative ttl',
      { ttl: -5 },
      /User\.findMany: cacheStrategy\.ttl must be a finite number of seconds ≥ 0/,
    ],
    ['string ttl', { ttl: '5' }, /cacheStrategy\.ttl/],
    ['unknown field', { ttl: 5, tll: 1 }, /cacheStrategy\.tll is not an option/],
    ['unknown region', { region: 'cold' }, /cacheStrategy\.region 'cold' is not a region/],
    ['tags not an array', { tags: 'a' }, /cacheStrategy\.tags must be an array/],
    ['bad tag', { tags: ['has space'] }, /tag "has space"/],
    ['empty tag', { tags: [''] }, /tag ""/],
    ['too many tags', { tags: Array.from({ length: 65 }, (_, i) => `t${i}`) }, /at most 64/],
    ['refresh not boolean', { refresh: 'yes' }, /refresh must be a boolean/],
    ['true', true, /must be an object or false/],
    ['array', [], /must be an object or false/],
  ]

  it.each(invalid)(
    'rejects %s with a StrategyError naming the operation and field',
    (_, strategy, message) => {
      expect(() => parseStrategy(strategy, regions, 'User.findMany')).toThrow(StrategyError)
      expect(() => parseStrategy(strategy, regions, 'User.findMany')).toThrow(message)
    },
  )
})

describe('telemetry option', () => {
  const tracer = { startSpan: () => ({}) }
  const meter = { createCounter: () => ({}), createHistogram: () => ({}), createObservableGauge: () => ({}) }

  it('defaults to the global providers ({}), takes false, a tracer and a meter', () => {
    expect(resolveOptions({}).telemetry).toEqual({})
    expect(resolveOptions({ telemetry: false }).telemetry).toBe(false)
    expect(resolveOptions({ telemetry: { tracer, meter } }).telemetry).toEqual({ tracer, meter })
  })

  it.each([
    [true, /telemetry must be false or an object/],
    ['otel', /telemetry must be false or an object/],
    [{ tracer: {} }, /telemetry\.tracer must be an OpenTelemetry Tracer/],
    [{ meter: { createCounter: () => ({}) } }, /telemetry\.meter must be an OpenTelemetry Meter/],
    [{ exporter: {} }, /telemetry\.exporter is not an option/],
  ])('refuses %j with a ConfigError', (telemetry, message) => {
    const attempt = () => resolveOptions({ telemetry } as unknown as QueryCacheOptions)
    expect(attempt).toThrow(ConfigError)
    expect(attempt).toThrow(message)
  })
})
