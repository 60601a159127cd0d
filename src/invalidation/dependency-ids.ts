import { hashKey } from '../read/keys.ts'

/**
 * Dependency ids. A cached entry records the version of each dependency it was loaded under and is valid only
 * while all of them are current. Model and join-table dependencies are plain names (`User`, `_PostToTag`): every
 * write to the model moves them, and the reads of a model that are not pinned to rows depend on them. The
 * others carry a prefix that no Prisma model name can start with.
 */
export const DEPENDENCY_PREFIX = {
  tag: '#',
  region: '@',
  softRegion: '~',
  all: '*',
  /** `!User`: every pinned read of the model; moved by writes whose rows the cache cannot tell. */
  unpinned: '!',
  /** `=User.email="a@x.io"`: the reads pinned to rows with these values. */
  pin: '=',
  /** `%User.email`: every read pinned by these fields, whatever the values. */
  scheme: '%',
  /** `&name` (every argument list) and `&name:hash` (one): a memoized function's own invalidation. */
  memo: '&',
} as const

/** Pin ids longer than this carry a hash of their values instead of the values. */
const MAX_PIN_LENGTH = 160

/** The dependency every entry has: bumped by `invalidateAll()`. */
export const ALL_DEPENDENCY = DEPENDENCY_PREFIX.all

/** Dependency id of a tag. */
export function tagDependency(tag: string): string {
  return DEPENDENCY_PREFIX.tag + tag
}

/** Dependency id of a region (hard invalidation). */
export function regionDependency(region: string): string {
  return DEPENDENCY_PREFIX.region + region
}

/** Dependency id of a region's soft invalidation counter. */
export function softRegionDependency(region: string): string {
  return DEPENDENCY_PREFIX.softRegion + region
}

/**
 * Dependency id that every read pinned to rows of `model` has: a write to the model whose changed rows are not
 * known (many rows, nested writes, referential actions, raw SQL, `invalidate({ models })`) moves it.
 */
export function unpinnedDependency(model: string): string {
  return DEPENDENCY_PREFIX.unpinned + model
}

/**
 * Dependency id of the rows of `model` whose `fields` hold `values` (canonical texts, see `invalidation/pins.ts`):
 * the reads pinned to them, and what a write of such a row moves.
 */
export function pinDependency(model: string, fields: readonly string[], values: readonly string[]): string {
  const head = `${DEPENDENCY_PREFIX.pin}${model}.${fields.join('+')}=`
  const id = head + values.join(',')
  return id.length <= MAX_PIN_LENGTH ? id : `${head}#${hashKey(values.join(','))}`
}

/** True for the id of a model or of an implicit many-to-many table (a plain name). */
export function isTableDependency(dependency: string): boolean {
  const first = dependency.charCodeAt(0)
  // Letters and `_`: model names start with a letter, join tables with `_`.
  return (first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first === 95
}

/**
 * Dependency id that every read pinned by `fields` of `model` has, whatever its values: a write that changes one of
 * those fields in a row whose value before it cannot tell moves it.
 */
export function schemeDependency(model: string, fields: readonly string[]): string {
  return `${DEPENDENCY_PREFIX.scheme}${model}.${fields.join('+')}`
}

/** Dependency id of a memoized function (`name`), or of one of its argument lists (`argsHash`). */
export function memoDependency(name: string, argsHash?: string): string {
  return argsHash === undefined
    ? DEPENDENCY_PREFIX.memo + name
    : `${DEPENDENCY_PREFIX.memo}${name}:${argsHash}`
}

/** What `$cache.invalidate()` of these tags, models and regions moves (soft: the regions' soft counters). */
export function apiInvalidationDependencies(input: {
  tags: readonly string[]
  models: readonly string[]
  regions: readonly string[]
  mode: 'hard' | 'soft'
}): string[] {
  const dependencies = [
    ...input.tags.map(tagDependency),
    ...input.models.flatMap((model) => [model, unpinnedDependency(model)]),
    ...input.regions.map(input.mode === 'soft' ? softRegionDependency : regionDependency),
  ]
  return [...new Set(dependencies)]
}
