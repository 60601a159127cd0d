/**
 * An in-memory OpenTelemetry SDK for tests: spans kept by an InMemorySpanExporter, metrics read on demand by a
 * MetricReader, and the AsyncLocalStorage context manager so that the active span follows awaits.
 */
import { context, type Span, type Tracer, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { PrismaInstrumentation } from '@prisma/instrumentation'

/** A metric reader collected by hand. */
class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Makes the active span follow awaits (once per process). */
export function useAsyncContext(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
}

/** A tracer provider and a meter provider, both in memory. */
export function inMemorySdk() {
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const reader = new TestReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  return {
    exporter,
    tracerProvider,
    meterProvider,
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    /** Every metric collected now, by name. */
    async metrics(): Promise<Map<string, MetricData>> {
      const { resourceMetrics } = await reader.collect()
      const byName = new Map<string, MetricData>()
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric)
      }
      return byName
    },
  }
}

/** Prisma's own spans (`prisma:client:*`, `prisma:engine:*`), sent to `sdk`'s tracer provider. */
export function tracePrisma(sdk: ReturnType<typeof inMemorySdk>): PrismaInstrumentation {
  const instrumentation = new PrismaInstrumentation({ enabled: false })
  instrumentation.setTracerProvider(sdk.tracerProvider)
  instrumentation.enable()
  return instrumentation
}

/** Runs `fn` inside an active span named `name` of `tracer`; returns its result and the span. */
export async function inSpan<T>(tracer: Tracer, name: string, fn: () => Promise<T>): Promise<[T, Span]> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return [await fn(), span] as [T, Span]
    } finally {
      span.end()
    }
  })
}

/** The sum of a counter's points whose attributes include `match`. */
export function counted(metric: MetricData | undefined, match: Record<string, unknown> = {}): number {
  if (metric === undefined) return 0
  return (metric.dataPoints as DataPoint<number>[])
    .filter((point) => Object.entries(match).every(([k, v]) => point.attributes[k] === v))
    .reduce((sum, point) => sum + point.value, 0)
}

/** The number of values a histogram recorded at points whose attributes include `match`. */
export function recorded(metric: MetricData | undefined, match: Record<string, unknown> = {}): number {
  if (metric === undefined) return 0
  return (metric.dataPoints as DataPoint<Histogram>[])
    .filter((point) => Object.entries(match).every(([k, v]) => point.attributes[k] === v))
    .reduce((sum, point) => sum + point.value.count, 0)
}

/** The last value a gauge observed at a point whose attributes include `match`. */
export function gauge(
  metric: MetricData | undefined,
  match: Record<string, unknown> = {},
): number | undefined {
  const point = (metric?.dataPoints as DataPoint<number>[] | undefined)?.find((p) =>
    Object.entries(match).every(([k, v]) => p.attributes[k] === v),
  )
  return point?.value
}

/** The parent span id of a finished span (sdk-trace-base 2: `parentSpanContext`). */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId
}

export { trace }
