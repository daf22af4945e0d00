// A sliding-window sum over fixed buckets: the window is `buckets` buckets of `windowMs / buckets` each, and sum(t)
// is the total of the buckets that overlap (t - windowMs, t]. Time is passed in (no clock); memory is one small
// array per key. Events older than the window are dropped; an event earlier than the newest bucket but still inside
// the window is added to its own bucket, so a little reordering across partitions is harmless.
export interface WindowSnapshot {
  readonly head: number;
  readonly counts: readonly number[];
}

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

  /** The window as plain data for the changelog: the newest bucket's absolute index and the counts from the oldest
   *  bucket still in the window to the newest (trailing zeros kept; the sum is recomputed on load). */
  snapshot(): WindowSnapshot {
    const n = this.#counts.length;
    const counts: number[] = [];
    if (this.#head >= 0) for (let i = this.#head - n + 1; i <= this.#head; i++) counts.push(i < 0 ? 0 : this.#counts[i % n] as number);
    return { head: this.#head, counts };
  }

  /** A window restored from snapshot() with the same length and bucket count. */
  static fromSnapshot(windowMs: number, buckets: number, s: WindowSnapshot): BucketWindow {
    const w = new BucketWindow(windowMs, buckets);
    if (s.head < 0) return w;
    w.#head = s.head;
    const n = w.#counts.length;
    const first = s.head - s.counts.length + 1;
    for (let k = 0; k < s.counts.length; k++) {
      const i = first + k;
      if (i < 0 || i <= s.head - n) continue;
      const c = s.counts[k] as number;
      w.#counts[i % n] = c;
      w.#total += c;
    }
    return w;
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
