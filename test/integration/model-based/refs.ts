import fc from 'fast-check'
import type { PrismaClient } from '../../../generated/prisma/client.ts'

/** Delegates whose rows have an integer `id`, which writes refer to by position. */
export type RowDelegate = 'user' | 'profile' | 'category' | 'post' | 'tag' | 'comment' | 'team' | 'warehouse'

/**
 * A reference to the `position`-th existing row (by id) of a model, resolved just before the write runs.
 * Autoincrement ids drift during a sequence (rows are deleted, new ones get ever larger ids), so literal
 * ids would mostly miss; positions keep most writes on rows that exist. A position past the last row
 * resolves to an id that does not exist, so failing writes stay in the mix.
 */
export class RowRef {
  constructor(
    readonly delegate: RowDelegate,
    readonly position: number,
  ) {}

  toString(): string {
    return `${this.delegate}#${this.position}`
  }
}

/** How far past the largest id a missing reference points. */
const MISSING_OFFSET = 1000

/**
 * An arbitrary id of `delegate`, typed as the number Prisma expects: a {@link RowRef} that
 * {@link resolveRefs} replaces by an id. Positions `minPosition`–`maxPosition`; rows are usually fewer.
 */
export function rowId(delegate: RowDelegate, maxPosition = 6, minPosition = 0): fc.Arbitrary<number> {
  return fc
    .integer({ min: minPosition, max: maxPosition })
    .map((position) => new RowRef(delegate, position) as unknown as number)
}

/** `args` with every {@link RowRef} replaced by an id, read from the database through the plain client. */
export async function resolveRefs<T>(base: PrismaClient, args: T): Promise<T> {
  const delegates = new Set<RowDelegate>()
  visit(args, (ref) => delegates.add(ref.delegate))
  if (delegates.size === 0) return args
  const ids = new Map<RowDelegate, number[]>()
  for (const delegate of delegates) {
    const model = base[delegate] as unknown as {
      findMany(args: object): Promise<{ id: number }[]>
    }
    ids.set(
      delegate,
      (await model.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((row) => row.id),
    )
  }
  const resolve = (ref: RowRef): number => {
    const existing = ids.get(ref.delegate) ?? []
    return existing[ref.position] ?? (existing.at(-1) ?? 0) + MISSING_OFFSET + ref.position
  }
  return replace(args, resolve) as T
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  // fast-check's records have a null prototype.
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function visit(value: unknown, found: (ref: RowRef) => void): void {
  if (value instanceof RowRef) found(value)
  else if (Array.isArray(value)) for (const item of value) visit(item, found)
  else if (isPlain(value)) for (const item of Object.values(value)) visit(item, found)
}

function replace(value: unknown, resolve: (ref: RowRef) => number): unknown {
  if (value instanceof RowRef) return resolve(value)
  if (Array.isArray(value)) return value.map((item) => replace(item, resolve))
  if (isPlain(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item, resolve)]))
  return value
}
