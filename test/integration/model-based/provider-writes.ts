/**
 * The generated writes, adapted to what a provider has (see `test/setup/providers.ts`). The generators are
 * written once, against the PostgreSQL schema; each adaptation below replaces what the provider lacks by the
 * nearest thing it has, so that every provider still meets every write kind it supports.
 */
import type { ProviderFeatures } from '../../setup/providers.ts'
import type { Delegate } from './reads.ts'
import { type ModelName, RELATIONS } from './schema-map.ts'
import { type ModelWrite, WRITE_OPERATIONS, type WriteOperation, write } from './write.ts'

/** Scalar list fields per model: only PostgreSQL has them; the other copies of the schema drop them. */
const LIST_FIELDS: Readonly<Partial<Record<ModelName, ReadonlySet<string>>>> = {
  Post: new Set(['keywords']),
  Sample: new Set(['strs', 'ints', 'bigs', 'floats', 'decs', 'bools', 'dates', 'roles']),
}

/** The batch operations that return rows, and what a provider without them runs instead. */
const WITHOUT_RETURNING: Readonly<Partial<Record<WriteOperation, WriteOperation>>> = {
  createManyAndReturn: 'createMany',
  updateManyAndReturn: 'updateMany',
}

/** Top-level write operations the provider has: all but the returning batches on MySQL. */
export function writeOperations(features: ProviderFeatures): WriteOperation[] {
  return WRITE_OPERATIONS.filter(
    (operation) => features.returningBatches || !(operation in WITHOUT_RETURNING),
  )
}

/**
 * `modelWrite` as the provider can run it:
 * - no scalar lists (MySQL, SQLite): list fields are left out of the data (`keywords`, Sample's lists);
 * - no `createManyAndReturn`/`updateManyAndReturn` (MySQL): `createMany`/`updateMany` without
 *   `select`/`include`/`omit`;
 * - no `skipDuplicates` (SQLite): left out, so a duplicate fails with P2002 instead of being skipped.
 */
export function adaptWrite(modelWrite: ModelWrite, features: ProviderFeatures): ModelWrite {
  let operation = modelWrite.operation
  let args = modelWrite.args as Record<string, unknown>
  const replacement = features.returningBatches ? undefined : WITHOUT_RETURNING[operation]
  if (replacement !== undefined) {
    const { select: _select, include: _include, omit: _omit, ...rest } = args
    operation = replacement
    args = rest
  }
  const model = modelOf(modelWrite.delegate)
  const adapted = withoutUnsupported(model, args, features) as Record<string, unknown>
  if (operation === modelWrite.operation && adapted === modelWrite.args) return modelWrite
  return write(modelWrite.delegate, operation, adapted as never)
}

function modelOf(delegate: Delegate): ModelName {
  return (delegate.charAt(0).toUpperCase() + delegate.slice(1)) as ModelName
}

/** `value` without list fields and `skipDuplicates` where the provider lacks them; unchanged values are kept as they are. */
function withoutUnsupported(model: ModelName, value: unknown, features: ProviderFeatures): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => withoutUnsupported(model, item, features))
    return items.every((item, index) => item === value[index]) ? value : items
  }
  if (!isPlainObject(value)) return value
  let changed = false
  const entries: [string, unknown][] = []
  for (const [key, child] of Object.entries(value)) {
    const dropped =
      (!features.scalarLists && LIST_FIELDS[model]?.has(key) === true) ||
      (!features.skipDuplicates && key === 'skipDuplicates')
    if (dropped) {
      changed = true
      continue
    }
    const target = RELATIONS[model][key]?.target ?? model
    const adapted = withoutUnsupported(target, child, features)
    changed ||= adapted !== child
    entries.push([key, adapted])
  }
  return changed ? Object.fromEntries(entries) : value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  // fast-check's records have a null prototype.
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
