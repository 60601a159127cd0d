/**
 * The names of the spans, metrics and attributes this package emits. The OpenTelemetry semantic conventions have
 * no cache attributes yet (open-telemetry/semantic-conventions#1747): these are this package's own, under
 * `query_cache.`, with Prisma's model and operation under `prisma.`. No attribute ever carries argument values
 * or result data: a read is named by its key's hash.
 */
export const SPAN = {
  read: 'query_cache.read',
  load: 'query_cache.load',
  invalidate: 'query_cache.invalidate',
} as const

export const METRIC = {
  reads: 'query_cache.reads',
  readDuration: 'query_cache.read.duration',
  invalidations: 'query_cache.invalidations',
  errors: 'query_cache.errors',
  memoryEntries: 'query_cache.memory.entries',
  memoryBytes: 'query_cache.memory.bytes',
  pendingInvalidations: 'query_cache.invalidations.pending',
  busUp: 'query_cache.bus.up',
  breakerOpen: 'query_cache.breaker.open',
  busDelay: 'query_cache.bus.delay',
} as const

export const ATTRIBUTE = {
  status: 'query_cache.status',
  tier: 'query_cache.tier',
  region: 'query_cache.region',
  key: 'query_cache.key',
  model: 'prisma.model',
  operation: 'prisma.operation',
  namespace: 'query_cache.namespace',
  missReason: 'query_cache.miss.reason',
  bypassReason: 'query_cache.bypass.reason',
  lockWait: 'query_cache.lock.wait_ms',
  cause: 'query_cache.invalidation.cause',
  mode: 'query_cache.invalidation.mode',
  dependencies: 'query_cache.invalidation.dependencies',
  precision: 'query_cache.invalidation.precision',
  errorKind: 'query_cache.error.kind',
} as const

/**
 * The hash part of a key (`namespace:region:Model:operation:hash`): what the `query_cache.key` attribute carries.
 */
export function keyHash(key: string): string {
  return key.slice(key.lastIndexOf(':') + 1)
}
