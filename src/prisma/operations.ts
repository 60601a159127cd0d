/** The Prisma model operations that read and may be cached. */
export const READ_OPERATIONS = [
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
] as const

/** The Prisma model operations that write and therefore invalidate. */
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

/** Raw client operations that may write. */
export const RAW_WRITE_OPERATIONS = ['$executeRaw', '$executeRawUnsafe'] as const

/** Raw client operations that read, unless the statement itself writes. */
export const RAW_QUERY_OPERATIONS = ['$queryRaw', '$queryRawUnsafe', '$queryRawTyped'] as const

/** The nested-write operations Prisma accepts inside `data` on a relation field. */
export const NESTED_WRITE_OPERATIONS = [
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

export type ReadOperation = (typeof READ_OPERATIONS)[number]
export type WriteOperation = (typeof WRITE_OPERATIONS)[number]
export type NestedWriteOperation = (typeof NESTED_WRITE_OPERATIONS)[number]

const READ_SET: ReadonlySet<string> = new Set(READ_OPERATIONS)
const WRITE_SET: ReadonlySet<string> = new Set(WRITE_OPERATIONS)

/** True for the 8 cacheable read operations. */
export function isReadOperation(operation: string): operation is ReadOperation {
  return READ_SET.has(operation)
}

/** True for the model operations that write. */
export function isWriteOperation(operation: string): operation is WriteOperation {
  return WRITE_SET.has(operation)
}
