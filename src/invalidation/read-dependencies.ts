/**
 * What a read depends on, as dependency ids: model names and `_<relation>` implicit many-to-many join tables.
 */
import type { GraphRelationField, SchemaGraph } from '../schema/graph.ts'
import { isObject, sorted } from './prisma-args.ts'

/** Keys that nest a related model's filter inside a relation filter. */
const RELATION_FILTERS = ['some', 'every', 'none', 'is', 'isNot'] as const
/** Keys whose value is one or more filters on the same model. */
const LOGICAL_OPERATORS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT'])
/** Aggregate keys that may wrap an orderBy on the same model (groupBy). */
const AGGREGATE_KEYS: ReadonlySet<string> = new Set(['_count', '_avg', '_sum', '_min', '_max'])
/** Read arguments that hold a filter on the queried model. */
const FILTER_ARGS: ReadonlySet<string> = new Set(['where', 'cursor', 'having'])
/** Read arguments that pick fields and relations. */
const SELECTION_ARGS: ReadonlySet<string> = new Set(['select', 'include'])

class ReadWalker {
  readonly dependencies = new Set<string>()
  readonly #graph: SchemaGraph

  constructor(graph: SchemaGraph) {
    this.#graph = graph
  }

  args(model: string, args: unknown): void {
    if (!isObject(args)) return
    for (const [key, value] of Object.entries(args)) {
      if (value === undefined) continue
      if (FILTER_ARGS.has(key)) this.where(model, value)
      else if (SELECTION_ARGS.has(key)) this.#selection(model, value)
      else if (key === 'orderBy') this.#orderBy(model, value)
    }
  }

  where(model: string, where: unknown): void {
    if (Array.isArray(where)) {
      for (const item of where) this.where(model, item)
      return
    }
    if (!isObject(where)) return
    for (const [key, value] of Object.entries(where)) {
      if (value === undefined) continue
      if (LOGICAL_OPERATORS.has(key)) {
        this.where(model, value)
        continue
      }
      const field = this.#relation(model, key)
      if (field === undefined || !isObject(value)) continue
      // A to-one shorthand (`{ author: { name } }`) filters the target directly; walking both readings is safe.
      this.where(field.target, value)
      for (const filter of RELATION_FILTERS) {
        if (filter in value) this.where(field.target, value[filter])
      }
    }
  }

  #selection(model: string, selection: unknown): void {
    if (!isObject(selection)) return
    for (const [key, value] of Object.entries(selection)) {
      if (value === undefined || value === null || value === false) continue
      if (key === '_count') {
        this.#count(model, value)
        continue
      }
      const field = this.#relation(model, key)
      if (field !== undefined) this.args(field.target, value)
    }
  }

  #count(model: string, count: unknown): void {
    if (isObject(count) && isObject(count.select)) {
      this.#selection(model, count.select)
      return
    }
    for (const field of this.#graph.relationFields(model)) {
      if (field.isList !== false) this.#relation(model, field.name)
    }
  }

  #orderBy(model: string, orderBy: unknown): void {
    if (Array.isArray(orderBy)) {
      for (const item of orderBy) this.#orderBy(model, item)
      return
    }
    if (!isObject(orderBy)) return
    for (const [key, value] of Object.entries(orderBy)) {
      if (AGGREGATE_KEYS.has(key)) {
        this.#orderBy(model, value)
        continue
      }
      const field = this.#relation(model, key)
      if (field !== undefined) this.#orderBy(field.target, value)
    }
  }

  /** Records the related model (and join table) of a relation field; undefined for scalars and unknown keys. */
  #relation(model: string, name: string): GraphRelationField | undefined {
    const field = this.#graph.relationField(model, name)
    if (field === undefined) return undefined
    this.dependencies.add(field.target)
    if (field.relation.joinTable !== undefined) this.dependencies.add(field.relation.joinTable)
    return field
  }
}

/**
 * The dependency ids a read's result depends on, sorted and unique: the model, plus every model and
 * join table reached through `include`, `select` (including `_count`), relation filters in `where`,
 * `cursor` and `having`, and relation `orderBy`, at any depth. Unknown keys count as scalars.
 */
export function readDependencies(graph: SchemaGraph, model: string, args: unknown): string[] {
  const walker = new ReadWalker(graph)
  walker.dependencies.add(model)
  walker.args(model, args)
  return sorted(walker.dependencies)
}
