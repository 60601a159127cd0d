/**
 * Dependency ids. A cached entry records the version of each dependency it was loaded under and is valid only
 * while all of them are current. Model and join-table dependencies are plain names (`User`, `_PostToTag`); the
 * others carry a prefix that no Prisma model name can start with.
 */
export const DEPENDENCY_PREFIX = {
  tag: '#',
  region: '@',
  softRegion: '~',
  all: '*',
} as const

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
