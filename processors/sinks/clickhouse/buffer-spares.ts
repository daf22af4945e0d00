// Buffers handed back after their insert, for the next block's streams to fill again. A sealed block's bytes are
// lent to the insert; allocating fresh ones per block made V8 count ~36 MB of new external memory per 100,000 rows
// and run a full mark-compact every ~200 ms (docs/benchmarks.md, "ClickHouse sink"). Recycling keeps a sink's
// steady state free of new large allocations. Only whole ArrayBuffers a stream allocated itself are given back.

/** At most this many spares per stream: a block filling, one in flight, one sealed behind it. */
const MAX_SPARES = 2;

export class BufferSpares {
  readonly #spares: ArrayBuffer[] = [];

  /** A spare of at least `bytes`, or a new ArrayBuffer of `bytes` (uninitialised contents either way). */
  take(bytes: number): ArrayBuffer {
    const spares = this.#spares;
    for (let i = 0; i < spares.length; i++) {
      const s = spares[i] as ArrayBuffer;
      if (s.byteLength >= bytes) {
        spares.splice(i, 1);
        return s;
      }
    }
    return Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
  }

  /** `buffer` is free again (its insert is acknowledged); the smallest spare is dropped past MAX_SPARES. */
  give(buffer: ArrayBuffer): void {
    const spares = this.#spares;
    spares.push(buffer);
    if (spares.length > MAX_SPARES) {
      spares.sort((a, b) => b.byteLength - a.byteLength);
      spares.length = MAX_SPARES;
    }
  }
}
