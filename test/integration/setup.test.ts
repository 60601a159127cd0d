import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRedis, type TestRedis } from '../setup/redis.ts'
import { describeTestSetup } from './suites/setup.ts'

describeTestSetup('postgresql')

describe('test setup: redis', () => {
  let redisA: TestRedis
  let redisB: TestRedis

  beforeAll(() => {
    redisA = createTestRedis()
    redisB = createTestRedis()
  })

  afterAll(async () => {
    await Promise.all([redisA?.close(), redisB?.close()])
  })

  it('gives every call its own namespace and cleans it up on close', async () => {
    expect(redisA.namespace).not.toBe(redisB.namespace)
    expect(redisA.namespace).toMatch(/^t[0-9a-f]{12}$/)
    const a = redisA.connect()
    const b = redisB.connect()
    await a.set(`${redisA.namespace}:k`, '1')
    await a.set(`pqc:{${redisA.namespace}}:v`, '1')
    await b.set(`${redisB.namespace}:k`, '2')
    expect(await a.ping()).toBe('PONG')

    await redisA.close()
    expect(a.status).toBe('end')
    expect(() => redisA.connect()).toThrow(/closed/)
    expect(await b.exists(`${redisA.namespace}:k`, `pqc:{${redisA.namespace}}:v`)).toBe(0)
    expect(await b.get(`${redisB.namespace}:k`)).toBe('2')
  })
})
