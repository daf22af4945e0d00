// KafkaTransport on kafkajs 2.2.x (pure JS). Transactions: yes (sendOffsets by group id).
// kafkajs has no linger setting: each send() is one produce request; lingerMs is ignored.
// Rebalance hooks come from the GROUP_JOIN event (eager protocol: onRevoked runs after the rejoin, see
// assignment-sequencer.ts); batches of partitions no longer owned are dropped.
import kafkajs from 'kafkajs';
import type { Consumer, Kafka, Producer, Transaction } from 'kafkajs';
import { AssignmentSequencer } from './assignment-sequencer.ts';
import { KafkajsShapedTransportAdmin, topicMessages } from './kafkajs-shape.ts';
import { chunkBySize, headersFrom, offsetsByTopic } from './records.ts';
import { RunUntilClosed } from './run-until-closed.ts';
import type {
  Batch,
  ConsumerOptions,
  InRecord,
  KafkaTransport,
  OutRecord,
  ProducerOptions,
  TopicPartitionOffset,
  TransportAdmin,
  TransportConfig,
  TransportConsumer,
  TransportProducer,
  TransportTransaction,
} from './transport.ts';

const DEFAULT_MAX_WAIT_MS = 100;
/** kafkajs sends one call as one request and does not split it; the broker bounds each partition batch by message.max.bytes (1 MiB default): chunks hold at most this much per partition. */
const MAX_REQUEST_BYTES = 512 * 1024;

class KafkajsTransaction implements TransportTransaction {
  readonly #txn: Transaction;
  constructor(txn: Transaction) {
    this.#txn = txn;
  }
  async send(records: readonly OutRecord[]): Promise<void> {
    for (const chunk of chunkBySize(records, MAX_REQUEST_BYTES)) await this.#txn.sendBatch({ acks: -1, topicMessages: topicMessages(chunk) });
  }
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return this.#txn.sendOffsets({ consumerGroupId: groupId, topics: offsetsByTopic(offsets) });
  }
  commit(): Promise<void> {
    return this.#txn.commit();
  }
  abort(): Promise<void> {
    return this.#txn.abort();
  }
}

class KafkajsProducer implements TransportProducer {
  readonly #producer: Producer;
  readonly transaction?: () => Promise<TransportTransaction>;

  constructor(producer: Producer, transactional: boolean) {
    this.#producer = producer;
    if (transactional) this.transaction = async () => new KafkajsTransaction(await this.#producer.transaction());
  }

  async send(records: readonly OutRecord[]): Promise<void> {
    for (const chunk of chunkBySize(records, MAX_REQUEST_BYTES)) await this.#producer.sendBatch({ acks: -1, topicMessages: topicMessages(chunk) });
  }

  close(): Promise<void> {
    return this.#producer.disconnect();
  }
}

class KafkajsConsumer implements TransportConsumer {
  readonly #consumer: Consumer;
  readonly #options: ConsumerOptions;
  readonly #sequencer: AssignmentSequencer;
  readonly #done = new RunUntilClosed();
  #closing = false;

  constructor(consumer: Consumer, options: ConsumerOptions) {
    this.#consumer = consumer;
    this.#options = options;
    this.#sequencer = new AssignmentSequencer(options.onAssigned, options.onRevoked);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assignment = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      // A failing hook is recorded in the sequencer and surfaces from the next batch.
      this.#sequencer.assign(assignment).catch(() => undefined);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!this.#closing) this.#done.failed(options.groupId, event.payload.error);
    });
  }

  async run(eachBatch: (batch: Batch) => Promise<void>): Promise<void> {
    await this.#consumer.subscribe({ topics: [...this.#options.topics], fromBeginning: this.#options.fromBeginning });
    await this.#consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        const records: InRecord[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ?? null,
          value: m.value ?? null,
          headers: m.headers ? headersFrom(Object.entries(m.headers)) : headersFrom(undefined),
          timestampMs: Number(m.timestamp),
        }));
        if (records.length === 0) return;
        await this.#sequencer.runBatch(batch.topic, batch.partition, () =>
          eachBatch({ topic: batch.topic, partition: batch.partition, records }),
        );
      },
    });
    return this.#done.promise;
  }

  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return this.#consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#consumer.disconnect();
    await this.#sequencer.idle();
    this.#done.closed();
  }
}

export class KafkajsTransport implements KafkaTransport {
  readonly name = 'kafkajs';
  readonly supportsTransactions = true;
  readonly #kafka: Kafka;

  constructor(config: TransportConfig) {
    this.#kafka = new kafkajs.Kafka({
      clientId: config.clientId,
      brokers: [...config.brokers],
      logLevel: kafkajs.logLevel.ERROR,
    });
  }

  async admin(): Promise<TransportAdmin> {
    const admin = this.#kafka.admin();
    await admin.connect();
    return new KafkajsShapedTransportAdmin(admin);
  }

  async producer(options: ProducerOptions = {}): Promise<TransportProducer> {
    const transactional = options.transactionalId !== undefined;
    const idempotent = transactional || options.idempotent === true;
    const producer = this.#kafka.producer({
      allowAutoTopicCreation: false,
      idempotent,
      // kafkajs keeps sequence order safely only with one request in flight when idempotent.
      ...(idempotent ? { maxInFlightRequests: 1 } : {}),
      ...(transactional ? { transactionalId: options.transactionalId } : {}),
    });
    await producer.connect();
    return new KafkajsProducer(producer, transactional);
  }

  async consumer(options: ConsumerOptions): Promise<TransportConsumer> {
    const consumer = this.#kafka.consumer({
      groupId: options.groupId,
      readUncommitted: options.readCommitted !== true,
      maxWaitTimeInMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      minBytes: options.minBytes ?? 1,
      ...(options.sessionTimeoutMs !== undefined ? { sessionTimeout: options.sessionTimeoutMs } : {}),
      allowAutoTopicCreation: false,
      // Failures surface through run()'s promise instead of silent restarts.
      retry: { restartOnFailure: async () => false },
    });
    await consumer.connect();
    return new KafkajsConsumer(consumer, options);
  }
}

