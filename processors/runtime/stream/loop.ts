// The poll -> process -> produce -> commit loop. For each batch: the task computes all outputs (pure as far as
// Kafka is concerned), then outputs and the input offsets go out together — in one Kafka transaction when the
// transport supports it (exactly once), otherwise produce then commit (at least once; the task must make
// reprocessing harmless, e.g. dedup by id). After that the task's state overlay is committed; on any failure it
// is aborted and the error propagates (the consumer stops; the supervisor restarts and the state is restored).
import type {
  Batch, KafkaTransport, OutRecord, TopicPartitionOffset, TransportConsumer, TransportProducer,
} from '../transport/transport.ts';

export interface StreamTask {
  /** Outputs for one batch. Must not throw for one bad record: dead-letter it and go on. */
  process(batch: Batch): Promise<readonly OutRecord[]>;
  /** The batch's outputs and offsets are durable: make its state changes permanent. */
  committed(): void;
  /** The batch failed before it was durable: forget its state changes. */
  aborted(): void;
  onAssigned(partitions: readonly { topic: string; partition: number }[]): Promise<void>;
  onRevoked(partitions: readonly { topic: string; partition: number }[]): Promise<void>;
}

export interface StreamOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Set for exactly-once (ignored, with a warning in mode(), when the transport has no transactions). */
  readonly transactionalId?: string;
  readonly maxWaitMs?: number;
  /** Group session timeout, ms (adapter default if unset). */
  readonly sessionTimeoutMs?: number;
}

export type DeliveryMode = 'exactly-once' | 'at-least-once';

export class StreamLoop {
  readonly mode: DeliveryMode;
  readonly #transport: KafkaTransport;
  readonly #options: StreamOptions;
  readonly #task: StreamTask;
  #producer: TransportProducer | undefined;
  #consumer: TransportConsumer | undefined;
  #running: Promise<void> | undefined;

  constructor(transport: KafkaTransport, options: StreamOptions, task: StreamTask) {
    this.#transport = transport;
    this.#options = options;
    this.#task = task;
    this.mode = transport.supportsTransactions && options.transactionalId !== undefined ? 'exactly-once' : 'at-least-once';
  }

  /** Starts consuming; resolves once the consumer is running. `stopped` settles when it ends. */
  async start(): Promise<{ stopped: Promise<void> }> {
    const exactlyOnce = this.mode === 'exactly-once';
    this.#producer = await this.#transport.producer(
      exactlyOnce ? { transactionalId: this.#options.transactionalId as string, idempotent: true } : { idempotent: true });
    this.#consumer = await this.#transport.consumer({
      groupId: this.#options.groupId,
      topics: this.#options.topics,
      fromBeginning: true,
      readCommitted: true,
      onAssigned: (ps) => this.#task.onAssigned(ps),
      onRevoked: (ps) => this.#task.onRevoked(ps),
      ...(this.#options.maxWaitMs !== undefined ? { maxWaitMs: this.#options.maxWaitMs, minBytes: 1 } : {}),
      ...(this.#options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: this.#options.sessionTimeoutMs } : {}),
    });
    this.#running = this.#consumer.run((batch) => this.#handle(batch));
    return { stopped: this.#running };
  }

  async #handle(batch: Batch): Promise<void> {
    const last = batch.records[batch.records.length - 1];
    if (last === undefined) return;
    const offsets: TopicPartitionOffset[] = [
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
    ];
    const producer = this.#producer as TransportProducer;
    try {
      const outputs = await this.#task.process(batch);
      if (this.mode === 'exactly-once' && producer.transaction) {
        const txn = await producer.transaction();
        try {
          if (outputs.length > 0) await txn.send(outputs);
          await txn.sendOffsets(this.#options.groupId, offsets);
          await txn.commit();
        } catch (error) {
          await txn.abort().catch(() => undefined);
          throw error;
        }
      } else {
        if (outputs.length > 0) await producer.send(outputs);
        await (this.#consumer as TransportConsumer).commit(offsets);
      }
    } catch (error) {
      this.#task.aborted();
      throw error;
    }
    this.#task.committed();
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
    await this.#running?.catch(() => undefined);
    await this.#producer?.close();
  }
}
