// Reads one topic through a throwaway consumer group (read_committed, never commits), for request/reply and for
// rebuilding small state from a topic. The transport has no assign-and-seek, so both modes read from the earliest
// offset and differ in what they hand over:
//   from 'now':       only records at or after the high-water marks fetched BEFORE the consumer starts. Anything
//                     produced after start() began is delivered, whenever the group join completes: no race with a
//                     reply produced right after the first propose. Cost: older records are fetched and skipped.
//   from 'beginning': every record; caughtUp() settles once the records present at start were read.
// "Read up to the high-water mark" cannot be seen exactly (with transactions the last offsets are commit markers that
// no consumer receives), so caughtUp() also settles after `idleMs` without a record once the group is assigned.
import { randomUUID } from 'node:crypto';
import { isTransient } from '../runtime/stream/failure-kind.ts';
import type { InRecord, KafkaTransport, TransportConsumer } from '../runtime/transport/transport.ts';

export interface TopicTailOptions {
  readonly transport: KafkaTransport;
  readonly topic: string;
  /** Prefix of the throwaway group id (a random suffix is added). */
  readonly groupPrefix: string;
  /** 'now', 'beginning', or per-partition offsets to resume from (resumePoint() of a tail that stopped). */
  readonly from: 'now' | 'beginning' | ReadonlyMap<number, bigint>;
  /** Called in offset order per partition. A throw is passed to onError and the tail goes on, except a transient one
   *  (failure-kind.ts, e.g. the registry unreachable): that stops the tail with the record unread, so a replacement
   *  started at resumePoint() reads it again. */
  readonly onRecord: (record: InRecord) => void | Promise<void>;
  readonly onError?: (error: unknown, record: InRecord) => void;
  /** Quiet period after which a 'beginning' tail counts as caught up (default 1500 ms). */
  readonly idleMs?: number;
  /** Longest start() waits for the group assignment (default 30 s). */
  readonly assignTimeoutMs?: number;
}

export class TopicTail {
  readonly #o: TopicTailOptions;
  readonly #from = new Map<number, bigint>();
  readonly #high = new Map<number, bigint>();
  readonly #low = new Map<number, bigint>();
  readonly #seen = new Map<number, bigint>();
  #consumer: TransportConsumer | undefined;
  #running: Promise<void> | undefined;
  #lastActivity = Date.now();
  #assigned = false;
  #closed = false;

  private constructor(options: TopicTailOptions) {
    this.#o = options;
  }

  /** Starts the tail and resolves once the group has assigned this consumer its partitions. */
  static async start(options: TopicTailOptions): Promise<TopicTail> {
    const tail = new TopicTail(options);
    await tail.#start();
    return tail;
  }

  /** Settles when the consumer stops; rejects when it failed. */
  get running(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #start(): Promise<void> {
    const admin = await this.#o.transport.admin();
    try {
      for (const p of await admin.fetchOffsets(this.#o.topic)) {
        this.#high.set(p.partition, BigInt(p.high));
        this.#low.set(p.partition, BigInt(p.low));
        const from = this.#o.from;
        this.#from.set(p.partition, from === 'now' ? BigInt(p.high) : from === 'beginning' ? 0n : (from.get(p.partition) ?? BigInt(p.high)));
      }
    } finally {
      await admin.close();
    }
    let assigned!: () => void;
    const gotAssignment = new Promise<void>((resolve) => (assigned = resolve));
    this.#consumer = await this.#o.transport.consumer({
      groupId: `${this.#o.groupPrefix}-${randomUUID()}`, topics: [this.#o.topic], fromBeginning: true, readCommitted: true,
      maxWaitMs: 20, sessionTimeoutMs: 10_000,
      onAssigned: async () => {
        this.#assigned = true;
        this.#lastActivity = Date.now();
        assigned();
      },
    });
    const running = this.#consumer.run(async (batch) => {
      const from = this.#from.get(batch.partition) ?? 0n;
      for (const r of batch.records) {
        const offset = BigInt(r.offset);
        this.#seen.set(r.partition, offset);
        this.#lastActivity = Date.now();
        if (offset < from) continue;
        try {
          await this.#o.onRecord(r);
        } catch (error) {
          if (isTransient(error)) {
            this.#seen.set(r.partition, offset - 1n);
            throw error;
          }
          this.#o.onError?.(error, r);
        }
      }
    });
    running.catch(() => undefined); // observed through `running` by whoever supervises the tail
    this.#running = running;
    const timeoutMs = this.#o.assignTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    let failure: unknown;
    const outcome = await Promise.race([
      gotAssignment.then(() => 'assigned' as const),
      this.#running.then(() => 'stopped' as const, (error: unknown) => ((failure = error), 'stopped' as const)),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome !== 'assigned') {
      await this.close();
      // The consumer's error is kept as the cause: callers tell a retriable one (a loading coordinator) from the rest.
      throw new Error(`topic ${this.#o.topic}: no partition assignment within ${timeoutMs} ms (${outcome}${failure !== undefined ? `: ${String(failure)}` : ''})`,
        failure !== undefined ? { cause: failure } : undefined);
    }
  }

  /** Where a replacement tail should start so that nothing after this one's start is skipped or repeated. */
  resumePoint(): Map<number, bigint> {
    const at = new Map<number, bigint>();
    for (const [p, from] of this.#from) {
      const seen = this.#seen.get(p);
      at.set(p, seen !== undefined && seen + 1n > from ? seen + 1n : from);
    }
    return at;
  }

  /**
   * True once every partition's records present at start were read. A partition counts as read when it was empty,
   * its last offset was seen, or (the last offsets can be transaction markers) some record was seen and the tail has
   * been idle for idleMs; a partition whose records are all invisible (aborted) needs four times that.
   */
  isCaughtUp(): boolean {
    if (!this.#assigned) return false;
    const idle = Date.now() - this.#lastActivity;
    const quiet = this.#o.idleMs ?? 1500;
    return [...this.#high].every(([p, high]) => {
      const seen = this.#seen.get(p);
      if (high <= (this.#low.get(p) ?? 0n) || (seen !== undefined && seen >= high - 1n)) return true;
      return seen !== undefined ? idle >= quiet : idle >= 4 * quiet;
    });
  }

  async caughtUp(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.isCaughtUp()) {
      if (this.#closed) throw new Error(`topic ${this.#o.topic}: tail closed before it caught up`);
      if (Date.now() > until) throw new Error(`topic ${this.#o.topic}: not caught up within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#consumer?.close();
    await this.#running?.catch(() => undefined);
  }
}
