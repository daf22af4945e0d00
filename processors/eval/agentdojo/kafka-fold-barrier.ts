// "Has the verdict processor folded what was just produced?" An approval resolution travels on the approvals topic
// only (results ride on the session's next proposal, the SDK's outbox), so the processor may fold it after the next
// call or the call's result. The in-process replay folds it first; to keep that order, the Kafka evaluation waits
// until the processor's group has committed offsets at or past the high-water marks the topics had once the
// resolution was acknowledged. The verdict processor commits its input offsets in the transaction that carries the
// folded state, so a committed offset means folded. Waiters that arrive while a round has not yet read the
// high-water marks share that round.
// Uses the kafkajs admin (the transport interface has no group-offset call).
import { Kafka, logLevel, type Admin } from 'kafkajs';

export interface FoldBarrierOptions {
  readonly brokers: readonly string[];
  /** Consumer group of the verdict processor. */
  readonly groupId: string;
  /** Topics whose records must be folded (the approvals topic). */
  readonly topics: readonly string[];
  /** Pause between two reads of the committed offsets, ms (default 10). */
  readonly pollMs?: number;
  /** Longest one round may wait, ms (default 60 s): the processor is stuck or gone. */
  readonly timeoutMs?: number;
}

type Marks = Map<string, bigint>;
const mark = (topic: string, partition: number) => `${topic}/${partition}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FoldBarrier {
  readonly #o: FoldBarrierOptions;
  readonly #admin: Admin;
  /** The round still collecting waiters (its high-water marks not yet requested). */
  #open: Promise<void> | undefined;
  #closed = false;
  /** Rounds run and total wait, for the report. */
  readonly stats = { rounds: 0, waitedMs: 0 };

  private constructor(o: FoldBarrierOptions, admin: Admin) {
    this.#o = o;
    this.#admin = admin;
  }

  static async connect(o: FoldBarrierOptions): Promise<FoldBarrier> {
    const admin = new Kafka({ clientId: `agentdojo-fold-barrier-${process.pid}`, brokers: [...o.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    return new FoldBarrier(o, admin);
  }

  /** Resolves once everything produced to the topics before this call was folded (committed) by the processor. */
  passed(): Promise<void> {
    this.#open ??= this.#round();
    return this.#open;
  }

  async #round(): Promise<void> {
    await Promise.resolve(); // let the waiters of this tick join before the marks are read
    this.#open = undefined;
    const started = performance.now();
    const high: Marks = new Map();
    for (const topic of this.#o.topics) {
      for (const p of await this.#admin.fetchTopicOffsets(topic)) high.set(mark(topic, p.partition), BigInt(p.high));
    }
    const until = started + (this.#o.timeoutMs ?? 60_000);
    for (;;) {
      const committed: Marks = new Map();
      for (const t of await this.#admin.fetchOffsets({ groupId: this.#o.groupId, topics: [...this.#o.topics] })) {
        for (const p of t.partitions) committed.set(mark(t.topic, p.partition), BigInt(p.offset));
      }
      if ([...high].every(([k, h]) => h === 0n || (committed.get(k) ?? -1n) >= h)) break;
      if (this.#closed) throw new Error('fold barrier closed');
      if (performance.now() > until) {
        const behind = [...high].filter(([k, h]) => (committed.get(k) ?? -1n) < h).map(([k, h]) => `${k} at ${committed.get(k) ?? 'none'} < ${h}`);
        throw new Error(`group ${this.#o.groupId} did not fold within ${this.#o.timeoutMs ?? 60_000} ms: ${behind.join(', ')}`);
      }
      await sleep(this.#o.pollMs ?? 10);
    }
    this.stats.rounds++;
    this.stats.waitedMs += performance.now() - started;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#admin.disconnect();
  }
}
