import { isDeepStrictEqual } from 'node:util'
import { Prisma } from '../../../generated/prisma/client.ts'
import { RowRef } from './refs.ts'

const NULL_TYPES = new Map<unknown, string>([
  [Prisma.DbNull, 'Prisma.DbNull'],
  [Prisma.JsonNull, 'Prisma.JsonNull'],
  [Prisma.AnyNull, 'Prisma.AnyNull'],
])

/**
 * Prints query arguments as TypeScript that can be pasted into a reproduction: bigint as `1n`, dates as
 * `new Date('…')`, bytes as `Uint8Array.of(…)`, Decimals as `new Prisma.Decimal('…')`, Prisma's null markers.
 */
export function show(value: unknown): string {
  if (NULL_TYPES.has(value)) return NULL_TYPES.get(value)!
  if (value === undefined) return 'undefined'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value !== 'object' || value === null) return String(value)
  if (value instanceof RowRef) return String(value)
  if (value instanceof Date) return `new Date(${JSON.stringify(value.toISOString())})`
  if (value instanceof Uint8Array) return `Uint8Array.of(${[...value].join(', ')})`
  if (Prisma.Decimal.isDecimal(value)) return `new Prisma.Decimal(${JSON.stringify(value.toString())})`
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`
  const entries = Object.entries(value)
    .filter(([, item]) => item !== undefined)
    .map(([key, item]) => `${propertyName(key)}: ${show(item)}`)
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`
}

function propertyName(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)
}

/**
 * The first place where `actual` and `expected` differ, as a path and both values there (shown with
 * {@link show}), or undefined when they are deeply equal in the sense of `isDeepStrictEqual`.
 */
export function firstDifference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (isDeepStrictEqual(actual, expected)) return undefined
  const bothArrays = Array.isArray(actual) && Array.isArray(expected)
  const bothRecords = isRecord(actual) && isRecord(expected)
  if (bothArrays) {
    const length = Math.max(actual.length, expected.length)
    for (let index = 0; index < length; index++) {
      const found = firstDifference(actual[index], expected[index], `${path}[${index}]`)
      if (found !== undefined) return found
    }
  } else if (bothRecords) {
    for (const key of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
      const found = firstDifference(actual[key], expected[key], `${path}.${key}`)
      if (found !== undefined) return found
    }
  }
  return `at ${path}: cached ${show(actual)}, uncached ${show(expected)}`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
