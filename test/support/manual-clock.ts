/** A controllable millisecond clock: inject `read` wherever the cache takes a `clock`, then `advance` it. */
export class ManualClock {
  now = 1_700_000_000_000
  readonly read = (): number => this.now
  advance(ms: number): void {
    this.now += ms
  }
}
