import fc from 'fast-check'
import type { Prisma, PrismaClient } from '../../../generated/prisma/client.ts'
import { method, rejectedWrite } from './calls.ts'
import type { Delegate } from './reads.ts'
import { resolveRefs, rowId } from './refs.ts'
import { coarseReach, type ModelName, modelOf, RELATIONS } from './schema-map.ts'
import { show } from './show.ts'

/** Top-level write operations (G2). */
export const WRITE_OPERATIONS = [
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
] as const

export type WriteOperation = (typeof WRITE_OPERATIONS)[number]

/** Nested write operations (G2). */
export const NESTED_OPERATIONS = [
  'create',
  'createMany',
  'connect',
  'connectOrCreate',
  'disconnect',
  'set',
  'update',
  'updateMany',
  'upsert',
  'delete',
  'deleteMany',
] as const

const NESTED: ReadonlySet<string> = new Set(NESTED_OPERATIONS)

/** Where a write runs: the extended client (or a transaction client of it), and the plain client beside it. */
export interface WriteContext {
  /** The client writes go through: the cached client, or its interactive transaction client. */
  readonly client: object
  /** The plain client, to resolve row references (see {@link resolveRefs}). */
  readonly base: PrismaClient
}

/** One generated write step: what the model-based test runs through the cached client between checks. */
export interface Write {
  /** What the coarsest correct design may invalidate: reads outside it must stay cached. */
  readonly reach: ReadonlySet<ModelName>
  /** `Model.operation` and every nested `Model.field.operation` it contains, for coverage. */
  readonly kinds: readonly string[]
  /** Runs it; resolves to the concrete call (references resolved) and `ok` or the Prisma error code. */
  run(context: WriteContext): Promise<{ call: string; outcome: string }>
  toString(): string
}

/** A write of one model operation. */
export interface ModelWrite extends Write {
  readonly delegate: Delegate
  readonly operation: WriteOperation
  readonly args: object
  /** Resolves its row references; `send` then issues the call on a client, lazily (a Prisma promise). */
  prepare(base: PrismaClient): Promise<{ call: string; send(client: object): Promise<unknown> }>
}

/** A typed {@link ModelWrite}: `args` are checked against Prisma's argument type of that delegate and operation. */
export function write<D extends Delegate, O extends WriteOperation>(
  delegate: D,
  operation: O,
  args: Prisma.Args<PrismaClient[D], O>,
): ModelWrite {
  const model = modelOf(delegate)
  const prepare = async (base: PrismaClient) => {
    const resolved = await resolveRefs(base, args)
    return {
      call: `${delegate}.${operation}(${show(resolved)})`,
      send: (client: object) => method(client, delegate, operation)(resolved),
    }
  }
  return {
    delegate,
    operation,
    args,
    reach: coarseReach(model, args),
    kinds: [`${model}.${operation}`, ...nestedKinds(model, args)],
    prepare,
    async run({ client, base }) {
      const { call, send } = await prepare(base)
      try {
        await send(client)
        return { call, outcome: 'ok' }
      } catch (error) {
        return { call, outcome: rejectedWrite(call, error) }
      }
    },
    toString: () => `${delegate}.${operation}(${show(args)})`,
  }
}

/** `Model.relation.op` for every nested write in `args`, at any depth. */
function nestedKinds(model: ModelName, args: unknown): string[] {
  const kinds = new Set<string>()
  const walk = (current: ModelName, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(current, item)
      return
    }
    if (!isPlainObject(value)) return
    for (const [key, child] of Object.entries(value)) {
      const relation = RELATIONS[current][key]
      if (relation === undefined || !isPlainObject(child)) {
        walk(current, child)
        continue
      }
      for (const [operation, payload] of Object.entries(child)) {
        if (NESTED.has(operation)) kinds.add(`${current}.${key}.${operation}`)
        walk(relation.target, payload)
      }
    }
  }
  walk(model, args)
  return [...kinds]
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  // fast-check's records have a null prototype.
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** A write arbitrary, possibly weighted (plain ones weigh 1). */
export type WriteArbitrary = fc.MaybeWeightedArbitrary<ModelWrite>

/** Weight of the writes that pick from a union of nested writes, so that each nested kind comes up often. */
export const NESTED_WEIGHT = 8

/** Picks `arbitrary` `weight` times as often as an unweighted one: creates must outpace deletes. */
export function often<W extends Write>(arbitrary: fc.Arbitrary<W>, weight = 3): fc.WeightedArbitrary<W> {
  return { arbitrary, weight }
}

/** `value` in an arbitrary, or left out (undefined keys are dropped by Prisma). */
export function maybe<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arbitrary, { nil: undefined, freq: 2 })
}

/** `value` in an arbitrary one time in three, otherwise left out: for optional nested writes that may fail. */
export function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary, weight: 1 })
}

/** Picks one of a few arbitraries, each equally likely. */
export function oneOf<T>(...arbitraries: fc.Arbitrary<T>[]): fc.Arbitrary<T> {
  return fc.oneof(...arbitraries)
}

/** A small, non-empty list (1–2 items): enough to exercise list forms of nested writes. */
export function few<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.array(arbitrary, { minLength: 1, maxLength: 2 })
}

// Ids and unique values: small ranges, so writes hit existing rows often and missing ones sometimes.
export const userId = rowId('user')
export const profileId = rowId('profile', 4)
export const postId = rowId('post')
export const tagId = rowId('tag', 5)
export const commentId = rowId('comment', 7)
export const categoryId = rowId('category', 3)
export const teamId = rowId('team', 3)
export const warehouseId = rowId('warehouse', 5)
export const countryCode = fc.constantFrom('AA', 'BB', 'CC', 'DD')
export const warehouseCode = fc.constantFrom('w1', 'w2', 'w3')
export const sampleId = fc.constantFrom('s1', 's2', 's3')
export const email = fc.integer({ min: 1, max: 14 }).map((n) => `u${n}@x.io`)
export const userName = fc.constantFrom('Ann', 'Bob', 'Cyd', null)
export const role = fc.constantFrom('USER', 'ADMIN') as fc.Arbitrary<'USER' | 'ADMIN'>
export const title = fc.constantFrom('alpha', 'beta', 'gamma')
export const tagName = fc.constantFrom('t1', 't2', 't3', 't4', 't5')
export const categoryName = fc.constantFrom('news', 'tech', 'misc', 'art')
export const teamName = fc.constantFrom('red', 'blue', 'green')
export const membershipRole = fc.constantFrom('member', 'admin')
export const countryName = fc.constantFrom('Aland', 'Belize', 'Chad', 'Denmark')
export const bio = fc.constantFrom('hello', 'bio', 'x')
export const body = fc.constantFrom('nice', 'meh', 'wow')

/** Compound id of Membership. */
export const membershipKey = fc.record({ userId, teamId })

/** A unique reference to a user, by id or by email. */
export const userRef = oneOf<Prisma.UserWhereUniqueInput>(
  userId.map((id) => ({ id })),
  email.map((address) => ({ email: address })),
)
export const postRef = postId.map((id) => ({ id }))
/** A unique reference to a tag, by id or by name. */
export const tagRef = oneOf<Prisma.TagWhereUniqueInput>(
  tagId.map((id) => ({ id })),
  tagName.map((name) => ({ name })),
)
/** A unique reference to a team, by id or by name. */
export const teamRef = oneOf<Prisma.TeamWhereUniqueInput>(
  teamId.map((id) => ({ id })),
  teamName.map((name) => ({ name })),
)
