/**
 * Row pins: the sets of columns (schemes) by which a read can be pinned to rows, and the canonical text of their
 * values, shared by reads (`where` equalities, relation keys) and writes (the rows they change), so that both
 * sides name the same rows alike.
 */
import type { GraphModel, GraphScalarField, SchemaGraph } from '../schema/types.ts'
import { pinDependency, schemeDependency } from './dependency-ids.ts'

/** Scalar types whose equality the cache can tell from a value; the others are never pinned. */
const PINNABLE_TYPES: ReadonlySet<string> = new Set(['Int', 'BigInt', 'String', 'Boolean'])

/** Most pins one read or one row may add; beyond, the read depends on the whole model. */
export const MAX_PINS = 64

/**
 * A set of columns reads can be pinned by: the primary key, a unique constraint, a foreign key (the *key*
 * schemes), or any other comparable column on its own.
 */
export interface PinScheme {
  readonly model: string
  /** The fields, sorted. */
  readonly fields: readonly string[]
  /** Preference when a read could use several: lower first (primary key, unique, foreign key, other column). */
  readonly rank: number
  /** The dependency every read pinned by this scheme has: moved by a write that changes one of its fields in rows it cannot name. */
  readonly wildcard: string
}

/** Rank of a scheme on a column that is no key. */
const COLUMN_RANK = 3

/** How string values are compared by the database: exactly, or without case and trailing spaces (MySQL). */
export type StringComparison = 'exact' | 'folded'

/** What the pins of one schema need: its schemes per model, and how to write values. */
export class PinRules {
  readonly #graph: SchemaGraph
  readonly #strings: StringComparison
  readonly #unpinned: ReadonlySet<string>
  readonly #schemes = new Map<string, readonly PinScheme[]>()

  /** `unpinned`: models whose reads are never pinned (option `rowPrecision: false`). */
  constructor(graph: SchemaGraph, strings: StringComparison, unpinned: ReadonlySet<string> = new Set()) {
    this.#graph = graph
    this.#strings = strings
    this.#unpinned = unpinned
  }

  /** The schemes of a model, best first; empty when the schema text is unknown. */
  schemes(model: string): readonly PinScheme[] {
    let schemes = this.#schemes.get(model)
    if (schemes === undefined) {
      schemes = this.#build(model)
      this.#schemes.set(model, schemes)
    }
    return schemes
  }

  /** Every field any scheme of the model uses: what a write must know of a row to name its pins. */
  schemeFields(model: string): ReadonlySet<string> {
    return new Set(this.schemes(model).flatMap((scheme) => scheme.fields))
  }

  /** The fields of the key schemes (primary key, uniques, foreign keys). */
  keyFields(model: string): ReadonlySet<string> {
    return new Set(
      this.schemes(model)
        .filter((scheme) => scheme.rank < COLUMN_RANK)
        .flatMap((scheme) => scheme.fields),
    )
  }

  /** The wildcards of every scheme that uses one of `fields`. */
  wildcards(model: string, fields: Iterable<string>): string[] {
    const wanted = new Set(fields)
    return this.schemes(model)
      .filter((scheme) => scheme.fields.some((field) => wanted.has(field)))
      .map((scheme) => scheme.wildcard)
  }

  /** The scheme on exactly these fields, if the model has one. */
  schemeOn(model: string, fields: readonly string[]): PinScheme | undefined {
    const wanted = [...fields].sort().join('\0')
    return this.schemes(model).find((scheme) => scheme.fields.join('\0') === wanted)
  }

  #build(model: string): PinScheme[] {
    const graphModel = this.#graph.model(model)
    if (graphModel === undefined || this.#unpinned.has(model)) return []
    const candidates: { fields: readonly string[]; rank: number }[] = []
    for (const key of graphModel.uniqueKeys)
      candidates.push({ fields: key.fields, rank: key.primary ? 0 : 1 })
    for (const field of graphModel.relationFields) {
      const foreignKey = field.relation.foreignKey
      if (foreignKey !== undefined && foreignKey.model === model && foreignKey.field === field.name)
        candidates.push({ fields: foreignKey.fields, rank: 2 })
    }
    for (const field of graphModel.scalarFields) candidates.push({ fields: [field.name], rank: COLUMN_RANK })
    const seen = new Set<string>()
    const schemes: PinScheme[] = []
    for (const candidate of candidates) {
      const fields = [...candidate.fields].sort()
      const id = fields.join('\0')
      if (seen.has(id) || !fields.every((name) => pinnable(scalarField(graphModel, name)))) continue
      seen.add(id)
      schemes.push({ model, fields, rank: candidate.rank, wildcard: schemeDependency(model, fields) })
    }
    return schemes.sort((a, b) => a.rank - b.rank || a.fields.length - b.fields.length)
  }

  /**
   * The canonical text of `value` in `field` of `model`, or undefined when it is not a value the cache can compare
   * (a filter object, a field reference, a value of another type).
   */
  value(model: string, field: string, value: unknown): string | undefined {
    if (value === null) return 'n'
    const scalar = scalarField(this.#graph.model(model), field)
    if (scalar === undefined) return undefined
    if (scalar.kind === 'enum') return typeof value === 'string' ? JSON.stringify(value) : undefined
    switch (scalar.type) {
      case 'Int':
      case 'BigInt':
        if (typeof value === 'bigint') return value.toString()
        return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : undefined
      case 'Boolean':
        return typeof value === 'boolean' ? (value ? 't' : 'f') : undefined
      case 'String': {
        if (typeof value !== 'string') return undefined
        const text = stringText(value, scalar.nativeType, this.#strings)
        return text === undefined ? undefined : JSON.stringify(text)
      }
      default:
        return undefined
    }
  }

  /**
   * The pins of one row on one scheme (a row has one; a `where` with `in` lists may have several), from the
   * values each field may hold. Undefined when a value cannot be compared or there would be more than
   * {@link MAX_PINS}.
   */
  pins(scheme: PinScheme, valuesByField: ReadonlyMap<string, readonly unknown[]>): string[] | undefined {
    let tuples: string[][] = [[]]
    for (const field of scheme.fields) {
      const values = valuesByField.get(field)
      if (values === undefined || values.length === 0) return undefined
      const texts: string[] = []
      for (const value of values) {
        const text = this.value(scheme.model, field, value)
        if (text === undefined) return undefined
        if (!texts.includes(text)) texts.push(text)
      }
      if (tuples.length * texts.length > MAX_PINS) return undefined
      tuples = tuples.flatMap((tuple) => texts.map((text) => [...tuple, text]))
    }
    return tuples.map((tuple) => pinDependency(scheme.model, scheme.fields, tuple))
  }

  /**
   * Every pin of a row image (a write's result or its row before the write): one per scheme, but for the schemes
   * on a `skipped` field (their wildcards stand for them). Undefined when the image lacks a field of some other
   * scheme or holds a value the cache cannot compare.
   */
  rowPins(model: string, row: unknown, skipped: readonly string[] = []): string[] | undefined {
    if (typeof row !== 'object' || row === null) return undefined
    const record = row as Record<string, unknown>
    const out: string[] = []
    for (const scheme of this.schemes(model)) {
      if (skipped.length > 0 && scheme.fields.some((field) => skipped.includes(field))) continue
      const values = new Map<string, unknown[]>()
      for (const field of scheme.fields) {
        if (!(field in record)) return undefined
        values.set(field, [record[field]])
      }
      const pins = this.pins(scheme, values)
      if (pins === undefined) return undefined
      out.push(...pins)
    }
    return out
  }
}

function scalarField(model: GraphModel | undefined, name: string): GraphScalarField | undefined {
  return model?.scalarFields.find((field) => field.name === name)
}

function pinnable(field: GraphScalarField | undefined): boolean {
  if (field === undefined || field.isList !== false) return false
  if (field.type === 'String' && field.nativeType !== undefined && !(field.nativeType in NATIVE_STRINGS))
    return false
  return field.kind === 'enum' || PINNABLE_TYPES.has(field.type)
}

/**
 * How the database compares the native string types the cache pins (any other native type of a `String`, such as
 * `Inet` or `Xml`, is never pinned): `exact` as the provider compares text, `folded` without case and trailing
 * spaces (case-insensitive, blank-padded), `uuid` by its hexadecimal digits.
 */
const NATIVE_STRINGS: Readonly<Record<string, 'exact' | 'folded' | 'uuid'>> = {
  Text: 'exact',
  VarChar: 'exact',
  TinyText: 'exact',
  MediumText: 'exact',
  LongText: 'exact',
  NVarChar: 'exact',
  NText: 'exact',
  Char: 'folded',
  NChar: 'folded',
  Citext: 'folded',
  Uuid: 'uuid',
  UniqueIdentifier: 'uuid',
}

/** The canonical text of a string value of a column, or undefined when it cannot be one of its values. */
function stringText(
  value: string,
  nativeType: string | undefined,
  strings: StringComparison,
): string | undefined {
  const kind = nativeType === undefined ? 'exact' : NATIVE_STRINGS[nativeType]
  if (kind === 'uuid') {
    const hex = value.replace(/[-{}]/g, '').toLowerCase()
    return /^[0-9a-f]{32}$/.test(hex) ? hex : undefined
  }
  return kind === 'folded' || strings === 'folded' ? foldString(value) : value
}

/**
 * A string as a database with case- and accent-insensitive, pad-space collations may compare it (MySQL's
 * defaults): lower case without trailing spaces for ASCII text; any other text falls into one shared bucket, so
 * that two strings such a database may find equal always get the same pin.
 */
function foldString(value: string): string {
  // Control characters may be ignorable in a collation, like non-ASCII ones.
  if (/[^\x20-\x7e]/.test(value)) return '\u0000non-ascii'
  return value.toLowerCase().replace(/ +$/, '')
}
