// A sliding-window sum over fixed buckets: the window is `buckets` buckets of `windowMs / buckets` each, and sum(t)
// is the total of the buckets that overlap (t - windowMs, t]. Time is passed in (no clock); memory is one small
// array per key. Events older than the window are dropped; an event earlier than the newest bucket but still inside
// the window is added to its own bucket, so a little reordering across partitions is harmless.
export class BucketWindow {
  readonly #bucketMs: number;
  readonly #counts: Float64Array;
  /** Absolute index (floor(t / bucketMs)) of the newest bucket; the ring slot is index % buckets. */
  #head = -1;
  #total = 0;

  constructor(windowMs: number, buckets: number) {
    this.#bucketMs = Math.max(1, Math.floor(windowMs / buckets));
    this.#counts = new Float64Array(buckets);
  }

  /** Adds `amount` at time `atMs`; returns the window's sum as of the newest time seen. */
  add(atMs: number, amount: number): number {
    const index = Math.floor(atMs / this.#bucketMs);
    this.#advance(index);
    if (index <= this.#head - this.#counts.length) return this.#total; // older than the window
    const slot = index % this.#counts.length;
    this.#counts[slot] = (this.#counts[slot] as number) + amount;
    this.#total += amount;
    return this.#total;
  }

  /** The sum over the window ending at `atMs` (moves the window forward, never back). */
  sum(atMs: number): number {
    this.#advance(Math.floor(atMs / this.#bucketMs));
    return this.#total;
  }

  /** Nothing counted in the window any more. */
  isEmpty(atMs: number): boolean {
    return this.sum(atMs) <= 0;
  }

  #advance(index: number): void {
    if (index <= this.#head) return;
    const n = this.#counts.length;
    if (this.#head < 0 || index - this.#head >= n) {
      this.#counts.fill(0);
      this.#total = 0;
    } else {
      for (let i = this.#head + 1; i <= index; i++) {
        const slot = i % n;
        this.#total -= this.#counts[slot] as number;
        this.#counts[slot] = 0;
      }
    }
    this.#head = index;
  }
}
