/**
 * The schema graph: models, relations, foreign-key sides and referential actions, built from Prisma's
 * runtime data model and, when available, the `schema.prisma` text the generated client inlines.
 */
import { findAttribute, idFieldsOf, parseOrUndefined, stringArgument, uniqueKeysOf } from './attributes.ts'
import { type RelationEnd, resolveRelation } from './relations.ts'
import type {
  GraphModel,
  GraphRelation,
  GraphRelationField,
  RuntimeDataModelLike,
  RuntimeFieldLike,
  SchemaGraph,
} from './types.ts'

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
    const parsedField = (field: string) => parsedModel?.fields.find((candidate) => candidate.name === field)
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
        .map((field) => ({
          name: field.name,
          dbName: field.dbName ?? field.name,
          kind: field.kind,
          type: field.type,
          isList: field.isList ?? parsedField(field.name)?.isList,
          nativeType: parsedField(field.name)
            ?.attributes.find((attribute) => attribute.name.startsWith('db.'))
            ?.name.slice('db.'.length),
        })),
      relationFields,
      idFields: parsedModel === undefined ? undefined : idFieldsOf(parsedModel),
      uniqueKeys: parsedModel === undefined ? [] : uniqueKeysOf(parsedModel),
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
} from './parser.ts'
export { parsePrismaSchema } from './parser.ts'
export type * from './types.ts'
