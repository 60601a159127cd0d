import { describe, expect, it } from 'vitest'
import { redactDependency, redactReason } from '../../../src/dashboard/redact.ts'

describe('miss reasons as shown', () => {
  it('keeps names from the schema and the options', () => {
    for (const dependency of ['User', '_PostToTag', '!User', '@reference', '~reference', '*', '%User.email'])
      expect(redactDependency(dependency)).toBe(dependency)
  })

  it("drops a pin's values and a tag's name", () => {
    expect(redactDependency('=User.email="alice@example.com"')).toBe('=User.email')
    expect(redactDependency('=Post.authorId+categoryId=d7;,d9;')).toBe('=Post.authorId+categoryId')
    expect(redactDependency('#customer-4711')).toBe('#tag')
    expect(redactDependency('weird value with spaces')).toBe('?')
  })

  it('redacts the dependency of an invalidated reason and keeps the rest', () => {
    expect(
      redactReason({
        kind: 'invalidated',
        dependency: '=User.id=d42;',
        cause: 'write',
        model: 'User',
        operation: 'update',
        at: 5,
      }),
    ).toEqual({
      kind: 'invalidated',
      dependency: '=User.id',
      cause: 'write',
      model: 'User',
      operation: 'update',
      at: 5,
    })
    expect(redactReason({ kind: 'expired', age: 1_200 })).toEqual({ kind: 'expired', age: 1_200 })
    expect(redactReason({ kind: 'absent' })).toEqual({ kind: 'absent' })
  })
})
