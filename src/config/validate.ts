import { ConfigError, type StrategyError } from '../errors.ts'

/** An error class of the config or strategy family: what a validation helper throws. */
export type InputErrorClass = typeof ConfigError | typeof StrategyError

/** True for `{}` literals and null-prototype objects, false for arrays, class instances and primitives. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Throws naming the first key of `value` that is not in `known`. */
export function rejectUnknownKeys(
  where: string,
  value: Record<string, unknown>,
  known: readonly string[],
  Err: InputErrorClass = ConfigError,
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new Err(`${where}.${key} is not an option; known: ${known.join(', ')}`)
  }
}

/** A duration in seconds (finite, ≥ 0), or `fallback` when absent. */
export function seconds(
  where: string,
  value: unknown,
  fallback: number,
  Err: InputErrorClass = ConfigError,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Err(`${where} must be a finite number of seconds ≥ 0, got ${String(value)}`)
  }
  return value
}

/** An integer ≥ `min`, or `fallback` when absent. */
export function integerAtLeast(where: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${where} must be an integer ≥ ${min}, got ${String(value)}`)
  }
  return value
}

/** A boolean, or `fallback` when absent. */
export function booleanOption(
  where: string,
  value: unknown,
  fallback: boolean,
  Err: InputErrorClass = ConfigError,
): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new Err(`${where} must be a boolean`)
  return value
}

/**
 * Names picked from a known list (`models`, `regions`): an array whose items are all in `known`. `kind` names
 * the items in the message (`model`, `region`).
 */
export function knownNames(
  where: string,
  value: unknown,
  known: readonly string[],
  kind: string,
  Err: InputErrorClass,
): string[] {
  if (!Array.isArray(value)) throw new Err(`${where} must be an array of ${kind} names`)
  for (const name of value) {
    if (typeof name !== 'string' || !known.includes(name)) {
      throw new Err(`${where}: '${String(name)}' is not a ${kind}; known: ${known.join(', ')}`)
    }
  }
  return value as string[]
}
