// KafkaTransport on @platformatic/kafka (pure JS, Node >= 22). Transactions: yes.
// No linger setting: each send() is one produce request; lingerMs is ignored.
// A transaction's sendOffsets needs the live consumer of that group (generation/member fencing, KIP-447),
// so consumers are registered by group id in the transport that created them.
// Batches: what the message stream has buffered is drained at once and split into per-partition runs.
// Rebalance hooks come from 'consumer:group:join' (after the rejoin; see assignment-sequencer.ts).
// read_committed consumers drop aborted transactions' records the client lets through (platformatic-read-committed.ts).
import { Admin, ConnectionPool, Consumer, FetchIsolationLevels, ProduceAcks, Producer, findErrorBy, txnOffsetCommitV4 } from '@platformatic/kafka';
import type { Message, MessagesStream } from '@platformatic/kafka';
import { ArbiterError } from '../../core/errors.ts';
import { awaitTopicsReady } from './await-topics.ts';
import { AssignmentSequencer, type OffsetsFence } from './assignment-sequencer.ts';
import { platformaticCoPartition } from './co-partition-clients.ts';
import { chunkBySize, headersFrom, keyBuffer, splitByPartition } from './records.ts';
import { RunUntilClosed } from './run-until-closed.ts';
import { platformaticSecurity } from './security-options.ts';
import { useClientAddPartitionsToTxn } from './platformatic-txn-version.ts';
import { fetchReadCommitted } from './platformatic-read-committed.ts';
import type {
  Batch,
  ConsumerOptions,
  Headers,
  InRecord,
  KafkaTransport,
  OutRecord,
  ProducerOptions,
  TopicPartitionOffset,
  TopicSpec,
  TransportAdmin,
  TransportConfig,
  KafkaSecurity,
  TransportConsumer,
  TransportProducer,
  TransportTransaction,
} from './transport.ts';

const DEFAULT_MAX_WAIT_MS = 100;
/** How long close() waits for run()'s first group join to finish before closing the client anyway. */
const OPEN_WAIT_ON_CLOSE_MS = 10_000;
/**
 * Producer retry backoff: 10 ms doubling to 1 s, 12 tries (about 4 s in all, like the client's default 3 x 1 s);
 * CONCURRENT_TRANSACTIONS starts at 1 ms instead. The client's flat 1 s default costs a whole second whenever a
 * transaction starts while the broker is still writing the previous one's markers (CONCURRENT_TRANSACTIONS, retriable,
 * gone within a millisecond or two): measured as 1 s stalls in about one transaction of ten back to back, and with a
 * 10 ms first retry as 10 ms stalls in a quarter to a third of the transactions of a pipelined loop (bench/verdict
 * --trace-api: 1.25-1.36 AddPartitionsToTxn per transaction; docs/benchmarks.md).
 */
const PRODUCER_RETRIES = 12;
const producerRetryDelay = (_client: unknown, _operation: string, attempt: number, _retries: number, error: unknown): number =>
  Math.min(1_000, (findErrorBy(error as Error, 'apiId', 'CONCURRENT_TRANSACTIONS') ? 1 : 10) * 2 ** (attempt - 1));
/** One send() is one produce request, not split by the client; the broker bounds each partition's batch by
 * message.max.bytes (default 1 MiB), so chunks hold at most this much per partition (records.ts). */
const MAX_PARTITION_BYTES = 512 * 1024;
/** Most records buffered before the stream is paused. */
const MAX_DRAIN = 1024;

/** A running group member: the client's consumer and its current assignment with the generation it came with. */
interface GroupMember {
  readonly consumer: Consumer;
  /** The generation offsets of these partitions may go out under, or the first one no longer owned (sequencer). */
  fence(partitions: readonly TopicPartitionOffset[]): OffsetsFence;
}
type Groups = Map<string, GroupMember>;
/** How long a new owner waits for the previous owner's open transaction to settle its offsets (its timeout is 60 s). */
const STABLE_OFFSETS_TIMEOUT_MS = 90_000;
/** TxnOffsetCommit answers meaning the member's generation is over (the group rebalanced under the transaction). */
const GENERATION_ERRORS = ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID'] as const;
type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;
/** The member identity a transaction's offsets are committed under. */
interface Generation {
  readonly generationId: number;
  readonly memberId: string | null;
}

/** Header names as bytes, made once per name (a processor uses a handful). */
const headerKeys = new Map<string, Buffer>();

function headerMap(headers: Headers): Map<Buffer, Buffer> {
  const map = new Map<Buffer, Buffer>();
  for (const k in headers) {
    let key = headerKeys.get(k);
    if (key === undefined) {
      key = Buffer.from(k);
      if (headerKeys.size < 1024) headerKeys.set(k, key);
    }
    map.set(key, headers[k] as Buffer);
  }
  return map;
}

/** The records as sends of at most MAX_PARTITION_BYTES per partition: one send without sizing each destination
 *  when all of them together fit (the common case: a commit's outputs are far below it). */
function chunks(records: readonly OutRecord[]): readonly (readonly OutRecord[])[] {
  let bytes = 0;
  for (const r of records) {
    bytes += 64 + (r.value?.length ?? 0) + (r.key === null ? 0 : r.key.length * 3); // a string key: UTF-8 at most 3 bytes per unit
    if (r.headers !== undefined) for (const k in r.headers) bytes += k.length * 3 + (r.headers[k] as Buffer).length;
    if (bytes > MAX_PARTITION_BYTES) return chunkBySize(records, MAX_PARTITION_BYTES);
  }
  return [records];
}

function toMessages(records: readonly OutRecord[]) {
  return records.map((r) => ({
    topic: r.topic,
    key: keyBuffer(r.key) ?? undefined,
    value: r.value ?? undefined,
    ...(r.partition !== undefined ? { partition: r.partition } : {}),
    // Header keys go through the (no-op) Buffer serialiser: they must be Buffers. A string key makes send()
    // hang without an error in 2.12.1, so the conversion is not optional.
    ...(r.headers !== undefined ? { headers: headerMap(r.headers) } : {}),
  }));
}

function toInRecord(m: Message): InRecord {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset.toString(),
    key: m.key ?? null,
    value: m.value ?? null,
    headers: headersFrom(m.headers),
    timestampMs: Number(m.timestamp),
  };
}

class PlatformaticAdmin implements TransportAdmin {
  readonly #admin: Admin;
  constructor(admin: Admin) {
    this.#admin = admin;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const existing = new Set(await this.#admin.listTopics());
    for (const s of specs) {
      if (existing.has(s.topic)) continue;
      try {
        await this.#admin.createTopics({
          topics: [s.topic],
          partitions: s.partitions,
          replicas: s.replicationFactor,
          configs: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        if (!/already exists/i.test(JSON.stringify(error, Object.getOwnPropertyNames(error)))) throw error;
      }
    }
    await awaitTopicsReady(this, specs.filter((s) => !existing.has(s.topic)));
  }

  async fetchOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]> {
    const metadata = await this.#admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const partitions = Array.from({ length: count }, (_, i) => i);
    // ListOffsets timestamps: -2 = earliest, -1 = latest (high-water mark).
    const list = async (timestamp: bigint) =>
      (await this.#admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp })) }] }))[0]
        ?.partitions ?? [];
    const [low, high] = await Promise.all([list(-2n), list(-1n)]);
    return partitions.map((p) => ({
      partition: p,
      low: String(low.find((x) => x.partitionIndex === p)?.offset ?? 0n),
      high: String(high.find((x) => x.partitionIndex === p)?.offset ?? 0n),
    }));
  }

  close(): Promise<void> {
    return this.#admin.close();
  }
}

class PlatformaticTransaction implements TransportTransaction {
  readonly #txn: Transaction;
  readonly #groups: Groups;
  readonly #producer: Producer;
  readonly #pool: ConnectionPool;
  constructor(txn: Transaction, groups: Groups, producer: Producer, pool: ConnectionPool) {
    this.#txn = txn;
    this.#groups = groups;
    this.#producer = producer;
    this.#pool = pool;
  }

  async send(records: readonly OutRecord[]): Promise<void> {
    for (const chunk of chunks(records)) await this.#txn.send({ messages: toMessages(chunk) });
  }

  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const member = this.#groups.get(groupId);
    if (member === undefined) {
      throw new ArbiterError('ARB_TRANSPORT_NO_GROUP_CONSUMER', `@platformatic/kafka: no running consumer for group ${groupId}`, { key: groupId });
    }
    // The client rejoins on its own and tells us afterwards: work of a partition handed to another member during
    // the rejoin must not commit under the new generation (the broker checks generation and member, not
    // ownership), or the new owner, which may already have read the old offset, decides the same records again.
    // The offsets go out under the generation the assignment checked here came with (AssignmentSequencer.fence), not
    // the client's: the client takes a new generation from JoinGroup's answer and learns its assignment only from
    // SyncGroup's, and in between the broker accepts a TxnOffsetCommit under the new generation for a partition the
    // new assignment gave to another member (measured: 100-250 such commits per churn run; docs/decisions.md).
    const clientGeneration = { generationId: member.consumer.generationId, memberId: member.consumer.memberId };
    const fence = member.fence(offsets);
    if ('revoked' in fence) {
      const revoked = fence.revoked;
      throw new ArbiterError('ARB_TRANSPORT_PARTITION_REVOKED',
        `@platformatic/kafka: group ${groupId} no longer gives this member ${revoked.topic}[${revoked.partition}]; the transaction is aborted`,
        { key: `${revoked.topic}[${revoked.partition}]` });
    }
    const generation = fence.generation ?? clientGeneration;
    try {
      await this.#sendOffsets(member.consumer, groupId, offsets, generation);
    } catch (error) {
      const stale = GENERATION_ERRORS.find((apiId) => findErrorBy(error as Error, 'apiId', apiId));
      if (stale === undefined) throw error;
      throw new ArbiterError('ARB_TRANSPORT_GENERATION_STALE',
        `@platformatic/kafka: group ${groupId} refused the transaction's offsets (${stale}): it rebalanced meanwhile`, { key: groupId });
    }
  }

  async #sendOffsets(consumer: Consumer, groupId: string, offsets: readonly TopicPartitionOffset[], generation: Generation): Promise<void> {
    await this.#txn.addConsumer(consumer);
    if (offsets.length > 1 && await this.#commitAllAtOnce(consumer, offsets, generation)) return;
    const identity = {
      groupId,
      generationId: generation.generationId,
      memberId: generation.memberId,
      coordinatorId: consumer.coordinatorId,
    };
    // One TxnOffsetCommit per partition, one after another: the client deduplicates concurrent addOffset calls
    // (kPerformDeduplicated 'commit'), so sending them together silently commits only one partition's offset.
    for (const o of offsets) {
      // The client commits message.offset + 1; we are given the next offset to read.
      const message = { topic: o.topic, partition: o.partition, offset: BigInt(o.offset) - 1n, metadata: { consumer: identity } };
      await this.#txn.addOffset(message as unknown as Message);
    }
  }

  /**
   * Every partition's offset in one TxnOffsetCommit (the client sends one request per partition, one after another:
   * 3-4 round trips per commit of a 4-partition input, measured with bench/verdict --trace-api). The same request the
   * client would build, batched; false on a failure other than a refused generation, and the caller then commits
   * partition by partition through the client (with its retries, under the same generation). A refused generation
   * is thrown: retrying it could only succeed under a later one. Re-committing an offset in a transaction is harmless.
   */
  async #commitAllAtOnce(consumer: Consumer, offsets: readonly TopicPartitionOffset[], generation: Generation): Promise<boolean> {
    const producerId = this.#producer.producerId;
    const producerEpoch = this.#producer.producerEpoch;
    const coordinator = consumer.coordinatorId;
    const memberId = generation.memberId;
    if (producerId === undefined || producerEpoch === undefined || coordinator === null || memberId === null) return false;
    try {
      const topics = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: null }[]>();
      for (const o of offsets) {
        const list = topics.get(o.topic) ?? [];
        // Leader epoch -1: unknown (the broker skips the check).
        list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: null });
        topics.set(o.topic, list);
      }
      const metadata = await this.#producer.metadata({ topics: [...topics.keys()] });
      const broker = metadata.brokers.get(coordinator);
      if (broker === undefined) return false;
      const connection = await this.#pool.get(broker);
      await txnOffsetCommitV4.api.async(connection, this.#txn.id, consumer.groupId, producerId, producerEpoch, generation.generationId,
        memberId, null, [...topics].map(([name, partitions]) => ({ name, partitions })));
      return true;
    } catch (error) {
      if (GENERATION_ERRORS.some((apiId) => findErrorBy(error as Error, 'apiId', apiId))) throw error;
      return false;
    }
  }

  commit(): Promise<void> {
    return this.#txn.commit();
  }
  abort(): Promise<void> {
    return this.#txn.abort();
  }
}

class PlatformaticProducer implements TransportProducer {
  readonly #producer: Producer;
  /** Connections of the batched TxnOffsetCommit (the client's own pool is private). */
  readonly #pool: ConnectionPool;
  readonly transaction?: () => Promise<TransportTransaction>;

  constructor(producer: Producer, transactional: boolean, groups: Groups, clientId: string, security?: KafkaSecurity) {
    this.#producer = producer;
    this.#pool = new ConnectionPool(clientId, platformaticSecurity(security));
    if (transactional) {
      this.transaction = async () => new PlatformaticTransaction(await this.#producer.beginTransaction(), groups, this.#producer, this.#pool);
    }
  }

  async send(records: readonly OutRecord[]): Promise<void> {
    for (const chunk of chunks(records)) await this.#producer.send({ messages: toMessages(chunk) });
  }

  async close(): Promise<void> {
    await this.#pool.close();
    await this.#producer.close();
  }
}

class PlatformaticConsumer implements TransportConsumer {
  readonly #consumer: Consumer;
  readonly #options: ConsumerOptions;
  readonly #groups: Groups;
  readonly #sequencer: AssignmentSequencer;
  readonly #done = new RunUntilClosed();
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  #closing = false;
  #wakeLoop: (() => void) | undefined;
  #eachBatch: (batch: Batch) => Promise<void> = async () => undefined;
  #streamGeneration = 0;
  /** run()'s first open (group join, stream); close() lets it finish: a stream made after the client closed throws. */
  #opening: Promise<void> | undefined;
  /** OffsetFetch requireStable (the consumer's own fetch does not ask for it); made on first use. */
  #admin: Admin | undefined;
  readonly #clientId: string;
  readonly #brokers: readonly string[];
  readonly #security: KafkaSecurity | undefined;

  constructor(consumer: Consumer, options: ConsumerOptions, groups: Groups, config: TransportConfig) {
    this.#consumer = consumer;
    this.#clientId = config.clientId;
    this.#brokers = config.brokers;
    this.#security = config.security;
    this.#options = options;
    this.#groups = groups;
    this.#sequencer = new AssignmentSequencer(options.onAssigned, options.onRevoked);
    consumer.on('consumer:group:join', (payload) => {
      const assignment = (payload.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
      const generation = payload.generationId === undefined ? undefined : { generationId: payload.generationId, memberId: payload.memberId };
      this.#sequencer.assign(assignment, generation).catch(() => undefined);
    });
  }

  /** This member led the group and could not co-partition it (ConsumerOptions.coPartitioned): run() rejects. */
  assignmentRefused(error: unknown): void {
    // May come while run() still awaits the first join, before its caller holds the promise: not "unhandled".
    this.#done.promise.catch(() => undefined);
    this.#done.failed(this.#options.groupId, error);
  }

  async run(eachBatch: (batch: Batch) => Promise<void>): Promise<void> {
    this.#eachBatch = eachBatch;
    this.#opening = this.#open();
    await this.#opening;
    this.#groups.set(this.#options.groupId, { consumer: this.#consumer, fence: (ps) => this.#sequencer.fence(ps) });
    return this.#done.promise;
  }

  /** A message stream from the start offsets (committed, or see #startOffsets) and the loop handing it over. */
  async #open(): Promise<void> {
    // The generation moves first: batches of the previous stream, even one already queued, are not handed over.
    const generation = ++this.#streamGeneration;
    const stream = await this.#consumer.consume({
      topics: [...this.#options.topics],
      ...(await this.#startOffsets()),
      fallbackMode: this.#options.fromBeginning ? 'earliest' : 'latest',
      autocommit: false,
    });
    this.#stream = stream;
    const current = () => generation === this.#streamGeneration && !this.#closing;
    stream.on('error', (error) => {
      if (current()) this.#done.failed(this.#options.groupId, error);
    });
    this.#loop(stream, this.#eachBatch, current).catch((error) => {
      if (current()) this.#done.failed(this.#options.groupId, error);
    });
  }

  /**
   * Drops what is buffered and reads every owned partition again from the group's committed offsets. The new stream
   * opens before the old one closes: the client keeps the topics subscribed, so there is no rejoin (no rebalance).
   */
  async rewind(): Promise<void> {
    if (this.#closing || this.#stream === undefined) return;
    const old = this.#stream;
    const wakeOld = this.#wakeLoop;
    await this.#open();
    wakeOld?.();
    if (old !== undefined && !old.closed) await old.close().catch(() => undefined);
  }

  /**
   * Where reading starts: the group's committed offsets; with onlyPartitions (a one-member group, a restore) the
   * wanted partitions from their start and the others from their end, so only the wanted ones are read. (The
   * client's assignor gives a lone member every partition whatever assignor is configured.)
   */
  async #startOffsets(): Promise<{ mode: 'committed' } | { mode: 'manual'; offsets: { topic: string; partition: number; offset: bigint }[] }> {
    const only = this.#options.onlyPartitions;
    if (only === undefined) return { mode: 'committed' };
    const wanted = new Set(only);
    const ends = await this.#consumer.listOffsets({ topics: [...this.#options.topics], timestamp: -1n });
    // Offset 0 below a partition's log start is out of range; the client then starts at the earliest (fallbackMode).
    const offsets = [...ends].flatMap(([topic, perPartition]) =>
      perPartition.map((end, partition) => ({ topic, partition, offset: wanted.has(partition) ? 0n : end })));
    return { mode: 'manual', offsets };
  }

  /**
   * Flowing mode: 'data' fills a buffer, the loop hands it over in per-partition runs. The stream is paused while
   * the buffer holds MAX_DRAIN records (backpressure) and resumed when the loop takes them.
   */
  async #loop(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>, eachBatch: (batch: Batch) => Promise<void>, current: () => boolean): Promise<void> {
    let buffer: InRecord[] = [];
    let wake: (() => void) | undefined;
    const signal = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    stream.on('data', (m: Message) => {
      buffer.push(toInRecord(m));
      if (buffer.length >= MAX_DRAIN) stream.pause();
      signal();
    });
    stream.on('close', signal);
    this.#wakeLoop = signal;
    while (current() && !stream.destroyed) {
      if (buffer.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const drained = buffer;
      buffer = [];
      if (stream.isPaused()) stream.resume();
      for (const run of splitByPartition(drained)) {
        const first = run[0];
        if (first === undefined) continue;
        if (!current()) return; // rewound: the new stream reads these again
        await this.#sequencer.runBatch(first.topic, first.partition, async () => {
          if (current()) await eachBatch({ topic: first.topic, partition: first.partition, records: run });
        });
      }
    }
  }


  async stableCommitted(partitions: readonly { topic: string; partition: number }[]): Promise<TopicPartitionOffset[]> {
    if (partitions.length === 0) return [];
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const request = {
      groups: [{ groupId: this.#options.groupId, topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }],
      requireStable: true,
    };
    this.#admin ??= new Admin({ clientId: this.#clientId, bootstrapBrokers: [...this.#brokers], retries: 0, ...platformaticSecurity(this.#security) });
    const until = Date.now() + STABLE_OFFSETS_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const groups = await this.#admin.listConsumerGroupOffsets(request);
        return (groups[0]?.topics ?? []).flatMap((t) => t.partitions
          .filter((p) => p.committedOffset >= 0n)
          .map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset.toString() })));
      } catch (error) {
        // UNSTABLE_OFFSET_COMMIT until the open transaction ends; anything else (coordinator moving or loading, a
        // broker restarting) is retried too, within the same bound.
        if (Date.now() > until || this.#closing) {
          throw new ArbiterError('ARB_TRANSPORT_OFFSETS_UNSTABLE',
            `@platformatic/kafka: stable committed offsets of group ${this.#options.groupId} not readable: ${(error as Error).message}`,
            { key: this.#options.groupId });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(findErrorBy(error as Error, 'apiId', 'UNSTABLE_OFFSET_COMMIT') ? 200 : 1_000, 5 * 2 ** attempt)));
      }
    }
  }

  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    // leaderEpoch -1: unknown (the broker skips the epoch check).
    return this.#consumer.commit({
      offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })),
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#opening !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#opening.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, OPEN_WAIT_ON_CLOSE_MS)))]);
      clearTimeout(timer);
    }
    this.#wakeLoop?.();
    if (this.#groups.get(this.#options.groupId)?.consumer === this.#consumer) this.#groups.delete(this.#options.groupId);
    if (this.#stream !== undefined && !this.#stream.closed) await this.#stream.close();
    await this.#sequencer.idle();
    await this.#consumer.close(true);
    await this.#admin?.close();
    this.#done.closed();
  }
}

export class PlatformaticTransport implements KafkaTransport {
  readonly name = 'platformatic';
  readonly supportsTransactions = true;
  readonly #config: TransportConfig;
  readonly #groups: Groups = new Map();

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  #base() {
    return { clientId: this.#config.clientId, bootstrapBrokers: [...this.#config.brokers], ...platformaticSecurity(this.#config.security) };
  }

  async admin(): Promise<TransportAdmin> {
    return new PlatformaticAdmin(new Admin(this.#base()));
  }

  async producer(options: ProducerOptions = {}): Promise<TransportProducer> {
    const transactional = options.transactionalId !== undefined;
    const idempotent = transactional || options.idempotent === true;
    const producer = new Producer({
      ...this.#base(),
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      retries: PRODUCER_RETRIES,
      retryDelay: producerRetryDelay,
      idempotent,
      ...(transactional ? { transactionalId: options.transactionalId } : {}),
      // 2.12.1 sends producer id 0 / epoch 0 in InitProducerId unless told otherwise; the broker then answers
      // PRODUCER_FENCED to a restarted instance reusing its transactional id (it cannot fence its own zombie).
      // -1/-1 is the protocol's "new producer" value.
      ...(idempotent ? { producerId: -1n, producerEpoch: -1 } : {}),
    });
    if (transactional) useClientAddPartitionsToTxn(producer);
    return new PlatformaticProducer(producer, transactional, this.#groups, this.#config.clientId, this.#config.security);
  }

  async consumer(options: ConsumerOptions): Promise<TransportConsumer> {
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    let refused: (error: unknown) => void = () => undefined;
    const consumer: Consumer = new Consumer({
      ...this.#base(),
      groupId: options.groupId,
      autocommit: false,
      sessionTimeout,
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
      maxWaitTime: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      minBytes: options.minBytes ?? 1,
      isolationLevel: options.readCommitted === true ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED,
      ...(options.coPartitioned === true ? platformaticCoPartition(options.groupId,
        () => (consumer.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ partition }))), (error) => refused(error)) : {}),
    });
    if (options.readCommitted === true) {
      fetchReadCommitted(consumer as unknown as Parameters<typeof fetchReadCommitted>[0]);
    }
    const member = new PlatformaticConsumer(consumer, options, this.#groups, this.#config);
    refused = (error) => member.assignmentRefused(error);
    return member;
  }
}
