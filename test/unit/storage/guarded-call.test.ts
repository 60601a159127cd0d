import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TierError } from '../../../src/errors.ts'
import { CIRCUIT_OPEN, GuardedCall, withTimeout } from '../../../src/storage/guarded-call.ts'
import { ManualClock } from '../../support/manual-clock.ts'

/** A promise that never settles: a command whose reply never comes. */
const NEVER = new Promise<never>(() => {})

/** The state of a promise after every pending microtask ran. */
async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending'
  promise.then(
    () => {
      state = 'resolved'
    },
    () => {
      state = 'rejected'
    },
  )
  await vi.advanceTimersByTimeAsync(0)
  return state
}

describe('withTimeout', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('rejects a promise that never settles with a TierError after exactly timeoutMs', async () => {
    const timed = withTimeout(NEVER, 50, 'GET')
    timed.catch(() => undefined)
    await vi.advanceTimersByTimeAsync(49)
    expect(await stateOf(timed)).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(await stateOf(timed)).toBe('rejected')
    await expect(timed).rejects.toThrow(TierError)
    await expect(timed).rejects.toThrow('redis GET timed out after 50 ms')
  })

  it('passes a settled value or error through and leaves no timer behind', async () => {
    await expect(withTimeout(Promise.resolve('OK'), 50, 'SET')).resolves.toBe('OK')
    const failure = new Error('READONLY')
    await expect(withTimeout(Promise.reject(failure), 50, 'SET')).rejects.toBe(failure)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('GuardedCall', () => {
  let clock: ManualClock
  const failing = () => Promise.reject(new Error('ECONNREFUSED'))
  const guardOf = (options: { failures?: number; openMs?: number } = {}) =>
    new GuardedCall({ timeoutMs: 50, clock: clock.read, failures: 3, openMs: 1000, ...options })

  /** Runs `n` calls that fail, one after the other. */
  async function failTimes(guard: GuardedCall, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await expect(guard.run('GET', failing)).rejects.toThrow('ECONNREFUSED')
  }

  beforeEach(() => {
    clock = new ManualClock()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('answers what the call answers while the store works', async () => {
    const guard = guardOf()
    await expect(guard.run('GET', () => Promise.resolve('value'))).resolves.toBe('value')
    expect(guard.open).toBe(false)
  })

  it('a call that never settles fails with a TierError after timeoutMs, and counts as a failure', async () => {
    vi.useFakeTimers()
    const guard = guardOf({ failures: 1 })
    const call = guard.run('MGET', () => NEVER)
    call.catch(() => undefined)
    await vi.advanceTimersByTimeAsync(50)
    expect(await stateOf(call)).toBe('rejected')
    await expect(call).rejects.toThrow(new TierError('redis MGET timed out after 50 ms'))
    expect(guard.open).toBe(true)
  })

  it('opens after N consecutive failures: then it fails at once with CIRCUIT_OPEN without calling the store', async () => {
    const guard = guardOf()
    await failTimes(guard, 2)
    expect(guard.open).toBe(false)
    await failTimes(guard, 1)
    expect(guard.open).toBe(true)
    const start = vi.fn(() => Promise.resolve('value'))
    await expect(guard.run('GET', start)).rejects.toBe(CIRCUIT_OPEN)
    await expect(guard.run('SET', start)).rejects.toBe(CIRCUIT_OPEN)
    expect(start).not.toHaveBeenCalled()
    expect(CIRCUIT_OPEN).toBeInstanceOf(TierError)
  })

  it('a success resets the count: only consecutive failures open it', async () => {
    const guard = guardOf()
    await failTimes(guard, 2)
    await guard.run('GET', () => Promise.resolve('value'))
    await failTimes(guard, 2)
    expect(guard.open).toBe(false)
    await failTimes(guard, 1)
    expect(guard.open).toBe(true)
  })

  it('stays open for openMs on the injected clock, then lets one probe through (half-open)', async () => {
    const guard = guardOf()
    await failTimes(guard, 3)
    clock.advance(999)
    const start = vi.fn(() => Promise.resolve('value'))
    await expect(guard.run('GET', start)).rejects.toBe(CIRCUIT_OPEN)
    expect(start).not.toHaveBeenCalled()

    clock.advance(1)
    expect(guard.open).toBe(false)
    let answer!: (value: string) => void
    const probe = guard.run(
      'GET',
      vi.fn(
        () =>
          new Promise<string>((resolve) => {
            answer = resolve
          }),
      ),
    )
    // While the probe is out, every other call still fails at once.
    await expect(guard.run('GET', start)).rejects.toBe(CIRCUIT_OPEN)
    expect(start).not.toHaveBeenCalled()
    answer('value')
    await expect(probe).resolves.toBe('value')
  })

  it('a successful probe closes it: calls go through and a single failure no longer opens it', async () => {
    const guard = guardOf()
    await failTimes(guard, 3)
    clock.advance(1000)
    await expect(guard.run('GET', () => Promise.resolve('probe'))).resolves.toBe('probe')
    expect(guard.open).toBe(false)
    await expect(guard.run('GET', () => Promise.resolve('next'))).resolves.toBe('next')
    await failTimes(guard, 1)
    expect(guard.open).toBe(false)
  })

  it('a failed probe opens it again for openMs from the failure', async () => {
    const guard = guardOf()
    await failTimes(guard, 3)
    clock.advance(1000)
    await failTimes(guard, 1)
    expect(guard.open).toBe(true)
    const start = vi.fn(() => Promise.resolve('value'))
    clock.advance(999)
    await expect(guard.run('GET', start)).rejects.toBe(CIRCUIT_OPEN)
    expect(start).not.toHaveBeenCalled()
    clock.advance(1)
    await expect(guard.run('GET', start)).resolves.toBe('value')
    expect(start).toHaveBeenCalledTimes(1)
  })
})
