// A bounded FIFO between the Kafka consumer and the delivery worker.
// put() waits for room (backpressure: the Kafka path never drops, the record simply stays in Kafka longer);
// offer() never waits and returns false when full, and the caller counts that drop by name.
// take() waits until at least one item is there (or the queue is closed) and returns up to `max` items.

export class BoundedQueue<T> {
  readonly capacity: number;
  private items: T[] = [];
  private head = 0;
  private closed = false;
  private readonly roomWaiters: (() => void)[] = [];
  private itemWaiter: (() => void) | undefined;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new Error(`queue capacity must be >= 1, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  offer(item: T): boolean {
    if (this.closed || this.size >= this.capacity) return false;
    this.push(item);
    return true;
  }

  async put(item: T): Promise<void> {
    while (this.size >= this.capacity) {
      if (this.closed) throw new Error('queue closed');
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.closed) throw new Error('queue closed');
    this.push(item);
  }

  /** Up to max items, oldest first; [] only once the queue is closed and empty. */
  async take(max: number): Promise<T[]> {
    while (this.size === 0) {
      if (this.closed) return [];
      await new Promise<void>((resolve) => { this.itemWaiter = resolve; });
    }
    return this.takeNow(max);
  }

  /** Up to max items without waiting (possibly none). */
  takeNow(max: number): T[] {
    const n = Math.min(max, this.size);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    const wake = this.roomWaiters.splice(0, n);
    for (const w of wake) w();
    return out;
  }

  /** No more puts; take() drains what is left, then returns []. */
  close(): void {
    this.closed = true;
    this.itemWaiter?.();
    this.itemWaiter = undefined;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  private push(item: T): void {
    this.items.push(item);
    const w = this.itemWaiter;
    this.itemWaiter = undefined;
    w?.();
  }
}
