/**
 * What a write may change, as dependency ids: model names and `_<relation>` implicit many-to-many join tables.
 * When unsure, a write includes a dependency: a missed one serves stale data, an extra one only costs a reload.
 */
import type { NestedWriteOperation, WriteOperation } from '../prisma/operations.ts'
import { NESTED_WRITE_OPERATIONS } from '../prisma/operations.ts'
import type {
  ForeignKey,
  GraphRelation,
  GraphRelationField,
  ReferentialAction,
  SchemaGraph,
} from '../schema/graph.ts'
import { type Args, asList, isObject, sorted } from './prisma-args.ts'

const NESTED_WRITE_SET: ReadonlySet<string> = new Set(NESTED_WRITE_OPERATIONS)

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
