import { createRequire } from 'node:module'
import type * as OpenTelemetry from '@opentelemetry/api'

/** The `@opentelemetry/api` module, as this package uses it. */
export type OtelApi = typeof OpenTelemetry

let loaded: OtelApi | null | undefined

/**
 * `@opentelemetry/api` when it is installed, else undefined. It is an optional peer: nothing imports it at the top
 * level of a module, so an application without it never loads it; the first cache that asks loads it once.
 */
export function loadOtelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi
    } catch {
      loaded = null
    }
  }
  return loaded ?? undefined
}
