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

/** Why a write reaches rows other than the ones it names. */
export type ReachReason = 'nested write' | 'referential action'
type Context = 'own' | ReachReason

class WriteWalker {
  readonly dependencies = new Set<string>()
  /** Models whose rows change other than the written rows themselves, with the first reason found. */
  readonly reached = new Map<string, ReachReason>()
  /** Fields of the written rows that may change. */
  changed: Set<string> | typeof ALL_FIELDS = new Set()
  readonly #graph: SchemaGraph
  readonly #deleted = new Set<string>()
  readonly #updated = new Set<string>()
  #context: Context = 'own'

  constructor(graph: SchemaGraph) {
    this.#graph = graph
  }

  touch(dependency: string | undefined): void {
    if (dependency === undefined) return
    this.dependencies.add(dependency)
    const context = this.#context
    if (context !== 'own' && !this.reached.has(dependency) && this.#graph.model(dependency) !== undefined)
      this.reached.set(dependency, context)
  }

  #within(context: Context, walk: () => void): void {
    const outer = this.#context
    this.#context = context
    try {
      walk()
    } finally {
      this.#context = outer
    }
  }

  /** Fields of the written rows change. */
  #ownChange(fields: Iterable<string> | typeof ALL_FIELDS): void {
    if (this.changed === ALL_FIELDS) return
    if (fields === ALL_FIELDS) this.changed = ALL_FIELDS
    else for (const field of fields) this.changed.add(field)
  }

  /**
   * Walks create or update `data` (an object, or a list for createMany) of `model`; `own` for the rows the write
   * itself names, whose changed fields are recorded.
   */
  data(model: string, data: unknown, mode: WriteMode, own = false): void {
    if (Array.isArray(data)) {
      for (const item of data) this.data(model, item, mode, own)
      return
    }
    if (!isObject(data)) {
      if (mode === 'update') {
        if (own) this.#ownChange(ALL_FIELDS)
        this.#within(own ? 'referential action' : this.#context, () => this.updated(model, ALL_FIELDS))
      }
      return
    }
    const changed = new Set<string>()
    for (const [key, value] of Object.entries(data)) {
      if (value === undefined) continue
      const field = this.#graph.relationField(model, key)
      if (field === undefined) changed.add(key)
      else this.#within(own ? 'nested write' : this.#context, () => this.#nested(field, value, own))
    }
    if (own && mode === 'update') this.#ownChange(changed)
    if (mode === 'update')
      this.#within(own ? 'referential action' : this.#context, () => this.updated(model, changed))
  }

  /**
   * Rows of `model` are deleted: referential actions reach the models holding foreign keys to it. `own` for the
   * rows the write itself names.
   */
  deleted(model: string, own = false): void {
    this.touch(model)
    if (this.#deleted.has(model)) return
    this.#deleted.add(model)
    if (own) {
      this.#within('referential action', () => this.#deletedRelations(model))
      return
    }
    this.#deletedRelations(model)
  }

  #deletedRelations(model: string): void {
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

  /** Nested writes on `field`; `own`: the parent is a row the write itself names. */
  #nested(field: GraphRelationField, operations: unknown, own: boolean): void {
    if (!isObject(operations)) {
      this.#anyNested(field, operations, own)
      return
    }
    for (const [operation, value] of Object.entries(operations)) {
      if (value === undefined) continue
      if (NESTED_WRITE_SET.has(operation))
        this.#nestedOperation(field, operation as NestedWriteOperation, value, own)
      else this.#anyNested(field, value, own)
    }
  }

  #nestedOperation(
    field: GraphRelationField,
    operation: NestedWriteOperation,
    value: unknown,
    own: boolean,
  ): void {
    const target = field.target
    switch (operation) {
      case 'create':
        this.touch(target)
        this.#link(field, own)
        this.data(target, value, 'create')
        return
      case 'createMany':
        this.touch(target)
        this.#link(field, own)
        this.data(target, isObject(value) ? value.data : value, 'create')
        return
      case 'connectOrCreate':
      case 'upsert':
        this.touch(target)
        this.#link(field, own)
        for (const item of asList(value)) {
          this.data(target, isObject(item) ? item.create : item, 'create')
          if (operation === 'upsert') this.data(target, isObject(item) ? item.update : item, 'update')
        }
        return
      case 'connect':
      case 'disconnect':
      case 'set':
        if (value !== false) this.#link(field, own)
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
  #anyNested(field: GraphRelationField, value: unknown, own: boolean): void {
    this.touch(field.target)
    this.#link(field, own)
    this.deleted(field.target)
    this.updated(field.target, ALL_FIELDS)
    for (const item of asList(value)) {
      if (!isObject(item)) continue
      for (const key of ['data', 'create', 'update']) this.data(field.target, item[key], 'update')
    }
  }

  /**
   * Connecting or disconnecting rows changes the foreign-key side, or the join table. `own`: the parent is a row
   * the write names, so when it holds the foreign key of a one-to-many relation only its own fields change.
   */
  #link(field: GraphRelationField, own: boolean): void {
    const relation = field.relation
    const foreignKey = relation.foreignKey
    if (relation.kind === 'many-to-many') {
      this.touch(relation.joinTable)
    } else if (foreignKey !== undefined) {
      const fields = new Set(foreignKey.fields)
      if (
        own &&
        relation.kind === 'one-to-many' &&
        foreignKey.model === field.model &&
        foreignKey.field === field.name
      ) {
        this.#ownChange(fields)
        this.#within('own', () => this.touch(foreignKey.model))
        this.#within('referential action', () => this.updated(foreignKey.model, fields))
        return
      }
      // One-to-one: the row previously linked is on the same (foreign-key) side.
      this.touch(foreignKey.model)
      this.updated(foreignKey.model, fields)
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

/** What a write may change. */
export interface WriteAnalysis {
  /** Dependency ids (models and join tables), sorted and unique. */
  dependencies: string[]
  /**
   * Models whose rows the write may change besides the rows it names (nested writes, referential actions, a
   * self-relation), with why: the cache cannot tell which rows of them change.
   */
  reached: ReadonlyMap<string, ReachReason>
  /** Fields of the rows the write names that it may change; `'all'` when it cannot be told. */
  changed: ReadonlySet<string> | 'all'
}

/**
 * What a write of `operation` on `model` with `args` may change: the model, every model and join table its
 * nested writes reach (at any depth), and the effects of referential actions on deletes and on updates of
 * referenced keys. Unknown operations and argument shapes are treated as the worst case.
 */
export function analyzeWrite(
  graph: SchemaGraph,
  model: string,
  operation: WriteOperation,
  args: unknown,
): WriteAnalysis {
  const walker = new WriteWalker(graph)
  walker.touch(model)
  const input: Args = isObject(args) ? args : {}
  switch (operation) {
    case 'create':
    case 'createMany':
    case 'createManyAndReturn':
      walker.data(model, input.data, 'create', true)
      break
    case 'update':
    case 'updateMany':
    case 'updateManyAndReturn':
      walker.data(model, input.data, 'update', true)
      break
    case 'upsert':
      walker.data(model, input.create, 'create', true)
      walker.data(model, input.update, 'update', true)
      break
    case 'delete':
    case 'deleteMany':
      walker.deleted(model, true)
      break
    default:
      walker.data(model, input.create, 'create', true)
      walker.data(model, input.data, 'update', true)
      walker.data(model, input.update, 'update', true)
      walker.deleted(model, true)
  }
  return { dependencies: sorted(walker.dependencies), reached: walker.reached, changed: walker.changed }
}

/** The dependency ids a write may change: see {@link analyzeWrite}. */
export function writeDependencies(
  graph: SchemaGraph,
  model: string,
  operation: WriteOperation,
  args: unknown,
): string[] {
  return analyzeWrite(graph, model, operation, args).dependencies
}
