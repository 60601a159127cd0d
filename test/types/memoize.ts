// Type tests of `$cache.memoize` and `$cache.getOrSet`, checked by `npm run typecheck` (tsc); never executed.
// A memoized function keeps the wrapped function's parameters and result.
import { expectTypeOf } from 'vitest'
import type { PrismaClient, User } from '../../generated/prisma/client.ts'
import { type CacheInfo, queryCache } from '../../src/index.ts'

declare const base: PrismaClient
const prisma = base.$extends(queryCache({}))

export async function memoizedFunctionsKeepTheirTypes(): Promise<void> {
  const page = prisma.$cache.memoize(
    'user-page',
    async (id: number, withPosts: boolean) => {
      const user = await prisma.user.findUnique({ where: { id } })
      return { user, withPosts, at: new Date(), views: 1n }
    },
    { ttl: 60, tags: (id, withPosts) => [`user-${id}`, String(withPosts)], models: ['Post'] },
  )
  type Page = { user: User | null; withPosts: boolean; at: Date; views: bigint }
  expectTypeOf(await page(1, true)).toEqualTypeOf<Page>()
  expectTypeOf(await page.refresh(1, false)).toEqualTypeOf<Page>()
  expectTypeOf(await page.withCacheInfo(1, true)).toEqualTypeOf<{ data: Page; info: CacheInfo }>()
  expectTypeOf(page.invalidate(1, true)).toEqualTypeOf<Promise<void>>()
  expectTypeOf(page.invalidateAll()).toEqualTypeOf<Promise<void>>()
  expectTypeOf(page).parameters.toEqualTypeOf<[number, boolean]>()
  // @ts-expect-error the parameters are the wrapped function's
  await page('1', true)
  // @ts-expect-error so is their number
  await page(1)
  // @ts-expect-error invalidate takes the same arguments
  await page.invalidate('x')
  // A synchronous function's result is awaited like an async one's.
  const sync = prisma.$cache.memoize('sum', (a: number, b: number) => a + b)
  expectTypeOf(await sync(1, 2)).toEqualTypeOf<number>()
  expectTypeOf(await prisma.$cache.getOrSet('rates', async () => ({ eur: 1.1 }), { ttl: 60 })).toEqualTypeOf<{
    eur: number
  }>()
  // @ts-expect-error tags computed from the arguments take the wrapped function's parameters
  prisma.$cache.memoize('bad-tags', async (id: number) => id, { tags: (id: string) => [id] })
  // @ts-expect-error options are checked
  prisma.$cache.memoize('bad-option', async () => 1, { ttl: '60' })
}
