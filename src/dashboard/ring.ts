/** One bucket of a {@link TimeRing}: the time it starts at (ms) and what it holds. */
export interface Slot<T> {
  start: number
  value: T
}

/**
 * A fixed number of time buckets of `bucketMs` each, reused in a circle: the bucket of a moment is found by
 * arithmetic, a bucket whose time has passed is emptied when its slot is needed again, and memory never grows.
 */
export class TimeRing<T> {
  readonly bucketMs: number
  readonly #slots: (Slot<T> | undefined)[]
  readonly #create: (start: number) => T

  /** `size` buckets of `bucketMs` ms; `create` makes an empty bucket that starts at `start` (ms). */
  constructor(size: number, bucketMs: number, create: (start: number) => T) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`size: expected a positive integer, got ${size}`)
    if (!(bucketMs > 0)) throw new RangeError(`bucketMs: expected a positive number, got ${bucketMs}`)
    this.bucketMs = bucketMs
    this.#slots = new Array(size).fill(undefined)
    this.#create = create
  }

  /** Number of buckets. */
  get size(): number {
    return this.#slots.length
  }

  /** The bucket holding the moment `now` (ms), emptied first if it last held an older moment. */
  at(now: number): T {
    const index = Math.floor(now / this.bucketMs)
    const position = index % this.#slots.length
    const slot = this.#slots[position]
    const start = index * this.bucketMs
    if (slot !== undefined && slot.start === start) return slot.value
    const fresh = { start, value: this.#create(start) }
    this.#slots[position] = fresh
    return fresh.value
  }

  /**
   * The buckets of the window that ends with the one holding `now`, oldest first: `size` entries, `undefined`
   * values for buckets nothing was recorded in.
   */
  window(now: number): { start: number; value: T | undefined }[] {
    const last = Math.floor(now / this.bucketMs)
    const out: { start: number; value: T | undefined }[] = []
    for (let index = last - this.#slots.length + 1; index <= last; index++) {
      const start = index * this.bucketMs
      const slot = this.#slots[((index % this.#slots.length) + this.#slots.length) % this.#slots.length]
      out.push({ start, value: slot !== undefined && slot.start === start ? slot.value : undefined })
    }
    return out
  }
}
