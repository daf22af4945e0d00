// KafkaTransport on kafkajs 2.2.x (pure JS). Transactions: yes (sendOffsets by group id).
// kafkajs has no linger setting: each send() is one produce request; lingerMs is ignored.
// Rebalance hooks come from the GROUP_JOIN event (eager protocol: onRevoked runs after the rejoin, see
// assignment-sequencer.ts); batches of partitions no longer owned are dropped.
// Rebalances (docs/decisions.md "Rebalances"): kafkajs's TxnOffsetCommit carries the group id only (no generation or
// member), so the broker never refuses a transaction's offsets; the transaction itself refuses offsets of partitions
// the group no longer gives this member (ARB_TRANSPORT_PARTITION_REVOKED), checked when they are sent and again at
// commit. stableCommitted sends OffsetFetch v7 requireStable on kafkajs's own coordinator connection (the client
// speaks v1-v4 only); rewind seeks every owned partition to its committed offset and drops batches fetched before.
import kafkajs from 'kafkajs';
import type { Admin, Consumer, Kafka, Producer, Transaction } from 'kafkajs';
import { ArbiterError } from '../../core/errors.ts';
import { AssignmentSequencer } from './assignment-sequencer.ts';
import { kafkajsCoPartition } from './co-partition-clients.ts';
import { KafkajsShapedTransportAdmin, topicMessages, untilStable } from './kafkajs-shape.ts';
import { decodeOffsetFetchV7, encodeOffsetFetchV7, OFFSET_FETCH_API_KEY, OFFSET_FETCH_VERSION, UNSTABLE_OFFSET_COMMIT, type OffsetFetchResult } from './offset-fetch-v7.ts';
import { chunkBySize, headersFrom, offsetsByTopic } from './records.ts';
import { RunUntilClosed } from './run-until-closed.ts';
import { kafkajsSecurity } from './security-options.ts';
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

/** AddOffsetsToTxn tries while the broker answers CONCURRENT_TRANSACTIONS (10 ms doubling to 500 ms: ~3 s in all). */
const CONCURRENT_TRANSACTIONS_TRIES = 10;

/** Whether the running member of a group (in this transport) owns a partition in its current generation. */
type Owns = (topic: string, partition: number) => boolean;
type Groups = Map<string, Owns>;

// The parts of kafkajs 2.2.4's internals stableCommitted uses (untyped in the package): the Kafka client keeps its
// cluster factory under a private symbol; a cluster finds the group coordinator, whose connection pool sends any request.
const CREATE_CLUSTER = 'private:Kafka:createCluster';
interface InternalConnectionPool {
  send(call: {
    request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<{ buf: Buffer; buffer: Buffer }> };
    response: { decode(payload: Buffer): Promise<OffsetFetchResult>; parse(result: OffsetFetchResult): Promise<OffsetFetchResult> };
    logResponseError?: boolean;
  }): Promise<OffsetFetchResult>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(options: { groupId: string }): Promise<{ connectionPool: InternalConnectionPool }>;
}

/** The client's cluster factory; undefined when this kafkajs does not have it (checked once, at startup). */
function clusterFactory(kafka: Kafka): ((options: object) => InternalCluster) | undefined {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const create = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key];
  return typeof create === 'function' ? (create as (options: object) => InternalCluster) : undefined;
}

class KafkajsTransaction implements TransportTransaction {
  readonly #txn: Transaction;
  readonly #groups: Groups;
  /** Partitions whose offsets this transaction carries, by group: checked again at commit. */
  readonly #sent: { groupId: string; offsets: readonly TopicPartitionOffset[] }[] = [];
  constructor(txn: Transaction, groups: Groups) {
    this.#txn = txn;
    this.#groups = groups;
  }
  async send(records: readonly OutRecord[]): Promise<void> {
    for (const chunk of chunkBySize(records, MAX_REQUEST_BYTES)) await this.#txn.sendBatch({ acks: -1, topicMessages: topicMessages(chunk) });
  }
  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.#refuseRevoked(groupId, offsets);
    this.#sent.push({ groupId, offsets });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#txn.sendOffsets({ consumerGroupId: groupId, topics: offsetsByTopic(offsets) });
      } catch (error) {
        // kafkajs retries TxnOffsetCommit but not AddOffsetsToTxn, which the broker answers CONCURRENT_TRANSACTIONS
        // while it still writes the previous transaction's markers (a transaction of offsets only, right after
        // another): retried here, as the broker expects.
        if ((error as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || attempt >= CONCURRENT_TRANSACTIONS_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, 5 * 2 ** attempt)));
      }
    }
  }
  async commit(): Promise<void> {
    // The group may have rebalanced since the offsets were sent; the broker would accept them anyway (no generation).
    for (const { groupId, offsets } of this.#sent) this.#refuseRevoked(groupId, offsets);
    await this.#txn.commit();
  }
  /** Work of a partition handed to another member must not commit: that member may already have read the old offset. */
  #refuseRevoked(groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    const owns = this.#groups.get(groupId);
    if (owns === undefined) return; // no member of the group in this transport: nothing to check against
    const revoked = offsets.find((o) => !owns(o.topic, o.partition));
    if (revoked === undefined) return;
    throw new ArbiterError('ARB_TRANSPORT_PARTITION_REVOKED',
      `kafkajs: group ${groupId} no longer gives this member ${revoked.topic}[${revoked.partition}]; the transaction must be aborted`,
      { key: `${revoked.topic}[${revoked.partition}]` });
  }
  abort(): Promise<void> {
    return this.#txn.abort();
  }
}

class KafkajsProducer implements TransportProducer {
  readonly #producer: Producer;
  readonly transaction?: () => Promise<TransportTransaction>;

  constructor(producer: Producer, transactional: boolean, groups: Groups) {
    this.#producer = producer;
    if (transactional) this.transaction = async () => new KafkajsTransaction(await this.#producer.transaction(), groups);
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
  readonly #kafka: Kafka;
  readonly #groups: Groups;
  #closing = false;
  /** For stableCommitted, made on first use; for rewinding a partition without a committed offset, likewise. */
  #cluster: Promise<InternalCluster> | undefined;
  #admin: Promise<Admin> | undefined;
  readonly #owns: Owns = (topic, partition) => this.#sequencer.owns(topic, partition);

  /** The current assignment (what a co-partitioned member announces when it rejoins). */
  get owned(): readonly { topic: string; partition: number }[] {
    return this.#sequencer.owned;
  }

  constructor(consumer: Consumer, options: ConsumerOptions, kafka: Kafka, groups: Groups) {
    this.#consumer = consumer;
    this.#options = options;
    this.#kafka = kafka;
    this.#groups = groups;
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
    this.#groups.set(this.#options.groupId, this.#owns);
    await this.#consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, isStale }) => {
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
        await this.#sequencer.runBatch(batch.topic, batch.partition, async () => {
          // Fetched before a rewind's seek (the seek applies at the next fetch, which starts only after this
          // fetch's batches were handed over): read again from the seek offset.
          if (!isStale()) await eachBatch({ topic: batch.topic, partition: batch.partition, records });
        });
      },
    });
    return this.#done.promise;
  }

  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return this.#consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
  }

  /** OffsetFetch v7 requireStable to the group coordinator, retried while a transaction holds the offsets open. */
  async stableCommitted(partitions: readonly { topic: string; partition: number }[]): Promise<TopicPartitionOffset[]> {
    if (partitions.length === 0) return [];
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const groupId = this.#options.groupId;
    const body = encodeOffsetFetchV7(groupId, byTopic);
    const result = await untilStable('kafkajs', groupId, async () => {
      this.#cluster ??= this.#connectCluster();
      const coordinator = await (await this.#cluster).findGroupCoordinator({ groupId });
      const answer = await coordinator.connectionPool.send({
        request: { apiKey: OFFSET_FETCH_API_KEY, apiVersion: OFFSET_FETCH_VERSION, apiName: 'OffsetFetch', encode: async () => ({ buf: body, buffer: body }) },
        response: { decode: async (payload) => decodeOffsetFetchV7(payload), parse: async (decoded) => decoded },
        logResponseError: false,
      });
      const failed = answer.errorCode !== 0 ? answer.errorCode : answer.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0)?.errorCode;
      if (failed !== undefined) throw Object.assign(new Error(`OffsetFetch answered Kafka error ${failed}`), { kafkaErrorCode: failed });
      return answer;
    }, (error) => (error as { kafkaErrorCode?: number }).kafkaErrorCode === UNSTABLE_OFFSET_COMMIT, () => this.#closing);
    return result.topics.flatMap((t) => t.partitions
      .filter((p) => p.offset >= 0n)
      .map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset.toString() })));
  }

  async #connectCluster(): Promise<InternalCluster> {
    const cluster = (clusterFactory(this.#kafka) as (options: object) => InternalCluster)({});
    await cluster.connect();
    return cluster;
  }

  /**
   * Every owned partition reads again from the group's committed offset (one without: from where a new member
   * would start). kafkajs applies a seek at the partition's next fetch, which starts only after the batches of the
   * current one were handed over; those are stale (isStale) and dropped in run().
   */
  async rewind(): Promise<void> {
    if (this.#closing) return;
    const owned = [...this.#sequencer.owned];
    const committed = await this.stableCommitted(owned);
    const uncommitted = owned.filter((p) => !committed.some((c) => c.topic === p.topic && c.partition === p.partition));
    for (const o of [...committed, ...(await this.#startOffsets(uncommitted))]) this.#consumer.seek(o);
  }

  /** Where a member without a committed offset starts: the log start (fromBeginning) or its end. */
  async #startOffsets(partitions: readonly { topic: string; partition: number }[]): Promise<TopicPartitionOffset[]> {
    if (partitions.length === 0) return [];
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })();
    const admin = await this.#admin;
    const out: TopicPartitionOffset[] = [];
    for (const topic of new Set(partitions.map((p) => p.topic))) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        if (partitions.some((p) => p.topic === topic && p.partition === o.partition)) {
          out.push({ topic, partition: o.partition, offset: this.#options.fromBeginning ? o.low : o.high });
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#groups.get(this.#options.groupId) === this.#owns) this.#groups.delete(this.#options.groupId);
    await this.#consumer.disconnect();
    await this.#sequencer.idle();
    await (await this.#cluster?.catch(() => undefined))?.disconnect();
    await (await this.#admin?.catch(() => undefined))?.disconnect();
    this.#done.closed();
  }
}

export class KafkajsTransport implements KafkaTransport {
  readonly name = 'kafkajs';
  readonly supportsTransactions = true;
  readonly #kafka: Kafka;
  readonly #groups: Groups = new Map();

  constructor(config: TransportConfig) {
    this.#kafka = new kafkajs.Kafka({
      clientId: config.clientId,
      brokers: [...config.brokers],
      logLevel: kafkajs.logLevel.ERROR,
      ...kafkajsSecurity(config.security),
    });
    if (clusterFactory(this.#kafka) === undefined) {
      throw new ArbiterError('ARB_TRANSPORT_CLIENT_UNAVAILABLE',
        'kafkajs: this kafkajs has no internal cluster factory (the adapter is written against 2.2.4 and reads stable offsets through it)',
        { key: 'ARBITER_KAFKA_CLIENT' });
    }
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
    return new KafkajsProducer(producer, transactional, this.#groups);
  }

  async consumer(options: ConsumerOptions): Promise<TransportConsumer> {
    let owned: () => readonly { partition: number }[] = () => [];
    const consumer = this.#kafka.consumer({
      groupId: options.groupId,
      readUncommitted: options.readCommitted !== true,
      maxWaitTimeInMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      minBytes: options.minBytes ?? 1,
      ...(options.sessionTimeoutMs !== undefined ? { sessionTimeout: options.sessionTimeoutMs } : {}),
      allowAutoTopicCreation: false,
      // Failures surface through run()'s promise instead of silent restarts.
      retry: { restartOnFailure: async () => false },
      // A refusal to co-partition throws from the assigner: the consumer crashes and run() rejects.
      ...(options.coPartitioned === true ? { partitionAssigners: [kafkajsCoPartition(() => owned())] } : {}),
    });
    await consumer.connect();
    const member = new KafkajsConsumer(consumer, options, this.#kafka, this.#groups);
    owned = () => member.owned;
    return member;
  }
}

