import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { CacheEvent } from '../../src/index.ts'
import { cachedClient, useFixture } from './helpers.ts'

// G6 across OS processes: an instance in a child process writes; this process's memory tier stops serving the
// old value once the bus delivers the invalidation, and the child reads what this process wrote.

const fixture = useFixture({ truncate: false })

/** Sends a message to the child and resolves with its next reply. */
function ask(child: ChildProcess, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    child.once('message', (reply) => resolve(reply as Record<string, unknown>))
    child.once('error', reject)
    child.send(message as object)
  })
}

describe('two OS processes sharing Redis', () => {
  it('a write in one process invalidates the other process, both ways', async () => {
    const namespace = fixture.namespace()
    let delivered: (() => void) | undefined
    const { prisma } = cachedClient(fixture.db, {
      redis: fixture.connection(),
      namespace,
      onEvent: (event: CacheEvent) => {
        if (event.type === 'invalidate' && event.cause === 'bus') delivered?.()
      },
    })
    const user = await prisma.user.create({ data: { email: 'processes@x.io', name: 'old' } })
    const child = fork(
      fileURLToPath(new URL('./processes/writer.ts', import.meta.url)),
      [fixture.db.url, fixture.db.schema, fixture.redis.url, namespace],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    )
    try {
      await new Promise<void>((resolve) => child.once('message', () => resolve()))
      const read = () =>
        prisma.user.findUnique({ where: { id: user.id }, cacheStrategy: { ttl: 3600 } }).withCacheInfo()
      await read()
      expect((await read()).info.tier).toBe('memory')

      const arrived = new Promise<void>((resolve) => {
        delivered = resolve
      })
      expect(await ask(child, { update: { id: user.id, name: 'from the child' } })).toEqual({ done: true })
      await arrived
      expect((await read()).data?.name).toBe('from the child')

      expect(await ask(child, { read: { id: user.id } })).toMatchObject({ name: 'from the child' })
      await prisma.user.update({ where: { id: user.id }, data: { name: 'from the parent' } })
      // The child's own bus delivers this; its next read must not return its cached value.
      let reply = await ask(child, { read: { id: user.id } })
      for (let i = 0; reply.name !== 'from the parent' && i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10))
        reply = await ask(child, { read: { id: user.id } })
      }
      expect(reply.name).toBe('from the parent')
    } finally {
      child.send({ close: true })
      await new Promise<void>((resolve) => child.once('exit', () => resolve()))
      await prisma.$cache.close()
    }
  })
})
