import type { MissReason } from '../types.ts'

/** A miss reason as the dashboard shows it: a pin's values and a tag's name removed. */
export interface ShownReason {
  kind: MissReason['kind']
  /** `expired`: the entry's age (ms). */
  age?: number
  /**
   * `invalidated`: the dependency that moved, without values: a model (`User`), `!User`, a pin's model and fields
   * (`=User.email`), `#tag` for any tag, `@region`, `~region`, `*`.
   */
  dependency?: string
  cause?: string
  /** The model and operation of the write that moved it. */
  model?: string
  operation?: string
  at?: number
}

/** Dependencies shown as they are: names from the schema and the options, never from arguments. */
const NAMED = /^[!@~%*]?[A-Za-z0-9_.+-]*$/

/**
 * The dependency without anything a query or a caller supplied: a pin `=User.email="a@x.io"` becomes
 * `=User.email`, a tag becomes `#tag` (tags may be made from arguments), anything unexpected `?`.
 */
export function redactDependency(dependency: string): string {
  if (dependency.startsWith('=')) {
    const end = dependency.indexOf('=', 1)
    const head = end === -1 ? dependency : dependency.slice(0, end)
    return NAMED.test(head.slice(1)) ? head : '?'
  }
  if (dependency.startsWith('#')) return '#tag'
  return NAMED.test(dependency) ? dependency : '?'
}

/** A miss reason fit to show. */
export function redactReason(reason: MissReason): ShownReason {
  switch (reason.kind) {
    case 'expired':
      return { kind: 'expired', age: reason.age }
    case 'invalidated': {
      const { dependency, cause, model, operation, at } = reason
      return {
        kind: 'invalidated',
        dependency: redactDependency(dependency),
        cause,
        ...(model !== undefined ? { model } : {}),
        ...(operation !== undefined ? { operation } : {}),
        ...(at !== undefined ? { at } : {}),
      }
    }
    default:
      return { kind: reason.kind }
  }
}
