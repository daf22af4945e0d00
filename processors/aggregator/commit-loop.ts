// The aggregator's consume loop in at-least-once mode: process each batch and buffer its outputs (alerts, taints);
// the buffer is sent, without waiting for the acknowledgement, at most `lingerMs` after its first record (one
// produce request for many batches); every `commitIntervalMs` (and on revoke/close) the buffer is sent and a commit
// of the offsets processed so far is chained behind the acknowledgement of those sends — in the background, so the
// consumer keeps going during the round trips — instead of one blocking commit round trip after every fetch. Why not StreamLoop: the aggregator keeps no changelog (its windows live in the process), so an
// offset commit protects nothing but the restart position, and one broker round trip per fetch costs more than
// the whole correlation (docs/benchmarks.md "Aggregator"). Kafka Streams makes the same trade (commit.interval.ms).
// Contract kept: an offset is committed only after the outputs of every record before it were acknowledged; commits
// run one after another (offsets only move forward); a failed send or commit fails the next batch (the consumer
// stops, the supervisor restarts from the last committed offsets) and nothing after it is committed.
import type { StreamTask } from '../runtime/stream/loop.ts';
import type {
  Batch, KafkaTransport, OutRecord, TopicPartitionOffset, TransportConsumer, TransportProducer,
} from '../runtime/transport/transport.ts';

export interface CommitLoopOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Commit the consumed offsets at most this often, ms. */
  readonly commitIntervalMs: number;
  /** Longest an output waits in the buffer before it is sent, ms (alert latency vs produce requests). */
  readonly lingerMs: number;
  readonly maxWaitMs?: number;
}

export class IntervalCommitLoop {
  readonly mode = 'at-least-once' as const;
  readonly #transport: KafkaTransport;
  readonly #o: CommitLoopOptions;
  readonly #task: StreamTask;
  readonly #offsets = new Map<string, TopicPartitionOffset>();
  #lastCommit = 0;
  /** Sends not yet acknowledged, and the first send failure. */
  #inflight: Promise<void>[] = [];
  /** The chain of background commits (each waits for its sends, then commits). */
  #committing: Promise<void> = Promise.resolve();
  #failure: unknown;
  #buffer: OutRecord[] = [];
  #lingerTimer: NodeJS.Timeout | undefined;
  #producer: TransportProducer | undefined;
  #consumer: TransportConsumer | undefined;
  #running: Promise<void> | undefined;

  constructor(transport: KafkaTransport, options: CommitLoopOptions, task: StreamTask) {
    this.#transport = transport;
    this.#o = options;
    this.#task = task;
  }

  async start(): Promise<{ stopped: Promise<void> }> {
    this.#producer = await this.#transport.producer({ idempotent: true });
    this.#consumer = await this.#transport.consumer({
      groupId: this.#o.groupId, topics: this.#o.topics, fromBeginning: true, readCommitted: true,
      onAssigned: (ps) => this.#task.onAssigned(ps),
      onRevoked: async (ps) => {
        await this.drain();
        await this.#task.onRevoked(ps);
      },
      ...(this.#o.maxWaitMs !== undefined ? { maxWaitMs: this.#o.maxWaitMs, minBytes: 1 } : {}),
    });
    this.#lastCommit = performance.now();
    this.#running = this.#consumer.run((batch) => this.#handle(batch));
    return { stopped: this.#running };
  }

  async #handle(batch: Batch): Promise<void> {
    const last = batch.records[batch.records.length - 1];
    if (last === undefined) return;
    if (this.#failure !== undefined) throw this.#failure;
    try {
      const outputs = await this.#task.process(batch);
      if (outputs.length > 0) {
        for (const o of outputs) this.#buffer.push(o);
        this.#lingerTimer ??= setTimeout(() => this.#send(), this.#o.lingerMs);
      }
    } catch (error) {
      this.#task.aborted();
      throw error;
    }
    this.#task.committed();
    this.#offsets.set(`${batch.topic}\u0000${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() });
    if (performance.now() - this.#lastCommit >= this.#o.commitIntervalMs) this.#commitInBackground();
  }

  /** Sends the buffered outputs (not waiting for the acknowledgement). */
  #send(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    if (this.#buffer.length === 0) return;
    const records = this.#buffer;
    this.#buffer = [];
    this.#inflight.push((this.#producer as TransportProducer).send(records).catch((error: unknown) => {
      this.#failure ??= error;
    }));
  }

  /** Chains a commit of the offsets processed so far behind the acknowledgement of every output before them. */
  #commitInBackground(): void {
    this.#lastCommit = performance.now();
    this.#send();
    const sends = this.#inflight;
    this.#inflight = [];
    const offsets = [...this.#offsets.values()];
    this.#offsets.clear();
    const consumer = this.#consumer;
    if (consumer === undefined || (offsets.length === 0 && sends.length === 0)) return;
    this.#committing = this.#committing.then(async () => {
      await Promise.all(sends);
      if (this.#failure === undefined && offsets.length > 0) await consumer.commit(offsets);
    }).catch((error: unknown) => {
      this.#failure ??= error;
    });
  }

  /** Sends the buffer, commits what was processed and waits for it; rejects with the first send or commit failure. */
  async drain(): Promise<void> {
    this.#commitInBackground();
    await this.#committing;
    if (this.#failure !== undefined) throw this.#failure;
  }

  async close(): Promise<void> {
    await this.drain().catch(() => undefined);
    await this.#consumer?.close();
    await this.#running?.catch(() => undefined);
    await this.#producer?.close();
  }
}
