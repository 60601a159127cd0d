/**
 * Every access to Prisma Client internals, in one place. Prisma does not expose what a cache needs (the schema's
 * relations, the provider, whether a query runs in a transaction), so each function below reads one private
 * detail, and each names the test that fails loudly when a Prisma upgrade changes it:
 *
 * | internal | used for | guard test |
 * |---|---|---|
 * | `client._runtimeDataModel` | models, fields, relations | `test/integration/prisma-internals.test.ts` |
 * | `client._engineConfig.inlineSchema` | foreign keys, referential actions, ids | same |
 * | `client._activeProvider` | the SQL dialect of raw statements | same |
 * | `Prisma.getExtensionContext(this).$name` / `.$parent` | the typed cached read methods | same |
 * | the transaction client's scope-context symbol | reads inside `$transaction(async (tx) => …)` | `test/integration/transactions.test.ts` |
 * | query hooks' `__internalParams.transaction` | writes inside a transaction | same |
 * | `$transaction` on the prototype chain of `_originalClient` | deferring invalidations to the commit | same |
 * | error class names `PrismaClientKnownRequestError` / `PrismaClientValidationError` | telling a database failure from an answer | `test/integration/prisma-internals.test.ts` |
 * | Prisma promises run lazily, on `then` | answering a read from the cache | `test/integration/prisma-internals.test.ts` |
 */
import { Prisma } from '@prisma/client/extension'
import { UnsupportedPrismaError } from '../errors.ts'
import type { RuntimeDataModelLike } from '../schema/graph.ts'

/** What the cache reads from a client when `$extends` runs. */
export interface ClientSchema {
  runtimeDataModel: RuntimeDataModelLike
  /** The `schema.prisma` text the generated client embeds, when present. */
  inlineSchema: string | undefined
  /** `postgresql`, `mysql`, `sqlite`, … or undefined. */
  provider: string | undefined
}

/** The schema and provider of a client. Throws {@link UnsupportedPrismaError} when the data model is missing. */
export function clientSchema(client: unknown): ClientSchema {
  const internals = client as {
    _runtimeDataModel?: RuntimeDataModelLike
    _engineConfig?: { inlineSchema?: unknown }
    _activeProvider?: unknown
  }
  const runtimeDataModel = internals._runtimeDataModel
  if (
    typeof runtimeDataModel !== 'object' ||
    runtimeDataModel === null ||
    typeof runtimeDataModel.models !== 'object'
  ) {
    throw new UnsupportedPrismaError(
      'prisma-query-cache: this Prisma Client has no _runtimeDataModel; this Prisma version is not supported',
    )
  }
  const inlineSchema = internals._engineConfig?.inlineSchema
  const provider = internals._activeProvider
  return {
    runtimeDataModel,
    inlineSchema: typeof inlineSchema === 'string' ? inlineSchema : undefined,
    provider: typeof provider === 'string' ? provider : undefined,
  }
}

/** The model a typed model method was called on, and the client below this extension. */
export interface ModelContext {
  /** Model name as in the schema (`User`). */
  model: string
  /** The model's delegate on the client this extension was applied to. */
  delegate: Record<string, (args?: unknown) => unknown>
  /** The client this extension was applied to (for transaction detection). */
  parent: object
}

/** The context of a method added under `model.$allModels`, called as `prisma.user.findMany(…)`. */
export function modelContext(self: unknown): ModelContext {
  const context = Prisma.getExtensionContext(self) as unknown as {
    $name: string
    $parent: Record<string, any>
  }
  const model = context.$name
  const parent = context.$parent
  const delegate = parent[model.charAt(0).toLowerCase() + model.slice(1)] ?? parent[model]
  return { model, delegate, parent }
}

const TRANSACTION_SCOPE = Symbol.for('prisma.client.transaction.scope_context')

/** True when `client` is the client of an interactive `$transaction(async (tx) => …)` callback. */
export function isTransactionClient(client: unknown): boolean {
  if (client === null || (typeof client !== 'object' && typeof client !== 'function')) return false
  const scope = (client as Record<symbol, unknown>)[TRANSACTION_SCOPE] as { kind?: string } | undefined
  return scope !== undefined && scope !== null && scope.kind === 'nested'
}

/** The transaction a query hook's statement runs in, if any: `{ kind: 'itx' | 'batch', id }`. */
export function transactionOfHook(hookArgs: unknown): { kind: string; id: unknown } | undefined {
  const params = (hookArgs as { __internalParams?: { transaction?: { kind?: unknown; id?: unknown } } })
    .__internalParams
  const transaction = params?.transaction
  if (transaction === undefined || transaction === null || typeof transaction.kind !== 'string')
    return undefined
  return { kind: transaction.kind, id: transaction.id }
}

/**
 * Prisma's own `$transaction`, found on the prototype chain of the client the extension is applied to. Throws
 * {@link UnsupportedPrismaError} when it is not there.
 */
export function builtinTransaction(client: unknown): (this: unknown, ...args: unknown[]) => Promise<unknown> {
  const original = (client as { _originalClient?: object })._originalClient ?? client
  let proto: object | null = original as object
  while (proto !== null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, '$transaction')
    if (descriptor !== undefined && typeof descriptor.value === 'function') return descriptor.value
    proto = Object.getPrototypeOf(proto)
  }
  throw new UnsupportedPrismaError(
    'prisma-query-cache: could not find PrismaClient.prototype.$transaction; this Prisma version is not supported',
  )
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined
}

/**
 * Prisma's answers that mean the database (or Prisma, before sending) refused the statement: a validation error,
 * a constraint or relation violation, a missing record. Outside an interactive transaction such a write changed
 * nothing (Prisma runs a write's statements in one transaction). Connection, timeout and unknown database errors
 * are not in the list: a write that failed that way may have committed.
 */
const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'P2000',
  'P2001',
  'P2002',
  'P2003',
  'P2004',
  'P2005',
  'P2006',
  'P2007',
  'P2011',
  'P2012',
  'P2013',
  'P2014',
  'P2015',
  'P2016',
  'P2017',
  'P2018',
  'P2019',
  'P2020',
  'P2025',
  'P2033',
])

/** True when Prisma refused the statement or query (see {@link REFUSAL_CODES}): nothing was written. */
export function isRefusal(error: unknown): boolean {
  const name = errorName(error)
  if (name === 'PrismaClientValidationError') return true
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return name === 'PrismaClientKnownRequestError' && typeof code === 'string' && REFUSAL_CODES.has(code)
}

/**
 * Whether a failed load is the database's or the connection's trouble (then `staleIfError` may answer), rather
 * than an answer about the data or the query (not found, constraint, validation), which must reach the caller.
 */
export function isDatabaseFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true
  const name = errorName(error)
  if (name === 'PrismaClientValidationError') return false
  const code = (error as { code?: unknown }).code
  return !(name === 'PrismaClientKnownRequestError' && typeof code === 'string' && code.startsWith('P2'))
}
