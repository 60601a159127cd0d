/**
 * What a read depends on, as dependency ids. Without row precision: its model and every model and join table its
 * arguments reach. With it (a {@link PinRules}), a read whose `where` pins it to rows (a unique key, a foreign key)
 * depends on those rows' pins instead of its model, and relations loaded from pinned or returned parents depend on
 * the children of those parents only.
 */
import type { GraphRelationField, SchemaGraph } from '../schema/types.ts'
import { unpinnedDependency } from './dependency-ids.ts'
import { MAX_PINS, type PinRules, type PinScheme } from './pins.ts'
import { isObject, sorted } from './prisma-args.ts'
import { type Equalities, whereEqualities } from './where-equalities.ts'

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

/** Pins found in a result, and the models whose pins could not be (their reads then depend on the model). */
export interface DerivedDependencies {
  pins: string[]
  fallbacks: string[]
}

/** The dependencies of a read, in three parts. */
export interface ReadDependencies {
  /** Known before the load, recorded with the entry. Sorted, unique. */
  dependencies: string[]
  /**
   * Models whose pins come from the result: their versions are captured before the load (any write to them since
   * keeps the result from being stored), and recorded only when the pins cannot be found. Sorted, unique.
   */
  guards: string[]
  /** Finds the pins of relations loaded from the result's rows; undefined when there are none to find. */
  derive: ((result: unknown) => DerivedDependencies) | undefined
}

/** How a relation's children are found from a parent row: the parent's fields give the child scheme's values. */
interface RelationLink {
  /** The scheme on the child model the children are pinned by. */
  scheme: PinScheme
  /** For each field of `scheme`, in its order, the parent field holding its value. */
  parentFields: readonly string[]
}

/** A relation loaded (or counted) from parent rows, whose children's pins may come from the result. */
interface RelationNode {
  readonly field: GraphRelationField
  readonly link: RelationLink
  /** `_count` only: no child rows come back. */
  readonly countOnly: boolean
  /** Pinned before the load from the root's `where`; children nodes may still derive. */
  readonly known: boolean
  readonly children: RelationNode[]
}

/** Where a level of arguments sits: the root (with its `where` equalities) or under a relation node. */
interface Level {
  readonly equalities: Equalities | undefined
  readonly nodes: RelationNode[]
}

class ReadWalker {
  readonly dependencies = new Set<string>()
  readonly guards = new Set<string>()
  readonly roots: RelationNode[] = []
  readonly #graph: SchemaGraph
  readonly #rules: PinRules | undefined

  constructor(graph: SchemaGraph, rules: PinRules | undefined) {
    this.#graph = graph
    this.#rules = rules
  }

  root(model: string, args: unknown): void {
    const rules = this.#rules
    if (rules === undefined || !isObject(args)) {
      this.dependencies.add(model)
      this.#args(model, args, undefined)
      return
    }
    const equalities = whereEqualities(this.#graph, model, args.where)
    // A cursor names a row outside the pinned ones whose changes move the page.
    const pinned = args.cursor === undefined ? this.#pinsOf(rules, model, equalities) : undefined
    if (pinned === undefined) this.dependencies.add(model)
    else {
      this.dependencies.add(unpinnedDependency(model))
      this.dependencies.add(pinned.scheme.wildcard)
      for (const pin of pinned.pins) this.dependencies.add(pin)
    }
    this.#args(model, args, { equalities, nodes: this.roots })
  }

  /** The best scheme the equalities cover, and its pins; or undefined. */
  #pinsOf(
    rules: PinRules,
    model: string,
    equalities: Equalities,
  ): { scheme: PinScheme; pins: string[] } | undefined {
    if (equalities.size === 0) return undefined
    for (const scheme of rules.schemes(model)) {
      if (!scheme.fields.every((field) => equalities.has(field))) continue
      const pins = rules.pins(scheme, equalities)
      if (pins !== undefined) return { scheme, pins }
    }
    return undefined
  }

  #args(model: string, args: unknown, level: Level | undefined): void {
    if (!isObject(args)) return
    for (const [key, value] of Object.entries(args)) {
      if (value === undefined) continue
      if (FILTER_ARGS.has(key)) this.where(model, value)
      else if (SELECTION_ARGS.has(key)) this.#selection(model, value, level)
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
      const field = this.#wholeRelation(model, key)
      if (field === undefined || !isObject(value)) continue
      // A to-one shorthand (`{ author: { name } }`) filters the target directly; walking both readings is safe.
      this.where(field.target, value)
      for (const filter of RELATION_FILTERS) {
        if (filter in value) this.where(field.target, value[filter])
      }
    }
  }

  #selection(model: string, selection: unknown, level: Level | undefined): void {
    if (!isObject(selection)) return
    for (const [key, value] of Object.entries(selection)) {
      if (value === undefined || value === null || value === false) continue
      if (key === '_count') {
        this.#count(model, value, level)
        continue
      }
      const field = this.#graph.relationField(model, key)
      if (field !== undefined) this.#loaded(field, value, false, level)
    }
  }

  #count(model: string, count: unknown, level: Level | undefined): void {
    if (isObject(count) && isObject(count.select)) {
      for (const [key, value] of Object.entries(count.select)) {
        if (value === undefined || value === null || value === false) continue
        const field = this.#graph.relationField(model, key)
        if (field !== undefined) this.#loaded(field, value, true, level)
      }
      return
    }
    for (const field of this.#graph.relationFields(model)) {
      if (field.isList !== false) this.#loaded(field, true, true, level)
    }
  }

  /**
   * A relation selected (or counted) from a level's parent rows: pinned to the parents' children when the
   * relation has a pinnable key, else the whole related model.
   */
  #loaded(field: GraphRelationField, nested: unknown, countOnly: boolean, level: Level | undefined): void {
    const link = level === undefined ? undefined : this.#link(field)
    // A cursor inside the relation names a row that may belong to another parent.
    if (link === undefined || level === undefined || (isObject(nested) && nested.cursor !== undefined)) {
      this.#wholeRelation(field.model, field.name)
      this.#args(field.target, nested, undefined)
      return
    }
    const known = this.#knownPins(link, level.equalities)
    const node: RelationNode = { field, link, countOnly, known: known !== undefined, children: [] }
    this.dependencies.add(unpinnedDependency(field.target))
    this.dependencies.add(link.scheme.wildcard)
    if (known !== undefined) for (const pin of known) this.dependencies.add(pin)
    else this.guards.add(field.target)
    level.nodes.push(node)
    if (isObject(nested)) {
      if (nested.where !== undefined) this.where(field.target, nested.where)
      if (nested.orderBy !== undefined) this.#orderBy(field.target, nested.orderBy)
      if (!countOnly) {
        const childLevel: Level = { equalities: undefined, nodes: node.children }
        for (const key of SELECTION_ARGS) this.#selection(field.target, nested[key], childLevel)
      }
    }
  }

  /** Pins of a root relation whose parent key the root's `where` fixes. */
  #knownPins(link: RelationLink, equalities: Equalities | undefined): string[] | undefined {
    if (equalities === undefined || !link.parentFields.every((field) => equalities.has(field)))
      return undefined
    const values = new Map(
      link.scheme.fields.map((field, i) => [field, equalities.get(link.parentFields[i]!)!]),
    )
    return this.#rules?.pins(link.scheme, values)
  }

  /** How the children of a relation are pinned from a parent row, or undefined (many-to-many, unknown, unpinnable). */
  #link(field: GraphRelationField): RelationLink | undefined {
    const rules = this.#rules
    const foreignKey = field.relation.foreignKey
    if (rules === undefined || foreignKey === undefined) return undefined
    const parentHoldsKey = foreignKey.model === field.model && foreignKey.field === field.name
    const childFields = parentHoldsKey ? foreignKey.references : foreignKey.fields
    const parentFields = parentHoldsKey ? foreignKey.fields : foreignKey.references
    const scheme = rules.schemeOn(field.target, childFields)
    if (scheme === undefined) return undefined
    return { scheme, parentFields: scheme.fields.map((child) => parentFields[childFields.indexOf(child)]!) }
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
      const field = this.#wholeRelation(model, key)
      if (field !== undefined) this.#orderBy(field.target, value)
    }
  }

  /** Records the whole related model (and join table) of a relation field; undefined for scalars and unknown keys. */
  #wholeRelation(model: string, name: string): GraphRelationField | undefined {
    const field = this.#graph.relationField(model, name)
    if (field === undefined) return undefined
    this.dependencies.add(field.target)
    if (field.relation.joinTable !== undefined) this.dependencies.add(field.relation.joinTable)
    return field
  }
}

/** Finds the pins of relation nodes in a result's rows. */
function deriver(rules: PinRules, roots: readonly RelationNode[]): (result: unknown) => DerivedDependencies {
  return (result) => {
    const pins = new Set<string>()
    const fallbacks = new Set<string>()
    const visit = (node: RelationNode, parents: readonly unknown[]): void => {
      if (!node.known) {
        const found = new Set<string>()
        let complete = true
        for (const parent of parents) {
          if (!isObject(parent)) continue
          const values = new Map<string, unknown[]>()
          let present = true
          node.link.scheme.fields.forEach((field, i) => {
            const value = parent[node.link.parentFields[i]!]
            if (value === undefined) complete = false
            if (value === null || value === undefined) present = false
            values.set(field, [value])
          })
          if (!present) continue
          const rowPins = rules.pins(node.link.scheme, values)
          if (rowPins === undefined) complete = false
          else for (const pin of rowPins) found.add(pin)
        }
        if (!complete || found.size > MAX_PINS) fallbacks.add(node.field.target)
        else for (const pin of found) pins.add(pin)
      }
      if (node.countOnly || node.children.length === 0) return
      const children = parents.flatMap((parent) => {
        const value = isObject(parent) ? parent[node.field.name] : undefined
        return Array.isArray(value) ? value : value === null || value === undefined ? [] : [value]
      })
      for (const child of node.children) visit(child, children)
    }
    const rows = Array.isArray(result) ? result : result === null || result === undefined ? [] : [result]
    for (const root of roots) visit(root, rows)
    return { pins: [...pins].sort(), fallbacks: [...fallbacks].sort() }
  }
}

function needsDerivation(nodes: readonly RelationNode[]): boolean {
  return nodes.some((node) => !node.known || needsDerivation(node.children))
}

/**
 * The dependencies of a read of `model` with `args`. Without `rules`: its model plus every model and join table
 * reached through `include`, `select` (including `_count`), relation filters in `where`, `cursor` and `having`,
 * and relation `orderBy`, at any depth; unknown keys count as scalars. With `rules`, see {@link ReadDependencies}.
 */
export function planReadDependencies(
  graph: SchemaGraph,
  model: string,
  args: unknown,
  rules: PinRules | undefined,
): ReadDependencies {
  const walker = new ReadWalker(graph, rules)
  walker.root(model, args)
  const derive =
    rules !== undefined && needsDerivation(walker.roots) ? deriver(rules, walker.roots) : undefined
  return { dependencies: sorted(walker.dependencies), guards: sorted(walker.guards), derive }
}

/** The model-wide dependencies of a read: see {@link planReadDependencies} without row precision. */
export function readDependencies(graph: SchemaGraph, model: string, args: unknown): string[] {
  return planReadDependencies(graph, model, args, undefined).dependencies
}
