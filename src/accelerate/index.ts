/**
 * `prisma-query-cache/accelerate`: code written for Prisma Accelerate's cache runs on this package after one
 * change, the import line.
 */
export * from '../errors.ts'
export type {
  AccelerateApi,
  AcceleratedRead,
  AcceleratedReadMethods,
  AccelerateExtension,
  AccelerateInfo,
  AccelerateInvalidateInput,
  AccelerateInvalidateResult,
  AcceleratePromise,
  PrismaCacheStrategy,
  WithAccelerateOptions,
} from './types.ts'
export { withAccelerate } from './with-accelerate.ts'
