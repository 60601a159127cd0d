/** Helpers for walking Prisma query arguments, which are plain objects and arrays. */

/** Query arguments or a part of them. */
export type Args = Readonly<Record<string, unknown>>

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is Args {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A list as it is, anything else as a list of one. */
export function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [value]
}

/** The set's members, sorted. */
export function sorted(dependencies: ReadonlySet<string>): string[] {
  return [...dependencies].sort()
}
