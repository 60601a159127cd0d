import type { Redis } from 'ioredis'
import type { StatementCounter } from '../setup/database.ts'

/** One Redis command as a client sent it, with how many database statements had been sent by then. */
export interface SentCommand {
  readonly name: string
  readonly statementsBefore: number
}

/** The commands a client sends, in order, each placed against the database statements of `statements`. */
export interface CommandLog {
  readonly sent: readonly SentCommand[]
  /** Names of the commands sent since the last {@link CommandLog.reset}. */
  names(): string[]
  /** Names of the commands sent before the `n`-th database statement counted since the last reset (0-based). */
  before(n: number): string[]
  reset(): void
}

/**
 * Records every command `redis` sends (ioredis routes them all through `sendCommand`), so that a test can say how
 * many round trips a path costs and where they fall against the database query. The subscriber connection the bus
 * duplicates is another client and is not recorded.
 */
export function recordCommands(redis: Redis, statements: StatementCounter): CommandLog {
  let sent: SentCommand[] = []
  let base = statements.count
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    sent.push({ name: command.name, statementsBefore: statements.count - base })
    return (send as (...args: unknown[]) => unknown)(command, ...rest)
  }) as Redis['sendCommand']
  return {
    get sent() {
      return sent
    },
    names: () => sent.map((command) => command.name),
    before: (n) => sent.filter((command) => command.statementsBefore <= n).map((command) => command.name),
    reset() {
      sent = []
      base = statements.count
    },
  }
}
