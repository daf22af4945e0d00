// KafkaTransport on @confluentinc/kafka-javascript (librdkafka, KafkaJS-compatible API). Transactions: yes.
// Optional dependency (native addon built from source here, see docs/decisions.md "Kafka clients"): index.ts imports
// this module lazily so a machine without the addon still runs the other clients.
// Rebalance hooks run inside librdkafka's rebalance callback, which the client awaits before (un)assigning:
// onAssigned finishes before any record of the partition is fetched; onRevoked runs before the partition is released.
// sendOffsets needs the live consumer of the group, so consumers are registered by group id in this transport.
// Rebalances (docs/decisions.md "Rebalances"): the revocation hook runs before the rejoin, so its flush commits under
// the generation that still owns the partitions; a transaction's offsets carry generation and member (KIP-447), and a
// refusal (ILLEGAL_GENERATION and the like) is ARB_TRANSPORT_GENERATION_STALE. With readCommitted librdkafka fetches
// start offsets with requireStable itself; stableCommitted asks the same way (committed()), rewind seeks.
import confluent from '@confluentinc/kafka-javascript';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { ArbiterError } from '../../core/errors.ts';
import { AssignmentSequencer, partitionsNotIn, type TopicPartition } from './assignment-sequencer.ts';
import { coPartitionViolation } from './co-partition-assignor.ts';
import { KafkajsShapedTransportAdmin, topicMessages, untilStable } from './kafkajs-shape.ts';
import { headersFrom, offsetsByTopic } from './records.ts';
import { RunUntilClosed } from './run-until-closed.ts';
import { librdkafkaSecurity, recordingLogger } from './security-options.ts';
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

const { Kafka, logLevel, ErrorCodes, PartitionAssigners } = confluent.KafkaJS;
type Groups = Map<string, KafkaJS.Consumer>;

const DEFAULT_MAX_WAIT_MS = 100;
const DEFAULT_LINGER_MS = 0;
/** Records per eachBatch call (the client's default is 32). */
const MAX_BATCH = 1024;
/** One committed() call's bound, ms (librdkafka retries UNSTABLE_OFFSET_COMMIT inside it; untilStable around it). */
const COMMITTED_TIMEOUT_MS = 10_000;
/** TxnOffsetCommit answers meaning the member's generation is over (the group rebalanced under the transaction). */
const GENERATION_ERRORS: ReadonlyMap<number, string> = new Map([
  [ErrorCodes.ERR_ILLEGAL_GENERATION, 'ILLEGAL_GENERATION'],
  [ErrorCodes.ERR_UNKNOWN_MEMBER_ID, 'UNKNOWN_MEMBER_ID'],
  [ErrorCodes.ERR_REBALANCE_IN_PROGRESS, 'REBALANCE_IN_PROGRESS'],
  [ErrorCodes.ERR_FENCED_INSTANCE_ID, 'FENCED_INSTANCE_ID'],
]);

/** The client's transaction is the producer itself, in transactional state. */
class ConfluentTransaction implements TransportTransaction {
  readonly #txn: KafkaJS.Transaction;
  readonly #groups: Groups;
  constructor(txn: KafkaJS.Transaction, groups: Groups) {
    this.#txn = txn;
    this.#groups = groups;
  }
  async send(records: readonly OutRecord[]): Promise<void> {
    await this.#txn.sendBatch({ topicMessages: topicMessages(records) });
  }
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const consumer = this.#groups.get(groupId);
    if (consumer === undefined) {
      throw new ArbiterError('ARB_TRANSPORT_NO_GROUP_CONSUMER', `@confluentinc/kafka-javascript: no running consumer for group ${groupId}`, { key: groupId });
    }
    return this.#txn.sendOffsets({ consumer, topics: offsetsByTopic(offsets) }).catch((error: unknown) => {
      const stale = GENERATION_ERRORS.get((error as { code?: number }).code ?? 0);
      if (stale === undefined) throw error;
      throw new ArbiterError('ARB_TRANSPORT_GENERATION_STALE',
        `@confluentinc/kafka-javascript: group ${groupId} refused the transaction's offsets (${stale}): it rebalanced meanwhile`, { key: groupId });
    });
  }
  commit(): Promise<void> {
    return this.#txn.commit();
  }
  abort(): Promise<void> {
    return this.#txn.abort();
  }
}

class ConfluentProducer implements TransportProducer {
  readonly #producer: KafkaJS.Producer;
  readonly transaction?: () => Promise<TransportTransaction>;

  constructor(producer: KafkaJS.Producer, transactional: boolean, groups: Groups) {
    this.#producer = producer;
    if (transactional) this.transaction = async () => new ConfluentTransaction(await this.#producer.transaction(), groups);
  }

  async send(records: readonly OutRecord[]): Promise<void> {
    await this.#producer.sendBatch({ topicMessages: topicMessages(records) });
  }

  close(): Promise<void> {
    return this.#producer.disconnect();
  }
}

class ConfluentConsumer implements TransportConsumer {
  readonly #consumer: KafkaJS.Consumer;
  readonly #options: ConsumerOptions;
  readonly #groups: Groups;
  readonly #sequencer: AssignmentSequencer;
  readonly #done = new RunUntilClosed();
  #closing = false;

  constructor(kafka: KafkaJS.Kafka, options: ConsumerOptions, groups: Groups) {
    this.#options = options;
    this.#groups = groups;
    this.#sequencer = new AssignmentSequencer(options.onAssigned, options.onRevoked);
    this.#consumer = kafka.consumer({
      kafkaJS: {
        groupId: options.groupId,
        fromBeginning: options.fromBeginning,
        autoCommit: false,
        readUncommitted: options.readCommitted !== true,
        maxWaitTimeInMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
        minBytes: options.minBytes ?? 1,
        ...(options.sessionTimeoutMs !== undefined ? { sessionTimeout: options.sessionTimeoutMs } : {}),
        // librdkafka's range assignor gives partition p of every topic to one member when all members subscribe the
        // same topics with one partition count (the compat layer's default, roundrobin, does not); checked below.
        ...(options.coPartitioned === true ? { partitionAssigners: [PartitionAssigners.range] } : {}),
      },
      'js.consumer.max.batch.size': MAX_BATCH,
      'socket.nagle.disable': true,
      rebalance_cb: (err: { code: number }, assignment: TopicPartition[]) => this.#onRebalance(err.code, assignment),
    });
  }

  /** Eager protocol: ASSIGN carries the whole new assignment, REVOKE the whole current one. */
  async #onRebalance(code: number, assignment: readonly TopicPartition[]): Promise<void> {
    const parts = assignment.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
    let next =
      code === ErrorCodes.ERR__ASSIGN_PARTITIONS ? [...this.#sequencer.owned, ...partitionsNotIn(parts, this.#sequencer.owned)] : partitionsNotIn(this.#sequencer.owned, parts);
    const split = this.#options.coPartitioned === true ? coPartitionViolation(this.#options.topics, next) : undefined;
    if (split !== undefined) {
      // Partition counts or subscriptions differ: own nothing (no key's state split over two members) and stop.
      next = [];
      this.#done.failed(this.#options.groupId, new ArbiterError('ARB_ASSIGN_NOT_COPARTITIONED',
        `group ${this.#options.groupId} assigned this member ${split} (partition counts or subscriptions differ)`, { key: this.#options.groupId }));
    }
    // A failing hook is kept by the sequencer and fails the next batch (the client only logs callback errors).
    await this.#sequencer.assign(next).catch(() => undefined);
  }

  async run(eachBatch: (batch: Batch) => Promise<void>): Promise<void> {
    await this.#consumer.connect();
    this.#groups.set(this.#options.groupId, this.#consumer);
    await this.#consumer.subscribe({ topics: [...this.#options.topics] });
    await this.#consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, isStale }) => {
        const records: InRecord[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ?? null,
          value: m.value ?? null,
          headers: headersFrom(m.headers ? Object.entries(m.headers) : undefined),
          timestampMs: Number(m.timestamp),
        }));
        if (records.length === 0) return;
        try {
          await this.#sequencer.runBatch(batch.topic, batch.partition, async () => {
            // Read before a rewind's seek: the client reads it again from the seek offset.
            if (!isStale()) await eachBatch({ topic: batch.topic, partition: batch.partition, records });
          });
        } catch (error) {
          // The client would retry the batch forever; a processing failure stops this consumer instead.
          this.#done.failed(this.#options.groupId, error);
          throw error;
        }
      },
    });
    return this.#done.promise;
  }

  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return this.#consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
  }

  /** committed() asks requireStable under read_committed (librdkafka: isolation.level decides); retried until stable. */
  async stableCommitted(partitions: readonly { topic: string; partition: number }[]): Promise<TopicPartitionOffset[]> {
    if (partitions.length === 0) return [];
    if (this.#options.readCommitted !== true) {
      throw new ArbiterError('ARB_CONFIG_INVALID',
        `@confluentinc/kafka-javascript: stable committed offsets need a readCommitted consumer (librdkafka asks requireStable only under read_committed); group ${this.#options.groupId}`,
        { key: 'readCommitted' });
    }
    const request = partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    const offsets = await untilStable('@confluentinc/kafka-javascript', this.#options.groupId,
      () => this.#consumer.committed(request, COMMITTED_TIMEOUT_MS),
      (error) => (error as { code?: number }).code === ErrorCodes.ERR_UNSTABLE_OFFSET_COMMIT, () => this.#closing);
    // No committed offset: the client answers offset null (librdkafka's OFFSET_INVALID, -1001, underneath).
    const valid = (offset: unknown): offset is string | number => offset !== null && offset !== undefined && Number(offset) >= 0;
    return offsets.filter((o) => valid(o.offset)).map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }));
  }

  /**
   * Every owned partition reads again from the group's committed offset; one without, from the log start when
   * fromBeginning (otherwise it keeps its position: the client takes no "end" seek here). The client marks batches
   * of a seeked partition stale (dropped in run()) and purges what it prefetched.
   */
  async rewind(): Promise<void> {
    if (this.#closing) return;
    const owned = [...this.#sequencer.owned];
    const committed = await this.stableCommitted(owned);
    for (const p of owned) {
      const offset = committed.find((c) => c.topic === p.topic && c.partition === p.partition)?.offset ?? (this.#options.fromBeginning ? '-2' : undefined);
      if (offset !== undefined) this.#consumer.seek({ topic: p.topic, partition: p.partition, offset });
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#groups.get(this.#options.groupId) === this.#consumer) this.#groups.delete(this.#options.groupId);
    await this.#consumer.disconnect();
    await this.#sequencer.idle();
    this.#done.closed();
  }
}

export class ConfluentTransport implements KafkaTransport {
  readonly name = 'confluent';
  readonly supportsTransactions = true;
  readonly #kafka: KafkaJS.Kafka;
  readonly #groups: Groups = new Map();
  /** librdkafka's error lines (a refused TLS handshake or SASL login shows only there), for secured.ts. */
  readonly recentClientErrors: () => string;

  constructor(config: TransportConfig) {
    const log = recordingLogger();
    this.recentClientErrors = log.recent;
    this.#kafka = new Kafka({
      kafkaJS: { clientId: config.clientId, brokers: [...config.brokers], logLevel: logLevel.ERROR, logger: log.logger },
      ...librdkafkaSecurity(config.security),
    });
  }

  async admin(): Promise<TransportAdmin> {
    const admin = this.#kafka.admin();
    await admin.connect();
    return new KafkajsShapedTransportAdmin(admin);
  }

  async producer(options: ProducerOptions = {}): Promise<TransportProducer> {
    const transactional = options.transactionalId !== undefined;
    const producer = this.#kafka.producer({
      kafkaJS: {
        acks: -1,
        allowAutoTopicCreation: false,
        idempotent: transactional || options.idempotent === true,
        ...(transactional ? { transactionalId: options.transactionalId } : {}),
      },
      'linger.ms': options.lingerMs ?? DEFAULT_LINGER_MS,
      'socket.nagle.disable': true,
    });
    await producer.connect();
    return new ConfluentProducer(producer, transactional, this.#groups);
  }

  async consumer(options: ConsumerOptions): Promise<TransportConsumer> {
    return new ConfluentConsumer(this.#kafka, options, this.#groups);
  }
}
