/**
 * An OpenTelemetry SDK as an application would run it, for the bench rows that price telemetry: spans sampled
 * and batched to an exporter that drops them, metrics aggregated for a reader (never collected here).
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { TelemetryOptions } from '../../src/index.ts'

/** Drops every span it is given. */
const DISCARD: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
}

class IdleReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A tracer and a meter of an SDK, for `telemetry`, and the function that shuts it down. */
export function benchSdk(): { telemetry: TelemetryOptions; shutdown: () => Promise<void> } {
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(DISCARD)] })
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] })
  return {
    telemetry: { tracer: tracerProvider.getTracer('bench'), meter: meterProvider.getMeter('bench') },
    shutdown: async () => {
      await tracerProvider.shutdown()
      await meterProvider.shutdown()
    },
  }
}
