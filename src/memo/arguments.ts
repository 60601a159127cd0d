import { Decimal } from '@prisma/client/runtime/client'
import { StrategyError } from '../errors.ts'
import { canonicalize } from '../read/keys.ts'

/**
 * Why a memoized function's argument cannot be part of a key, or undefined when it can: primitives other than
 * symbols, `Date`, `Decimal`, bytes (`Uint8Array`, `Buffer`), arrays and plain objects of those. A function, a
 * symbol, or another class instance would key on its identity or not at all.
 */
function unkeyable(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value === null || value === undefined) return undefined
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return undefined
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}`
  }
  if (value instanceof Date || Decimal.isDecimal(value) || value instanceof Uint8Array) return undefined
  const object = value as object
  if (seen.has(object)) return `${path} is a cycle`
  const proto = Object.getPrototypeOf(object)
  if (!Array.isArray(object) && proto !== Object.prototype && proto !== null) {
    return `${path} is an instance of ${proto?.constructor?.name ?? 'a class'}`
  }
  seen.add(object)
  for (const [key, item] of Object.entries(object)) {
    const reason = unkeyable(item, Array.isArray(object) ? `${path}[${key}]` : `${path}.${key}`, seen)
    if (reason !== undefined) return reason
  }
  seen.delete(object)
  return undefined
}

/**
 * The canonical text of a memoized call's arguments (as read arguments are keyed: `1`, `1n` and `"1"` differ,
 * object keys are sorted). Throws {@link StrategyError} naming the argument that cannot be keyed.
 */
export function canonicalArguments(name: string, args: readonly unknown[]): string {
  for (let i = 0; i < args.length; i++) {
    const reason = unkeyable(args[i], `argument ${i}`, new Set())
    if (reason !== undefined) {
      throw new StrategyError(
        `memoize '${name}': ${reason}; arguments must be primitives, Date, Decimal, bytes, arrays or plain objects`,
      )
    }
  }
  return canonicalize(args)
}
