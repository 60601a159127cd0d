import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api'
import { ATTRIBUTE, METRIC } from './attributes.ts'
import type { OtelApi } from './otel-api.ts'

/** What the observable gauges read, when a metric reader collects. */
export interface GaugeSources {
  namespace: string
  /** Entries and bytes of the memory tier, when there is one. */
  memory(): { entries: number; bytes: number } | undefined
  pendingInvalidations(): number
  /** With Redis: whether the bus subscription is live. */
  busUp(): boolean | undefined
  /** With Redis: whether the circuit breaker is open. */
  breakerOpen(): boolean | undefined
}

/**
 * The instruments of one cache: counters and histograms recorded as things happen, observable gauges read at
 * collection. Attribute names are those of the spans (see `attributes.ts`).
 */
export class CacheMetrics {
  readonly #reads: Counter
  readonly #duration: Histogram
  readonly #invalidations: Counter
  readonly #errors: Counter
  readonly #busDelay: Histogram
  readonly #namespace: Attributes
  /** Removes the gauges' callbacks. */
  readonly #detach: () => void

  constructor(meter: Meter, sources: GaugeSources) {
    this.#reads = meter.createCounter(METRIC.reads, {
      description: 'Cached reads, by status (hit, stale, miss, bypass), tier, region and model',
    })
    this.#duration = meter.createHistogram(METRIC.readDuration, {
      description: 'Time from a cached read call to its answer, by status and tier',
      unit: 'ms',
    })
    this.#invalidations = meter.createCounter(METRIC.invalidations, {
      description: 'Invalidations, by cause (write, api, raw-sql, bus)',
    })
    this.#errors = meter.createCounter(METRIC.errors, {
      description: 'Cache trouble turned into misses or retries, by kind (the failing operation)',
    })
    this.#busDelay = meter.createHistogram(METRIC.busDelay, {
      description: "Delay from another instance's invalidation to this instance hearing of it (wall clocks)",
      unit: 'ms',
    })
    this.#namespace = { [ATTRIBUTE.namespace]: sources.namespace }
    const attributes = this.#namespace
    const gauge = (name: string, description: string, read: () => number | undefined) => {
      const instrument = meter.createObservableGauge(name, { description })
      const callback = (result: ObservableResult) => {
        const value = read()
        if (value !== undefined) result.observe(value, attributes)
      }
      instrument.addCallback(callback)
      return { instrument, callback }
    }
    const bit = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0)
    const made = [
      gauge(METRIC.memoryEntries, 'Entries held by the memory tier', () => sources.memory()?.entries),
      gauge(METRIC.memoryBytes, 'Bytes held by the memory tier', () => sources.memory()?.bytes),
      gauge(METRIC.pendingInvalidations, 'Invalidations an outage kept from Redis, being retried', () =>
        sources.pendingInvalidations(),
      ),
      gauge(METRIC.busUp, 'Whether the cross-instance bus subscription is live (1) or down (0)', () =>
        bit(sources.busUp()),
      ),
      gauge(METRIC.breakerOpen, 'Whether the Redis circuit breaker is open (1) or closed (0)', () =>
        bit(sources.breakerOpen()),
      ),
    ]
    this.#detach = () => {
      for (const { instrument, callback } of made) instrument.removeCallback(callback)
    }
  }

  /** A cached read answered (or failed) after `durationMs`. */
  read(attributes: Attributes, status: string, tier: string | undefined, durationMs: number): void {
    this.#reads.add(1, attributes)
    this.#duration.record(durationMs, {
      [ATTRIBUTE.status]: status,
      ...(tier !== undefined ? { [ATTRIBUTE.tier]: tier } : {}),
    })
  }

  invalidation(cause: string): void {
    this.#invalidations.add(1, { [ATTRIBUTE.cause]: cause })
  }

  error(kind: string, tier: string | undefined): void {
    this.#errors.add(1, {
      [ATTRIBUTE.errorKind]: kind,
      ...(tier !== undefined ? { [ATTRIBUTE.tier]: tier } : {}),
    })
  }

  busDelay(ms: number): void {
    this.#busDelay.record(Math.max(0, ms), this.#namespace)
  }

  /** Stops the gauges' callbacks (`$cache.close()`). */
  close(): void {
    this.#detach()
  }
}

/** True when `meter` records something: the no-op meter of an API without a provider does not. */
export function isRecordingMeter(api: OtelApi, meter: Meter): boolean {
  return meter.constructor !== api.createNoopMeter().constructor
}
