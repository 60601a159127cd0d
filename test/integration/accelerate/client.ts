import { type WithAccelerateOptions, withAccelerate } from '../../../src/accelerate/index.ts'
import type { CacheEvent } from '../../../src/index.ts'
import { INSTANCE_ID } from '../../../src/shared-instance.ts'
import type { TestDatabase } from '../../setup/database.ts'

let instances = 0

/**
 * A client extended with `withAccelerate(options)`, an instance of its own (as if in another process), with its
 * statements counted and `next(match)`: resolves at the next matching cache event (call it before the action).
 */
export function acceleratedClient(db: TestDatabase, options: WithAccelerateOptions = {}) {
  const { client, statements } = db.createClient({ errorFormat: 'minimal' })
  const prisma = client.$extends(
    withAccelerate({
      ...({ [INSTANCE_ID]: `accelerate-instance-${instances++}` } as WithAccelerateOptions),
      ...options,
    }),
  )
  const next = (match: (e: CacheEvent) => boolean) =>
    new Promise<void>((resolve) => {
      const stop = prisma.$cache.subscribe((event) => {
        if (!match(event)) return
        stop()
        resolve()
      })
    })
  return { prisma, base: client, statements, next }
}
