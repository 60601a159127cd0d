/**
 * The schema graph: models, relations, foreign-key sides and referential actions, built from Prisma's
 * runtime data model and, when available, the `schema.prisma` text the generated client inlines.
 */

import {
  type AttributeValue,
  type ParsedAttribute,
  type ParsedField,
  type ParsedModel,
  parsePrismaSchema,
} from './schema-parser.ts'

/** One field of Prisma's internal `_runtimeDataModel` (Prisma 7 keeps only these). */
export interface RuntimeFieldLike {
  readonly name: string
  readonly kind: string
  readonly type: string
  readonly relationName?: string | undefined
  readonly dbName?: string | null | undefined
  /** Absent in Prisma 7; used as a hint when a runtime provides it. */
  readonly isList?: boolean | undefined
}

/** The shape of Prisma's internal `client._runtimeDataModel` that the graph needs. */
export interface RuntimeDataModelLike {
  readonly models: Readonly<
    Record<
      string,
      {
        readonly dbName?: string | null | undefined
        readonly schema?: string | null | undefined
        readonly fields: readonly RuntimeFieldLike[]
      }
    >
  >
}

/** A Prisma referential action; `Unknown` means the graph cannot tell and callers assume the worst. */
export type ReferentialAction = 'Cascade' | 'Restrict' | 'NoAction' | 'SetNull' | 'SetDefault' | 'Unknown'

const REFERENTIAL_ACTIONS: readonly ReferentialAction[] = [
  'Cascade',
  'Restrict',
  'NoAction',
  'SetNull',
  'SetDefault',
]

/** The side of a relation that stores the foreign key, with the actions the database applies to it. */
export interface ForeignKey {
  /** Model whose table holds the foreign-key columns. */
  readonly model: string
  /** Relation field on `model` that carries `@relation(fields, references)`. */
  readonly field: string
  /** Scalar fields of `model` forming the foreign key. */
  readonly fields: readonly string[]
  /** Model the foreign key points at. */
  readonly referencedModel: string
  /** Scalar fields of `referencedModel` the foreign key references. */
  readonly references: readonly string[]
  /** Action when a referenced row is deleted (Prisma's default when the schema names none). */
  readonly onDelete: ReferentialAction
  /** Action when a referenced key changes (default `Cascade`). */
  readonly onUpdate: ReferentialAction
}

/** A relation between two models (the same model twice for a self-relation). */
export interface GraphRelation {
  /** Relation name as in the runtime data model, e.g. `PostToTag`. */
  readonly name: string
  /** `unknown` when the schema text could not resolve it: callers must assume every possibility. */
  readonly kind: 'one-to-one' | 'one-to-many' | 'many-to-many' | 'unknown'
  /** The two related models. */
  readonly models: readonly [string, string]
  /** Dependency id of the implicit many-to-many join table (`_<name>`); also set for `unknown` relations, which may be one. */
  readonly joinTable: string | undefined
  /** Foreign-key side; undefined for many-to-many and `unknown` relations. */
  readonly foreignKey: ForeignKey | undefined
}

/** A relation field of a model, e.g. `User.posts`. */
export interface GraphRelationField {
  readonly model: string
  readonly name: string
  /** Related model. */
  readonly target: string
  readonly relationName: string
  /** Whether the field is a list; undefined when unknown (coarse graph). */
  readonly isList: boolean | undefined
  readonly relation: GraphRelation
}

/** A scalar or enum field of a model. */
export interface GraphScalarField {
  readonly name: string
  /** Column name (`@map`, else the field name). */
  readonly dbName: string
}

/** A model with its table and fields. */
export interface GraphModel {
  readonly name: string
  /** Table name (`@@map`, else the model name), exactly as stored. */
  readonly dbName: string
  /** Database schema from `@@schema`, undefined for the datasource's default. */
  readonly schema: string | undefined
  readonly scalarFields: readonly GraphScalarField[]
  readonly relationFields: readonly GraphRelationField[]
  /** Primary-key fields (`@id` or `@@id`); undefined when unknown. */
  readonly idFields: readonly string[] | undefined
}

/** What the cache knows about the schema. Dependency ids are model names and `_<relation>` join tables. */
export interface SchemaGraph {
  /** True when every relation and model was resolved from the schema text; false for the coarse fallback. */
  readonly precise: boolean
  /** All model names, sorted. */
  readonly models: readonly string[]
  /** All dependency ids (models and join tables), sorted. */
  readonly dependencies: readonly string[]
  /** Every relation once. */
  readonly relations: readonly GraphRelation[]
  model(name: string): GraphModel | undefined
  /** Relation fields of a model, empty for an unknown model. */
  relationFields(model: string): readonly GraphRelationField[]
  relationField(model: string, field: string): GraphRelationField | undefined
  /** Relations a model takes part in, each once. */
  relationsOf(model: string): readonly GraphRelation[]
  /**
   * Dependency ids stored in a database table, or undefined when no model or join table uses it.
   * `name` is matched exactly first, then case-insensitively (Postgres folds unquoted identifiers); when
   * the case-insensitive match is ambiguous, all candidates are returned. `schema`, when given, excludes
   * tables pinned by `@@schema` to another schema.
   */
  tableToDependencies(name: string, schema?: string): string[] | undefined
}

function findAttribute(attributes: readonly ParsedAttribute[], name: string): ParsedAttribute | undefined {
  return attributes.find((attribute) => attribute.name === name)
}

function argument(attribute: ParsedAttribute | undefined, name: string, position?: number) {
  if (attribute === undefined) return undefined
  const named = attribute.args.find((arg) => arg.name === name)
  if (named !== undefined || position === undefined) return named?.value
  return attribute.args.filter((arg) => arg.name === undefined)[position]?.value
}

function stringArgument(attribute: ParsedAttribute | undefined, name: string): string | undefined {
  const value = argument(attribute, name, 0)
  return value?.kind === 'string' ? value.value : undefined
}

function nameList(value: AttributeValue | undefined): string[] | undefined {
  if (value?.kind !== 'array') return undefined
  const names = value.items.map((item) => (item.kind === 'word' ? item.value : undefined))
  return names.every((name) => name !== undefined) ? (names as string[]) : undefined
}

function referentialAction(
  value: AttributeValue | undefined,
  fallback: ReferentialAction,
): ReferentialAction {
  if (value === undefined) return fallback
  const action = value.kind === 'word' ? value.value : ''
  return REFERENTIAL_ACTIONS.includes(action as ReferentialAction) ? (action as ReferentialAction) : 'Unknown'
}

function idFieldsOf(model: ParsedModel): string[] | undefined {
  const blockId = findAttribute(model.attributes, 'id')
  if (blockId !== undefined) return nameList(argument(blockId, 'fields', 0))
  const ids = model.fields.filter((field) => findAttribute(field.attributes, 'id') !== undefined)
  return ids.length > 0 ? ids.map((field) => field.name) : undefined
}

type RelationEnd = {
  readonly model: string
  readonly field: RuntimeFieldLike
  readonly parsed: ParsedField | undefined
}

function resolveRelation(name: string, ends: readonly RelationEnd[]): GraphRelation {
  const models: [string, string] = [ends[0]!.model, (ends[1] ?? ends[0])!.model]
  const unknown: GraphRelation = {
    name,
    kind: 'unknown',
    models,
    joinTable: `_${name}`,
    foreignKey: undefined,
  }
  const [a, b] = ends
  if (ends.length !== 2 || a?.parsed === undefined || b?.parsed === undefined) return unknown
  const relationOf = (end: RelationEnd) => findAttribute(end.parsed!.attributes, 'relation')
  const holders = ends.filter((end) => argument(relationOf(end), 'fields') !== undefined)
  if (holders.length === 0) {
    if (!a.parsed.isList || !b.parsed.isList) return unknown
    return { name, kind: 'many-to-many', models, joinTable: `_${name}`, foreignKey: undefined }
  }
  const holder = holders[0]!
  const other = holder === a ? b : a
  const relation = relationOf(holder)
  const fields = nameList(argument(relation, 'fields'))
  const references = nameList(argument(relation, 'references'))
  if (holders.length !== 1 || holder.parsed!.isList || fields === undefined || references === undefined) {
    return unknown
  }
  const foreignKey: ForeignKey = {
    model: holder.model,
    field: holder.field.name,
    fields,
    referencedModel: other.model,
    references,
    onDelete: referentialAction(
      argument(relation, 'onDelete'),
      holder.parsed!.isOptional ? 'SetNull' : 'Restrict',
    ),
    onUpdate: referentialAction(argument(relation, 'onUpdate'), 'Cascade'),
  }
  const kind = other.parsed!.isList ? 'one-to-many' : 'one-to-one'
  return { name, kind, models, joinTable: undefined, foreignKey }
}

function parseOrUndefined(inlineSchema: string | undefined): Map<string, ParsedModel> | undefined {
  if (inlineSchema === undefined) return undefined
  try {
    return new Map(parsePrismaSchema(inlineSchema).map((model) => [model.name, model]))
  } catch {
    return undefined
  }
}

type TableEntry = { readonly table: string; readonly schema: string | undefined; readonly dependency: string }

function tableIndex(entries: readonly TableEntry[]) {
  const exact = new Map<string, TableEntry[]>()
  const folded = new Map<string, TableEntry[]>()
  for (const entry of entries) {
    for (const [map, key] of [
      [exact, entry.table],
      [folded, entry.table.toLowerCase()],
    ] as const) {
      const list = map.get(key) ?? []
      list.push(entry)
      map.set(key, list)
    }
  }
  return (name: string, schema?: string): string[] | undefined => {
    const inSchema = (entry: TableEntry) =>
      schema === undefined ||
      entry.schema === undefined ||
      entry.schema.toLowerCase() === schema.toLowerCase()
    for (const candidates of [exact.get(name), folded.get(name.toLowerCase())]) {
      const matches = (candidates ?? []).filter(inSchema)
      if (matches.length > 0) return [...new Set(matches.map((entry) => entry.dependency))].sort()
    }
    return undefined
  }
}

/**
 * Builds the schema graph from `client._runtimeDataModel` and, for precise foreign-key sides,
 * referential actions and ids, `client._engineConfig.inlineSchema`. Without a readable schema text the
 * graph is coarse but still complete: every relation is `unknown` and `precise` is false.
 */
export function buildSchemaGraph(runtimeDataModel: RuntimeDataModelLike, inlineSchema?: string): SchemaGraph {
  const parsed = parseOrUndefined(inlineSchema)
  // Composite-type fields are `object` too, but point at a type, not a model.
  const isRelation = (field: RuntimeFieldLike) =>
    field.kind === 'object' && Object.hasOwn(runtimeDataModel.models, field.type)
  const relationEnds = new Map<string, RelationEnd[]>()
  const relationKey = (model: string, field: RuntimeFieldLike) =>
    `${field.relationName ?? `${model}.${field.name}`}\0${[model, field.type].sort().join('\0')}`
  for (const [modelName, model] of Object.entries(runtimeDataModel.models)) {
    for (const field of model.fields) {
      if (!isRelation(field)) continue
      const parsedField = parsed?.get(modelName)?.fields.find((candidate) => candidate.name === field.name)
      const end = {
        model: modelName,
        field,
        parsed: parsedField?.type === field.type ? parsedField : undefined,
      }
      const key = relationKey(modelName, field)
      relationEnds.set(key, [...(relationEnds.get(key) ?? []), end])
    }
  }
  const relations = new Map<string, GraphRelation>()
  for (const [key, ends] of relationEnds) {
    const first = ends[0]!
    relations.set(
      key,
      resolveRelation(first.field.relationName ?? `${first.model}.${first.field.name}`, ends),
    )
  }

  const models = new Map<string, GraphModel>()
  const relationsByModel = new Map<string, GraphRelation[]>()
  const tables: TableEntry[] = []
  for (const [name, model] of Object.entries(runtimeDataModel.models)) {
    const parsedModel = parsed?.get(name)
    const relationFields = model.fields.filter(isRelation).map((field): GraphRelationField => {
      const parsedField = parsedModel?.fields.find(
        (candidate) => candidate.name === field.name && candidate.type === field.type,
      )
      return {
        model: name,
        name: field.name,
        target: field.type,
        relationName: field.relationName ?? '',
        isList: field.isList ?? parsedField?.isList,
        relation: relations.get(relationKey(name, field))!,
      }
    })
    const dbName =
      model.dbName ?? stringArgument(findAttribute(parsedModel?.attributes ?? [], 'map'), 'name') ?? name
    const schema =
      model.schema ??
      stringArgument(findAttribute(parsedModel?.attributes ?? [], 'schema'), 'name') ??
      undefined
    models.set(name, {
      name,
      dbName,
      schema,
      scalarFields: model.fields
        .filter((field) => !isRelation(field))
        .map((field) => ({ name: field.name, dbName: field.dbName ?? field.name })),
      relationFields,
      idFields: parsedModel === undefined ? undefined : idFieldsOf(parsedModel),
    })
    relationsByModel.set(name, [...new Set(relationFields.map((field) => field.relation))])
    tables.push({ table: dbName, schema, dependency: name })
  }
  for (const relation of relations.values()) {
    if (relation.joinTable !== undefined) {
      tables.push({ table: relation.joinTable, schema: undefined, dependency: relation.joinTable })
    }
  }

  const modelNames = [...models.keys()].sort()
  const relationFieldIndex = new Map(
    [...models.values()].map((model) => [
      model.name,
      new Map(model.relationFields.map((field) => [field.name, field])),
    ]),
  )
  const precise =
    parsed !== undefined &&
    modelNames.every((name) => parsed.has(name)) &&
    [...relations.values()].every((relation) => relation.kind !== 'unknown')
  return {
    precise,
    models: modelNames,
    dependencies: [...new Set(tables.map((entry) => entry.dependency))].sort(),
    relations: [...relations.values()],
    model: (name) => models.get(name),
    relationFields: (model) => models.get(model)?.relationFields ?? [],
    relationField: (model, field) => relationFieldIndex.get(model)?.get(field),
    relationsOf: (model) => relationsByModel.get(model) ?? [],
    tableToDependencies: tableIndex(tables),
  }
}

export type {
  AttributeArgument,
  AttributeValue,
  ParsedAttribute,
  ParsedField,
  ParsedModel,
} from './schema-parser.ts'
export { parsePrismaSchema } from './schema-parser.ts'
