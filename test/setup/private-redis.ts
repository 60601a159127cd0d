import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'

/** A loopback port where nothing listens now (the OS picked it free and it was closed again). */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = createServer()
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/** A private Redis on a free loopback port, so that killing its clients or itself disturbs no other test file. */
export async function privateRedis(options: { persistent?: boolean; args?: readonly string[] } = {}) {
  const port = await freePort()
  const dir = await mkdtemp(path.join(tmpdir(), 'pqc-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir]
  args.push(
    ...(options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.args ?? []),
  )
  const url = `redis://127.0.0.1:${port}`
  let server: ChildProcess | undefined
  const start = async () => {
    server = spawn('redis-server', args, { stdio: 'ignore' })
    for (let attempt = 0; ; attempt++) {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
      probe.on('error', () => {})
      try {
        await probe.connect()
        await probe.ping()
        probe.disconnect()
        return
      } catch (error) {
        probe.disconnect()
        if (attempt > 100) throw error
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      const running = server
      if (running === undefined || running.exitCode !== null) return resolve()
      running.once('exit', () => resolve())
      running.kill('SIGTERM')
    })
  await start()
  return {
    url,
    start,
    stop,
    async dispose() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A client of a Redis that is not there (port 1, nothing listens): it never connects, never retries, and fails
 * every command at once; its connection errors are swallowed.
 */
export function deadRedis(): Redis {
  const down = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  })
  down.on('error', () => undefined)
  return down
}
