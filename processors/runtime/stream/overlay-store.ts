// An in-memory key/value store per input partition with a per-batch overlay: puts go to the overlay and become
// visible to later gets at once, but are only merged into the committed view by commit() (after the batch's
// outputs and offsets are durable) and are dropped by abort(). That keeps memory equal to what the changelog
// says, so a failed transaction can never leave state ahead of the log. changes() lists the overlay's latest
// value per key: what the batch must write to the changelog.
// Pipelined commits: seal() moves the overlay into a sealed generation (its outputs are being committed) and starts
// a fresh overlay for the batches processed meanwhile; gets see overlay, then sealed, then committed. commit() then
// merges the sealed generation only (the oldest uncommitted one); without seal() it merges the overlay as before.
// abort() drops both: later batches built on the failed generation.

export class OverlayStore<V> {
  readonly #committed = new Map<number, Map<string, V>>();
  #overlay = new Map<number, Map<string, V | undefined>>();
  #sealed: Map<number, Map<string, V | undefined>> | undefined;

  get(partition: number, key: string): V | undefined {
    const pending = this.#overlay.get(partition);
    if (pending?.has(key)) return pending.get(key);
    const sealed = this.#sealed?.get(partition);
    if (sealed?.has(key)) return sealed.get(key);
    return this.#committed.get(partition)?.get(key);
  }

  /** The value under the overlay: the sealed generation's, else the committed one (what earlier commits wrote). */
  beneath(partition: number, key: string): V | undefined {
    const sealed = this.#sealed?.get(partition);
    if (sealed?.has(key)) return sealed.get(key);
    return this.#committed.get(partition)?.get(key);
  }

  /** `undefined` deletes (the changelog gets a tombstone). */
  put(partition: number, key: string, value: V | undefined): void {
    let pending = this.#overlay.get(partition);
    if (!pending) this.#overlay.set(partition, (pending = new Map()));
    pending.set(key, value);
  }

  /** Overlay entries, latest per key, by partition. */
  *changes(): Iterable<{ partition: number; key: string; value: V | undefined }> {
    for (const [partition, pending] of this.#overlay) {
      for (const [key, value] of pending) yield { partition, key, value };
    }
  }

  /** The overlay's changes are being committed; later puts go to a new overlay. One sealed generation at a time. */
  seal(): void {
    if (this.#sealed !== undefined) throw new Error('OverlayStore.seal: the previous sealed generation is not committed yet');
    this.#sealed = this.#overlay;
    this.#overlay = new Map();
  }

  commit(): void {
    const generation = this.#sealed ?? this.#overlay;
    for (const [partition, pending] of generation) {
      let view = this.#committed.get(partition);
      if (!view) this.#committed.set(partition, (view = new Map()));
      for (const [key, value] of pending) {
        if (value === undefined) view.delete(key);
        else view.set(key, value);
      }
    }
    if (this.#sealed !== undefined) this.#sealed = undefined;
    else this.#overlay.clear();
  }

  abort(): void {
    this.#sealed = undefined;
    this.#overlay.clear();
  }

  /** Loads restored entries straight into the committed view (restore runs before any batch of the partition). */
  restore(partition: number, key: string, value: V | undefined): void {
    let view = this.#committed.get(partition);
    if (!view) this.#committed.set(partition, (view = new Map()));
    if (value === undefined) view.delete(key);
    else view.set(key, value);
  }

  dropPartition(partition: number): void {
    this.#committed.delete(partition);
    this.#sealed?.delete(partition);
    this.#overlay.delete(partition);
  }

  partitions(): number[] {
    return [...this.#committed.keys()];
  }

  size(partition: number): number {
    return this.#committed.get(partition)?.size ?? 0;
  }
}
