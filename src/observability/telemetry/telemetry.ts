import type { Attributes, Meter, Tracer } from '@opentelemetry/api'
import type { ReadResult } from '../../read/lookup.ts'
import type { Planned } from '../../read/planner.ts'
import type { TelemetryOptions } from '../../types.ts'
import { ATTRIBUTE, SPAN } from './attributes.ts'
import { CacheMetrics, type GaugeSources, isRecordingMeter } from './metrics.ts'
import { loadOtelApi, type OtelApi } from './otel-api.ts'
import { failSpan, type Load, plannedAttributes, tracedRead } from './read-span.ts'

/** The instrumentation scope of every span and metric. */
const SCOPE = 'prisma-query-cache'

/** What an invalidation span and counter say of it (never the dependencies themselves: pins hold row values). */
export interface InvalidationSummary {
  cause: string
  mode: 'hard' | 'soft'
  dependencies: number
  precision?: 'row' | 'model' | undefined
  model?: string | undefined
  operation?: string | undefined
}

/**
 * OpenTelemetry for one cache: spans for reads, loads and invalidations, and metrics. Built only when
 * `@opentelemetry/api` is installed and `telemetry` is not `false`. With the global providers, a read costs
 * nothing more than a check while no tracer provider is registered (a provider registered later is picked up),
 * and metrics are recorded only when a meter provider was registered before the cache was built.
 */
export class Telemetry {
  readonly #api: OtelApi
  readonly #tracer: Tracer
  /** Whether spans would go anywhere now. */
  readonly #tracing: () => boolean
  readonly #metrics: CacheMetrics | undefined

  constructor(api: OtelApi, options: TelemetryOptions, gauges: GaugeSources) {
    this.#api = api
    const explicit = options.tracer as Tracer | undefined
    this.#tracer = explicit ?? api.trace.getTracer(SCOPE)
    this.#tracing = explicit === undefined ? globalTracing(api) : () => true
    const meter = (options.meter as Meter | undefined) ?? api.metrics.getMeter(SCOPE)
    this.#metrics = isRecordingMeter(api, meter) ? new CacheMetrics(meter, gauges) : undefined
  }

  /** True when a read has anything to record: the hot path skips telemetry entirely otherwise. */
  get live(): boolean {
    return this.#metrics !== undefined || this.#tracing()
  }

  /** Serves a read through `serve`, under a span when tracing and timed for the metrics. */
  read(
    planned: Planned,
    load: Load,
    serve: (load: Load) => Promise<ReadResult> | ReadResult,
  ): Promise<ReadResult> | ReadResult {
    const started = performance.now()
    const metrics = this.#metrics
    const planAttributes = plannedAttributes(planned)
    const done = (result: ReadResult | undefined) => {
      if (metrics === undefined) return
      const status = result?.info.status ?? (planned.kind === 'bypass' ? 'bypass' : 'miss')
      const tier = result?.info.tier
      metrics.read(
        {
          [ATTRIBUTE.status]: status,
          ...(tier !== undefined ? { [ATTRIBUTE.tier]: tier } : {}),
          [ATTRIBUTE.region]: planAttributes[ATTRIBUTE.region],
          [ATTRIBUTE.model]: planAttributes[ATTRIBUTE.model],
        } as Attributes,
        status,
        tier,
        performance.now() - started,
      )
    }
    if (this.#tracing()) return tracedRead(this.#api, this.#tracer, planAttributes, load, serve, done)
    let answer: Promise<ReadResult> | ReadResult
    try {
      answer = serve(load)
    } catch (error) {
      done(undefined)
      throw error
    }
    if (!(answer instanceof Promise)) {
      done(answer)
      return answer
    }
    return answer.then(
      (result) => {
        done(result)
        return result
      },
      (error: unknown) => {
        done(undefined)
        throw error
      },
    )
  }

  /** Runs an invalidation under a `query_cache.invalidate` span (when tracing) and counts it by cause. */
  invalidate(summary: InvalidationSummary, run: () => Promise<void>): Promise<void> {
    this.#metrics?.invalidation(summary.cause)
    if (!this.#tracing()) return run()
    const api = this.#api
    const attributes: Attributes = {
      [ATTRIBUTE.cause]: summary.cause,
      [ATTRIBUTE.mode]: summary.mode,
      [ATTRIBUTE.dependencies]: summary.dependencies,
      ...(summary.precision !== undefined ? { [ATTRIBUTE.precision]: summary.precision } : {}),
      ...(summary.model !== undefined ? { [ATTRIBUTE.model]: summary.model } : {}),
      ...(summary.operation !== undefined ? { [ATTRIBUTE.operation]: summary.operation } : {}),
    }
    const parent = api.context.active()
    const span = this.#tracer.startSpan(SPAN.invalidate, { attributes }, parent)
    return api.context.with(api.trace.setSpan(parent, span), run).then(
      () => span.end(),
      (error: unknown) => {
        failSpan(api, span, error)
        throw error
      },
    )
  }

  /** Another instance's invalidation was heard over the bus, `delayMs` after it was sent. */
  heard(delayMs: number | undefined): void {
    this.#metrics?.invalidation('bus')
    if (delayMs !== undefined) this.#metrics?.busDelay(delayMs)
  }

  /** Cache trouble of `kind` (the failing operation: read, decode, lock, capture, invalidate, publish, …). */
  error(kind: string, tier: string | undefined): void {
    this.#metrics?.error(kind, tier)
  }

  /** Stops the gauges. */
  close(): void {
    this.#metrics?.close()
  }
}

/**
 * Whether the global tracer provider has a real provider behind it. The API's global is a proxy that delegates
 * to a no-op provider until an SDK registers: comparing its delegate with the no-op one is the cheap check a
 * memory hit pays. A global that is no such proxy is taken as live.
 */
function globalTracing(api: OtelApi): () => boolean {
  const provider = api.trace.getTracerProvider()
  if (!(provider instanceof api.ProxyTracerProvider)) return () => true
  const noop = new api.ProxyTracerProvider().getDelegate()
  return () => provider.getDelegate() !== noop
}

/**
 * The telemetry of a cache: undefined when `telemetry` is `false` or `@opentelemetry/api` is not installed (then
 * nothing of OpenTelemetry is loaded).
 */
export function createTelemetry(
  option: TelemetryOptions | false,
  gauges: GaugeSources,
): Telemetry | undefined {
  if (option === false) return undefined
  const api = loadOtelApi()
  return api === undefined ? undefined : new Telemetry(api, option, gauges)
}
