/** Resolving a relation's two ends into its kind, foreign-key side and referential actions. */
import { argument, findAttribute, nameList } from './attributes.ts'
import type { AttributeValue, ParsedField } from './parser.ts'
import type { ForeignKey, GraphRelation, ReferentialAction, RuntimeFieldLike } from './types.ts'

const REFERENTIAL_ACTIONS: readonly ReferentialAction[] = [
  'Cascade',
  'Restrict',
  'NoAction',
  'SetNull',
  'SetDefault',
]

function referentialAction(
  value: AttributeValue | undefined,
  fallback: ReferentialAction,
): ReferentialAction {
  if (value === undefined) return fallback
  const action = value.kind === 'word' ? value.value : ''
  return REFERENTIAL_ACTIONS.includes(action as ReferentialAction) ? (action as ReferentialAction) : 'Unknown'
}

/** One end of a relation: the model, its runtime field and the parsed field when the schema text has it. */
export type RelationEnd = {
  readonly model: string
  readonly field: RuntimeFieldLike
  readonly parsed: ParsedField | undefined
}

/** The relation named `name` between its ends; `unknown` when the schema text cannot resolve it. */
export function resolveRelation(name: string, ends: readonly RelationEnd[]): GraphRelation {
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
