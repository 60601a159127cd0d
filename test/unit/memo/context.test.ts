import { Decimal } from '@prisma/client/runtime/client'
import { describe, expect, it } from 'vitest'
import { StrategyError } from '../../../src/errors.ts'
import { canonicalArguments } from '../../../src/memo/arguments.ts'
import { currentMemo, MemoContext, mergeBasis, outsideMemo, runMemo } from '../../../src/memo/context.ts'

describe('MemoContext', () => {
  it('keeps, per dependency, the earliest version any read reported', () => {
    const context = new MemoContext(1000)
    context.report({ dependencies: ['User', '*'], versions: ['20', '5'] })
    context.report({ dependencies: ['User', 'Post'], versions: ['10', '7'] })
    context.report({ dependencies: ['User'], versions: ['30'] })
    expect(context.close()).toEqual({ dependencies: ['User', '*', 'Post'], versions: ['10', '5', '7'] })
  })

  it('compares versions as numbers, not text', () => {
    const context = new MemoContext(1000)
    context.report({ dependencies: ['User'], versions: ['100'] })
    context.report({ dependencies: ['User'], versions: ['99'] })
    expect(context.close()?.versions).toEqual(['99'])
  })

  it('a read of unknown validity, a write or a read in a transaction makes the result unstorable', () => {
    const unknown = new MemoContext(1000)
    unknown.report(undefined)
    expect(unknown.close()).toBeUndefined()
    expect(unknown.uncacheable).toEqual({ reason: 'unknown-read' })
    const write = new MemoContext(1000)
    write.report({ dependencies: ['User'], versions: ['1'] })
    write.refuse('write', { model: 'User', operation: 'create' })
    write.refuse('transaction')
    expect(write.close()).toBeUndefined()
    expect(write.uncacheable).toEqual({ reason: 'write', model: 'User', operation: 'create' })
  })

  it('ignores what arrives after it closed', () => {
    const context = new MemoContext(1000)
    context.report({ dependencies: ['User'], versions: ['1'] })
    expect(context.close()).toEqual({ dependencies: ['User'], versions: ['1'] })
    context.refuse('write')
    context.report({ dependencies: ['Post'], versions: ['1'] })
    expect(context.uncacheable).toBeUndefined()
  })

  it('is the current context inside runMemo, across awaits, and not in outsideMemo', async () => {
    const context = new MemoContext(1000)
    expect(currentMemo()).toBeUndefined()
    await runMemo(context, async () => {
      await Promise.resolve()
      expect(currentMemo()).toBe(context)
      expect(outsideMemo(() => currentMemo())).toBeUndefined()
    })
  })
})

describe('mergeBasis', () => {
  it('appends what the reads add and keeps the earlier version of a shared dependency', () => {
    expect(
      mergeBasis(
        { dependencies: ['&f', '*'], versions: ['1', '9'] },
        { dependencies: ['User', '*'], versions: ['4', '8'] },
      ),
    ).toEqual({ dependencies: ['&f', '*', 'User'], versions: ['1', '8', '4'] })
  })
})

describe('canonicalArguments', () => {
  it('keys like read arguments: types differ, object key order does not', () => {
    expect(canonicalArguments('f', [1])).not.toBe(canonicalArguments('f', ['1']))
    expect(canonicalArguments('f', [1])).not.toBe(canonicalArguments('f', [1n]))
    expect(canonicalArguments('f', [{ a: 1, b: 2 }])).toBe(canonicalArguments('f', [{ b: 2, a: 1 }]))
    expect(
      canonicalArguments('f', [new Date(5), new Decimal('1.5'), Uint8Array.of(1), null, [true]]),
    ).toBeTypeOf('string')
  })

  it('refuses functions, symbols, class instances and cycles with a StrategyError naming the argument', () => {
    class Point {
      x = 1
    }
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    for (const [value, message] of [
      [() => 1, 'argument 0 is a function'],
      [Symbol('s'), 'argument 0 is a symbol'],
      [new Point(), 'argument 0 is an instance of Point'],
      [{ list: [new Map()] }, 'argument 0.list[0] is an instance of Map'],
      [cycle, 'argument 0.self is a cycle'],
    ] as const) {
      expect(() => canonicalArguments('f', [value])).toThrow(StrategyError)
      expect(() => canonicalArguments('f', [value])).toThrow(message)
    }
  })
})
