/** Reading attributes (`@id`, `@@map`, `@relation(...)`) of the parsed `schema.prisma` text. */
import { type AttributeValue, type ParsedAttribute, type ParsedModel, parsePrismaSchema } from './parser.ts'
import type { UniqueKey } from './types.ts'

/** The attribute named `name` (without `@`), if present. */
export function findAttribute(
  attributes: readonly ParsedAttribute[],
  name: string,
): ParsedAttribute | undefined {
  return attributes.find((attribute) => attribute.name === name)
}

/** An attribute's argument by name, or else by position among the unnamed ones. */
export function argument(attribute: ParsedAttribute | undefined, name: string, position?: number) {
  if (attribute === undefined) return undefined
  const named = attribute.args.find((arg) => arg.name === name)
  if (named !== undefined || position === undefined) return named?.value
  return attribute.args.filter((arg) => arg.name === undefined)[position]?.value
}

/** A string argument's value. */
export function stringArgument(attribute: ParsedAttribute | undefined, name: string): string | undefined {
  const value = argument(attribute, name, 0)
  return value?.kind === 'string' ? value.value : undefined
}

/** A list of field names (`[a, b]`), or undefined for anything else. */
export function nameList(value: AttributeValue | undefined): string[] | undefined {
  if (value?.kind !== 'array') return undefined
  const names = value.items.map((item) => (item.kind === 'word' ? item.value : undefined))
  return names.every((name) => name !== undefined) ? (names as string[]) : undefined
}

/** The primary-key fields of a model (`@id` or `@@id`), or undefined. */
export function idFieldsOf(model: ParsedModel): string[] | undefined {
  const blockId = findAttribute(model.attributes, 'id')
  if (blockId !== undefined) return nameList(argument(blockId, 'fields', 0))
  const ids = model.fields.filter((field) => findAttribute(field.attributes, 'id') !== undefined)
  return ids.length > 0 ? ids.map((field) => field.name) : undefined
}

/** The primary key (`@id`, `@@id`) and the unique constraints (`@unique`, `@@unique`) of a model. */
export function uniqueKeysOf(model: ParsedModel): UniqueKey[] {
  const keys: UniqueKey[] = []
  const compound = (attribute: ParsedAttribute, primary: boolean) => {
    const fields = nameList(argument(attribute, 'fields', 0))
    if (fields === undefined || fields.length === 0) return
    const name = argument(attribute, 'name')
    const inputName = name?.kind === 'string' ? name.value : fields.join('_')
    keys.push({ fields, inputName, primary })
  }
  for (const field of model.fields) {
    for (const attribute of field.attributes) {
      if (attribute.name === 'id' || attribute.name === 'unique') {
        keys.push({ fields: [field.name], inputName: field.name, primary: attribute.name === 'id' })
      }
    }
  }
  for (const attribute of model.attributes) {
    if (attribute.name === 'id') compound(attribute, true)
    else if (attribute.name === 'unique') compound(attribute, false)
  }
  return keys
}

/** The models of a schema text by name, or undefined when there is none or it cannot be parsed. */
export function parseOrUndefined(inlineSchema: string | undefined): Map<string, ParsedModel> | undefined {
  if (inlineSchema === undefined) return undefined
  try {
    return new Map(parsePrismaSchema(inlineSchema).map((model) => [model.name, model]))
  } catch {
    return undefined
  }
}
