import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api'
import type { ReadResult } from '../../read/lookup.ts'
import type { Planned } from '../../read/planner.ts'
import { ATTRIBUTE, keyHash, SPAN } from './attributes.ts'
import type { OtelApi } from './otel-api.ts'

/** What the loader tells the load it runs (see `read/loader.ts`). */
export interface LoadInfo {
  /** Milliseconds the load waited for the cluster lease lock (or for its holder's entry) before it ran. */
  lockWaitMs?: number
}

/** A read's load: runs the query through Prisma. */
export type Load = (info?: LoadInfo) => Promise<unknown>

/** The attributes a planned read is known by before it is answered (never argument values: the key's hash). */
export function plannedAttributes(planned: Planned): Attributes {
  if (planned.kind === 'bypass') {
    return {
      [ATTRIBUTE.region]: planned.region,
      [ATTRIBUTE.model]: planned.model,
      [ATTRIBUTE.operation]: planned.operation,
      [ATTRIBUTE.bypassReason]: planned.reason,
    }
  }
  const { plan } = planned
  return {
    [ATTRIBUTE.region]: plan.region.name,
    [ATTRIBUTE.model]: plan.model,
    [ATTRIBUTE.operation]: plan.operation,
    [ATTRIBUTE.key]: keyHash(plan.key),
  }
}

/** The attributes an answer adds: status, tier, and for a miss the kind of its reason. */
export function answerAttributes(result: ReadResult): Attributes {
  const { status, tier, reason } = result.info
  return {
    [ATTRIBUTE.status]: status,
    ...(tier !== undefined ? { [ATTRIBUTE.tier]: tier } : {}),
    ...(reason !== undefined ? { [ATTRIBUTE.missReason]: reason.kind } : {}),
  }
}

/** Ends `span` as failed by `error`. */
export function failSpan(api: OtelApi, span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error))
  span.setStatus({ code: api.SpanStatusCode.ERROR })
  span.end()
}

/**
 * Serves one read under a `query_cache.read` span, a child of the caller's active span: `serve` runs in the span's
 * context (Redis spans nest under it), and the load it is given opens a `query_cache.load` span under the read
 * span and runs the query in that one's context, so that Prisma's own spans nest under the load. `attributes` are
 * the planned read's ({@link plannedAttributes}); `done` hears the answer (or the failure) once.
 */
export function tracedRead(
  api: OtelApi,
  tracer: Tracer,
  attributes: Attributes,
  load: Load,
  serve: (load: Load) => Promise<ReadResult> | ReadResult,
  done: (result: ReadResult | undefined) => void,
): Promise<ReadResult> | ReadResult {
  const parent = api.context.active()
  const span = tracer.startSpan(SPAN.read, { attributes }, parent)
  const inSpan = api.trace.setSpan(parent, span)
  const traced: Load = (info) => tracedLoad(api, tracer, inSpan, attributes, info, load)
  const succeed = (result: ReadResult): ReadResult => {
    span.setAttributes(answerAttributes(result))
    span.end()
    done(result)
    return result
  }
  const fail = (error: unknown): never => {
    failSpan(api, span, error)
    done(undefined)
    throw error
  }
  let answer: Promise<ReadResult> | ReadResult
  try {
    answer = api.context.with(inSpan, serve, undefined, traced)
  } catch (error) {
    return fail(error)
  }
  return answer instanceof Promise ? answer.then(succeed, fail) : succeed(answer)
}

function tracedLoad(
  api: OtelApi,
  tracer: Tracer,
  parent: Context,
  attributes: Attributes,
  info: LoadInfo | undefined,
  load: Load,
): Promise<unknown> {
  const { [ATTRIBUTE.bypassReason]: _bypass, ...own } = attributes
  const lockWait = info?.lockWaitMs
  const span = tracer.startSpan(
    SPAN.load,
    { attributes: lockWait === undefined ? own : { ...own, [ATTRIBUTE.lockWait]: lockWait } },
    parent,
  )
  let running: Promise<unknown>
  try {
    running = api.context.with(api.trace.setSpan(parent, span), load, undefined, info)
  } catch (error) {
    failSpan(api, span, error)
    throw error
  }
  return running.then(
    (data) => {
      span.end()
      return data
    },
    (error: unknown) => {
      failSpan(api, span, error)
      throw error
    },
  )
}
