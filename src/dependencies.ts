/**
 * What a read depends on and what a write may change, as sets of dependency ids: model names and
 * `_<relation>` implicit many-to-many join tables. When unsure, a write includes a dependency: a missed
 * one serves stale data, an extra one only costs a reload.
 */
import type { NestedWriteOperation, WriteOperation } from './operations.ts'
import { NESTED_WRITE_OPERATIONS } from './operations.ts'
import type {
  ForeignKey,
  GraphRelation,
  GraphRelationField,
  ReferentialAction,
  SchemaGraph,
} from './schema.ts'

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
const NESTED_WRITE_SET: ReadonlySet<string> = new Set(NESTED_WRITE_OPERATIONS)

type Args = Readonly<Record<string, unknown>>

function isObject(value: unknown): value is Args {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [value]
}

function sorted(dependencies: ReadonlySet<string>): string[] {
  return [...dependencies].sort()
}

/** Every dependency id of the schema, sorted: what a write of unknown effect must invalidate. */
export function allDependencies(graph: SchemaGraph): string[] {
  return [...graph.dependencies]
}

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

/** Marks "every scalar field may have changed". */
const ALL_FIELDS = 'all'
type ChangedFields = ReadonlySet<string> | typeof ALL_FIELDS
type WriteMode = 'create' | 'update'

class WriteWalker {
  readonly dependencies = new Set<string>()
  readonly #graph: SchemaGraph
  readonly #deleted = new Set<string>()
  readonly #updated = new Set<string>()

  constructor(graph: SchemaGraph) {
    this.#graph = graph
  }

  touch(dependency: string | undefined): void {
    if (dependency !== undefined) this.dependencies.add(dependency)
  }

  /** Walks create or update `data` (an object, or a list for createMany) of `model`. */
  data(model: string, data: unknown, mode: WriteMode): void {
    if (Array.isArray(data)) {
      for (const item of data) this.data(model, item, mode)
      return
    }
    if (!isObject(data)) {
      if (mode === 'update') this.updated(model, ALL_FIELDS)
      return
    }
    const changed = new Set<string>()
    for (const [key, value] of Object.entries(data)) {
      if (value === undefined) continue
      const field = this.#graph.relationField(model, key)
      if (field === undefined) changed.add(key)
      else this.#nested(field, value)
    }
    if (mode === 'update') this.updated(model, changed)
  }

  /** Rows of `model` are deleted: referential actions reach the models holding foreign keys to it. */
  deleted(model: string): void {
    this.touch(model)
    if (this.#deleted.has(model)) return
    this.#deleted.add(model)
    for (const relation of this.#graph.relationsOf(model)) {
      if (relation.kind === 'many-to-many') {
        this.touch(relation.joinTable)
      } else if (relation.foreignKey !== undefined) {
        if (relation.foreignKey.referencedModel === model)
          this.#action(relation.foreignKey.onDelete, relation.foreignKey, true)
      } else {
        this.#unknownRelation(relation, model, true)
      }
    }
  }

  /** Fields of existing `model` rows change: referenced keys propagate through `onUpdate` actions. */
  updated(model: string, changed: ChangedFields): void {
    const scalars = this.#graph.model(model)?.scalarFields ?? []
    const keys =
      changed === ALL_FIELDS ? [] : scalars.map((field) => field.name).filter((name) => changed.has(name))
    if (changed !== ALL_FIELDS && keys.length === 0) return
    // Model names are identifiers, so `*` cannot clash with a field list.
    const everything = `${model}*`
    const visit = changed === ALL_FIELDS ? everything : `${model}\0${keys.join('\0')}`
    if (this.#updated.has(everything) || this.#updated.has(visit)) return
    this.#updated.add(visit)
    const touches = (fields: readonly string[] | undefined) =>
      changed === ALL_FIELDS || fields === undefined || fields.some((field) => changed.has(field))
    for (const relation of this.#graph.relationsOf(model)) {
      if (relation.kind === 'many-to-many') {
        // The join table stores the ids of both sides (ON UPDATE CASCADE).
        if (touches(this.#graph.model(model)?.idFields)) this.touch(relation.joinTable)
      } else if (relation.foreignKey !== undefined) {
        const foreignKey = relation.foreignKey
        if (foreignKey.referencedModel === model && touches(foreignKey.references)) {
          this.#action(foreignKey.onUpdate, foreignKey, false)
        }
      } else {
        this.#unknownRelation(relation, model, false)
      }
    }
  }

  #nested(field: GraphRelationField, operations: unknown): void {
    if (!isObject(operations)) {
      this.#anyNested(field, operations)
      return
    }
    for (const [operation, value] of Object.entries(operations)) {
      if (value === undefined) continue
      if (NESTED_WRITE_SET.has(operation))
        this.#nestedOperation(field, operation as NestedWriteOperation, value)
      else this.#anyNested(field, value)
    }
  }

  #nestedOperation(field: GraphRelationField, operation: NestedWriteOperation, value: unknown): void {
    const target = field.target
    switch (operation) {
      case 'create':
        this.touch(target)
        this.#link(field)
        this.data(target, value, 'create')
        return
      case 'createMany':
        this.touch(target)
        this.#link(field)
        this.data(target, isObject(value) ? value.data : value, 'create')
        return
      case 'connectOrCreate':
      case 'upsert':
        this.touch(target)
        this.#link(field)
        for (const item of asList(value)) {
          this.data(target, isObject(item) ? item.create : item, 'create')
          if (operation === 'upsert') this.data(target, isObject(item) ? item.update : item, 'update')
        }
        return
      case 'connect':
      case 'disconnect':
      case 'set':
        if (value !== false) this.#link(field)
        return
      case 'update':
      case 'updateMany':
        this.touch(target)
        for (const item of asList(value)) {
          for (const data of this.#updatePayloads(target, item)) this.data(target, data, 'update')
        }
        return
      case 'delete':
      case 'deleteMany':
        if (value !== false) this.deleted(target)
        return
    }
  }

  /** A nested update is `data` itself (to-one) or `{ where, data }`; read both ways when it could be either. */
  #updatePayloads(target: string, item: unknown): unknown[] {
    if (!isObject(item) || !('data' in item)) return [item]
    const wrapperOnly = Object.keys(item).every((key) => key === 'where' || key === 'data')
    const targetHasWrapperField = ['where', 'data'].some(
      (key) =>
        this.#graph.relationField(target, key) !== undefined ||
        (this.#graph.model(target)?.scalarFields.some((field) => field.name === key) ?? true),
    )
    return wrapperOnly && !targetHasWrapperField ? [item.data] : [item.data, item]
  }

  /** An operation this module does not know: assume it may do anything a nested write can. */
  #anyNested(field: GraphRelationField, value: unknown): void {
    this.touch(field.target)
    this.#link(field)
    this.deleted(field.target)
    this.updated(field.target, ALL_FIELDS)
    for (const item of asList(value)) {
      if (!isObject(item)) continue
      for (const key of ['data', 'create', 'update']) this.data(field.target, item[key], 'update')
    }
  }

  /** Connecting or disconnecting rows changes the foreign-key side, or the join table. */
  #link(field: GraphRelationField): void {
    const relation = field.relation
    if (relation.kind === 'many-to-many') {
      this.touch(relation.joinTable)
    } else if (relation.foreignKey !== undefined) {
      // One-to-one: the row previously linked is on the same (foreign-key) side.
      this.touch(relation.foreignKey.model)
      this.updated(relation.foreignKey.model, new Set(relation.foreignKey.fields))
    } else {
      this.touch(relation.joinTable)
      for (const model of [field.model, field.target]) {
        this.touch(model)
        this.updated(model, ALL_FIELDS)
      }
    }
  }

  #action(action: ReferentialAction, foreignKey: ForeignKey, onDelete: boolean): void {
    if (action === 'Restrict' || action === 'NoAction') return
    if (onDelete && (action === 'Cascade' || action === 'Unknown')) this.deleted(foreignKey.model)
    if (!onDelete || action !== 'Cascade') {
      this.touch(foreignKey.model)
      this.updated(foreignKey.model, new Set(foreignKey.fields))
    }
  }

  /** A relation of unknown shape: the other side may hold a foreign key with any action, or a join table. */
  #unknownRelation(relation: GraphRelation, model: string, onDelete: boolean): void {
    this.touch(relation.joinTable)
    for (const other of relation.models) {
      if (other === model && relation.models[0] !== relation.models[1]) continue
      this.touch(other)
      if (onDelete) this.deleted(other)
      this.updated(other, ALL_FIELDS)
    }
  }
}

/**
 * The dependency ids a write may change, sorted and unique: the model, every model and join table its
 * nested writes reach (at any depth), and the effects of referential actions on deletes and on updates
 * of referenced keys. Unknown operations and argument shapes are treated as the worst case.
 */
export function writeDependencies(
  graph: SchemaGraph,
  model: string,
  operation: WriteOperation,
  args: unknown,
): string[] {
  const walker = new WriteWalker(graph)
  walker.touch(model)
  const input: Args = isObject(args) ? args : {}
  switch (operation) {
    case 'create':
    case 'createMany':
    case 'createManyAndReturn':
      walker.data(model, input.data, 'create')
      break
    case 'update':
    case 'updateMany':
    case 'updateManyAndReturn':
      walker.data(model, input.data, 'update')
      break
    case 'upsert':
      walker.data(model, input.create, 'create')
      walker.data(model, input.update, 'update')
      break
    case 'delete':
    case 'deleteMany':
      walker.deleted(model)
      break
    default:
      walker.data(model, input.create, 'create')
      walker.data(model, input.data, 'update')
      walker.data(model, input.update, 'update')
      walker.deleted(model)
  }
  return sorted(walker.dependencies)
}
