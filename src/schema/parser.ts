/**
 * A small, tolerant parser for `schema.prisma` text: models (and views) with their fields and attributes.
 * Enums, composite types, generators and datasources are skipped. Only what the schema graph needs is kept.
 */

/** An attribute argument value in schema text. */
export type AttributeValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'word'; readonly value: string; readonly args: readonly AttributeArgument[] | undefined }
  | { readonly kind: 'array'; readonly items: readonly AttributeValue[] }

/** One argument of an attribute: positional (`name` undefined) or named. */
export interface AttributeArgument {
  readonly name: string | undefined
  readonly value: AttributeValue
}

/** An attribute such as `@relation(...)` (field) or `@@map(...)` (block). */
export interface ParsedAttribute {
  readonly name: string
  readonly args: readonly AttributeArgument[]
}

/** A field line of a model or view. */
export interface ParsedField {
  readonly name: string
  readonly type: string
  readonly isList: boolean
  readonly isOptional: boolean
  readonly attributes: readonly ParsedAttribute[]
}

/** A `model` or `view` block. */
export interface ParsedModel {
  readonly name: string
  readonly fields: readonly ParsedField[]
  readonly attributes: readonly ParsedAttribute[]
}

type Token = { readonly kind: 'word' | 'string' | 'punct'; readonly value: string; readonly at: number }

const WORD_CHAR = /[A-Za-z0-9_.+\-$]/
const SKIPPED_BLOCKS: ReadonlySet<string> = new Set(['enum', 'type', 'generator', 'datasource'])
const MODEL_BLOCKS: ReadonlySet<string> = new Set(['model', 'view'])

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const char = text[i]!
    if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (/\s/.test(char)) {
      i++
    } else if (char === '"') {
      const start = i++
      let value = ''
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') {
          const escaped = text[i + 1] ?? ''
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped
          i += 2
        } else {
          value += text[i++]
        }
      }
      if (i >= text.length) throw new SyntaxError(`unterminated string at offset ${start}`)
      i++
      tokens.push({ kind: 'string', value, at: start })
    } else if (WORD_CHAR.test(char)) {
      const start = i
      while (i < text.length && WORD_CHAR.test(text[i]!)) i++
      tokens.push({ kind: 'word', value: text.slice(start, i), at: start })
    } else if (char === '@' && text[i + 1] === '@') {
      tokens.push({ kind: 'punct', value: '@@', at: i })
      i += 2
    } else {
      tokens.push({ kind: 'punct', value: char, at: i })
      i++
    }
  }
  return tokens
}

class SchemaParser {
  readonly #tokens: Token[]
  #position = 0

  constructor(text: string) {
    this.#tokens = tokenize(text)
  }

  parse(): ParsedModel[] {
    const models: ParsedModel[] = []
    while (this.#peek() !== undefined) {
      const keyword = this.#word()
      const name = this.#word()
      if (MODEL_BLOCKS.has(keyword)) models.push(this.#modelBody(name))
      else if (SKIPPED_BLOCKS.has(keyword)) this.#skipBlock()
      else throw this.#error(`unknown block '${keyword}'`)
    }
    return models
  }

  #modelBody(name: string): ParsedModel {
    this.#expect('{')
    const fields: ParsedField[] = []
    const attributes: ParsedAttribute[] = []
    while (!this.#accept('}')) {
      if (this.#accept('@@')) {
        attributes.push(this.#attribute())
        continue
      }
      const fieldName = this.#word()
      const type = this.#word()
      if (this.#peek()?.value === '(') this.#arguments()
      const isList = this.#accept('[')
      if (isList) this.#expect(']')
      const isOptional = this.#accept('?')
      const fieldAttributes: ParsedAttribute[] = []
      while (this.#accept('@')) fieldAttributes.push(this.#attribute())
      fields.push({ name: fieldName, type, isList, isOptional, attributes: fieldAttributes })
    }
    return { name, fields, attributes }
  }

  #attribute(): ParsedAttribute {
    const name = this.#word()
    return { name, args: this.#peek()?.value === '(' ? this.#arguments() : [] }
  }

  #arguments(): AttributeArgument[] {
    this.#expect('(')
    const args: AttributeArgument[] = []
    while (!this.#accept(')')) {
      const next = this.#tokens[this.#position + 1]
      let name: string | undefined
      if (this.#peek()?.kind === 'word' && next?.value === ':') {
        name = this.#word()
        this.#expect(':')
      }
      args.push({ name, value: this.#value() })
      if (!this.#accept(',')) {
        this.#expect(')')
        break
      }
    }
    return args
  }

  #value(): AttributeValue {
    const token = this.#next()
    if (token.kind === 'string') return { kind: 'string', value: token.value }
    if (token.value === '[') {
      const items: AttributeValue[] = []
      while (!this.#accept(']')) {
        items.push(this.#value())
        if (!this.#accept(',')) {
          this.#expect(']')
          break
        }
      }
      return { kind: 'array', items }
    }
    if (token.kind !== 'word') throw this.#error(`unexpected '${token.value}'`, token)
    return {
      kind: 'word',
      value: token.value,
      args: this.#peek()?.value === '(' ? this.#arguments() : undefined,
    }
  }

  #skipBlock(): void {
    this.#expect('{')
    let depth = 1
    while (depth > 0) {
      const token = this.#next()
      if (token.kind !== 'punct') continue
      if (token.value === '{') depth++
      else if (token.value === '}') depth--
    }
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#position]
  }

  #next(): Token {
    const token = this.#tokens[this.#position++]
    if (token === undefined) throw this.#error('unexpected end of schema')
    return token
  }

  #word(): string {
    const token = this.#next()
    if (token.kind !== 'word') throw this.#error(`expected a name, got '${token.value}'`, token)
    return token.value
  }

  #accept(punct: string): boolean {
    const token = this.#peek()
    if (token?.kind !== 'punct' || token.value !== punct) return false
    this.#position++
    return true
  }

  #expect(punct: string): void {
    const token = this.#next()
    if (token.kind !== 'punct' || token.value !== punct) {
      throw this.#error(`expected '${punct}', got '${token.value}'`, token)
    }
  }

  #error(message: string, token?: Token): SyntaxError {
    return new SyntaxError(`schema.prisma: ${message}${token ? ` at offset ${token.at}` : ''}`)
  }
}

/**
 * Parses the models and views of a `schema.prisma` text; enums, composite types, generators and
 * datasources are skipped. Throws a `SyntaxError` on text it cannot read.
 */
export function parsePrismaSchema(text: string): ParsedModel[] {
  return new SchemaParser(text).parse()
}
