/**
 * One source of truth for the test schema: `prisma/schema.prisma` (PostgreSQL). This module derives the copy
 * that each other provider runs, adapted only where that provider lacks a feature, and lists every
 * adaptation. `npm run schemas` writes the copies; `test/integration/provider-schemas.test.ts` fails when a
 * copy is out of date or when the adaptations change.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** A provider copy of the schema: where it lives and what its provider lacks. */
export interface SchemaTarget {
  /** Folder under `prisma/` holding its `schema.prisma` and `migrations/`, and folder under `generated/`. */
  readonly name: 'mysql' | 'mysql-relationmode' | 'sqlite'
  /** Prisma's datasource provider. */
  readonly provider: 'mysql' | 'sqlite'
  /** `relationMode = "prisma"`: no foreign keys, Prisma emulates referential actions in the client. */
  readonly emulatedRelations: boolean
  /** Whether fields may be lists of scalars or enums (`String[]`). */
  readonly scalarLists: boolean
  /** Whether `@db.*` native types exist (SQLite has none). */
  readonly nativeTypes: boolean
  /** Whether `onDelete: SetDefault` works (not on InnoDB, not emulated by relationMode = "prisma"). */
  readonly setDefault: boolean
}

/** Every copy, in the order `npm run generate` builds them. */
export const SCHEMA_TARGETS: readonly SchemaTarget[] = [
  {
    name: 'mysql',
    provider: 'mysql',
    emulatedRelations: false,
    scalarLists: false,
    nativeTypes: true,
    setDefault: false,
  },
  {
    name: 'mysql-relationmode',
    provider: 'mysql',
    emulatedRelations: true,
    scalarLists: false,
    nativeTypes: true,
    setDefault: false,
  },
  {
    name: 'sqlite',
    provider: 'sqlite',
    emulatedRelations: false,
    scalarLists: false,
    nativeTypes: false,
    setDefault: true,
  },
]

/** Path of the source schema. */
export const SOURCE_SCHEMA = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url))

/** Path of a target's `schema.prisma`. */
export function targetSchemaPath(target: SchemaTarget): string {
  return fileURLToPath(new URL(`../prisma/${target.name}/schema.prisma`, import.meta.url))
}

/** The copy's text and one line per adaptation, e.g. `Post.keywords: removed (no scalar lists)`. */
export interface ProviderSchema {
  readonly text: string
  readonly differences: readonly string[]
}

const SCALAR_TYPES: ReadonlySet<string> = new Set([
  'String',
  'Int',
  'BigInt',
  'Float',
  'Decimal',
  'Boolean',
  'DateTime',
  'Json',
  'Bytes',
])

/** A field line: indentation, name, spacing, type (with `?` or `[]`), rest. */
const FIELD_LINE = /^(\s+)(\w+)(\s+)(\w+)(\[\]|\?)?(.*)$/
const NATIVE_TYPE = /\s*@db\.\w+(\([^)]*\))?/g

/** Derives `target`'s copy of the PostgreSQL `source` schema text. */
export function providerSchema(source: string, target: SchemaTarget): ProviderSchema {
  const enums = new Set([...source.matchAll(/^enum\s+(\w+)\s*\{/gm)].map((match) => match[1]!))
  const differences: string[] = []
  const out: string[] = []
  let block: { kind: string; name: string } | undefined
  let model: ModelLines | undefined

  for (const line of source.split('\n')) {
    const opening = /^(\w+)\s+(\w+)\s*\{/.exec(line)
    if (opening) {
      block = { kind: opening[1]!, name: opening[2]! }
      if (block.kind === 'model') model = { name: block.name, lines: [] }
    }
    if (block?.kind === 'generator' && /^\s+output\s*=/.test(line)) {
      out.push(line.replace(/"[^"]*"/, `"../../generated/${target.name}"`))
      continue
    }
    if (block?.kind === 'datasource' && /^\s+provider\s*=/.test(line)) {
      out.push(line.replace(/"[^"]*"/, `"${target.provider}"`))
      if (target.emulatedRelations) {
        out.push(line.replace(/provider(\s*)=.*/, 'relationMode = "prisma"'))
        differences.push('datasource: relationMode = "prisma" (no foreign keys; Prisma emulates the actions)')
      }
      continue
    }
    let adapted = line
    const field = block?.kind === 'model' ? FIELD_LINE.exec(line) : null
    if (field && block) {
      const [, , name, , type, modifier] = field
      const qualified = `${block.name}.${name}`
      if (modifier === '[]' && (SCALAR_TYPES.has(type!) || enums.has(type!)) && !target.scalarLists) {
        differences.push(`${qualified}: removed (no lists of scalars or enums)`)
        continue
      }
      const natives = target.nativeTypes ? null : adapted.match(NATIVE_TYPE)
      if (natives) {
        differences.push(
          `${qualified}: ${natives.map((native) => native.trim()).join(' ')} removed (no native types)`,
        )
        adapted = adapted.replace(NATIVE_TYPE, '')
      }
      const selfAction = /onDelete: (\w+)/.exec(adapted)
      if (target.emulatedRelations && type === block.name && selfAction && !adapted.includes('onUpdate')) {
        differences.push(
          `${qualified}: onDelete ${selfAction[1]} becomes NoAction, onUpdate NoAction (what relationMode = "prisma" requires of a self-relation)`,
        )
        adapted = adapted.replace(selfAction[0], 'onDelete: NoAction, onUpdate: NoAction')
      }
      if (!target.setDefault && adapted.includes('onDelete: SetDefault')) {
        differences.push(
          `${qualified}: onDelete SetDefault becomes Restrict (InnoDB has no SET DEFAULT, relationMode = "prisma" cannot emulate it)`,
        )
        adapted = adapted.replace('onDelete: SetDefault', 'onDelete: Restrict')
      }
    }
    if (line.startsWith('}') && model) {
      if (target.emulatedRelations) {
        for (const fields of unindexedRelations(model.lines)) {
          out.push(...indexLines(out, fields))
          differences.push(`${model.name}: @@index([${fields.join(', ')}]) added (no foreign key index)`)
        }
      }
      model = undefined
    }
    if (line.startsWith('}')) block = undefined
    const trimmed = adapted.replace(/\s+$/, '')
    out.push(trimmed)
    model?.lines.push(trimmed)
  }
  const header = [
    `// Generated from prisma/schema.prisma by scripts/provider-schemas.ts (npm run schemas): do not edit.`,
    `// The ${target.name} copy differs from the source only in:`,
    ...differences.map((difference) => `// - ${difference}`),
    '',
  ]
  return { text: [...header, ...out].join('\n'), differences }
}

interface ModelLines {
  name: string
  lines: string[]
}

/**
 * Relation scalar fields that no id, unique or index starts with: with relationMode = "prisma" the database
 * creates no foreign key, hence no index behind it, and Prisma recommends adding one.
 */
function unindexedRelations(lines: readonly string[]): string[][] {
  const covered: string[][] = []
  const relations: string[][] = []
  for (const line of lines) {
    const single = FIELD_LINE.exec(line)
    if (single && /@(id|unique)\b/.test(line)) covered.push([single[2]!])
    const block = /^\s+@@(id|unique|index)\(\[([^\]]*)\]/.exec(line)
    if (block) covered.push(splitList(block[2]!))
    const relation = /@relation\([^)]*fields:\s*\[([^\]]*)\]/.exec(line)
    if (relation) relations.push(splitList(relation[1]!))
  }
  return relations.filter(
    (fields) => !covered.some((index) => fields.every((field, position) => index[position] === field)),
  )
}

function splitList(list: string): string[] {
  return list.split(',').map((item) => item.trim())
}

/** The `@@index` line, with the blank line before the first block attribute of a model that has none. */
function indexLines(out: readonly string[], fields: readonly string[]): string[] {
  const line = `  @@index([${fields.join(', ')}])`
  const previous = out.at(-1) ?? ''
  return /^\s+@@/.test(previous) || previous === '' ? [line] : ['', line]
}

function main(): void {
  const source = readFileSync(SOURCE_SCHEMA, 'utf8')
  for (const target of SCHEMA_TARGETS) {
    const { text, differences } = providerSchema(source, target)
    writeFileSync(targetSchemaPath(target), text)
    console.info(`prisma/${target.name}/schema.prisma: ${differences.length} differences`)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
