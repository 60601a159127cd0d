import type { SchemaGraph } from '../schema/types.ts'
import { isObject } from './prisma-args.ts'

/** A field and the values it may equal in every row a filter matches. */
export type Equalities = ReadonlyMap<string, readonly unknown[]>

/**
 * The equalities every row matching `where` satisfies: `field: value`, `field: { equals }`, `field: { in }`, the
 * fields of a compound unique input (`a_b: { a, b }`), at the top level or in `AND`. `OR`, `NOT`, relation filters,
 * other comparisons and case-insensitive filters add none. Each conjunct alone bounds the rows, so when a field is
 * constrained twice, the first constraint found is kept.
 */
export function whereEqualities(graph: SchemaGraph, model: string, where: unknown): Equalities {
  const found = new Map<string, readonly unknown[]>()
  const graphModel = graph.model(model)
  if (graphModel === undefined) return found
  const scalars = new Set(graphModel.scalarFields.map((field) => field.name))
  const compounds = new Map(
    graphModel.uniqueKeys.filter((key) => key.fields.length > 1).map((key) => [key.inputName, key.fields]),
  )
  const add = (field: string, values: readonly unknown[] | undefined) => {
    if (values !== undefined && !found.has(field)) found.set(field, values)
  }
  const walk = (filter: unknown): void => {
    if (Array.isArray(filter)) {
      for (const item of filter) walk(item)
      return
    }
    if (!isObject(filter)) return
    for (const [key, value] of Object.entries(filter)) {
      if (value === undefined) continue
      if (key === 'AND') walk(value)
      else if (scalars.has(key)) add(key, valuesOf(value))
      else {
        const fields = compounds.get(key)
        if (fields === undefined || !isObject(value)) continue
        for (const field of fields) if (value[field] !== undefined) add(field, [value[field]])
      }
    }
  }
  walk(where)
  return found
}

/** The values a scalar filter allows, when it allows only listed ones. */
function valuesOf(filter: unknown): readonly unknown[] | undefined {
  if (!isObject(filter)) return typeof filter === 'symbol' ? undefined : [filter]
  if (isValueObject(filter)) return [filter]
  if (filter.mode === 'insensitive') return undefined
  if (filter.equals !== undefined) return [filter.equals]
  if (Array.isArray(filter.in)) return filter.in
  return undefined
}

/** A value written as an object (a Date, a Decimal, bytes): not a filter. */
function isValueObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value)
  return prototype !== Object.prototype && prototype !== null
}
