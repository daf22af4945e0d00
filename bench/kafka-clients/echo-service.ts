// The echo service: the cheapest possible request/reply processor on a KafkaTransport, the baseline the verdict
// processor is compared with (bench/verdict). Per batch: one produce of all replies (to the reply topic/partition
// named in each request's headers), then the input offsets are committed.
//  - plain mode: pipelined. eachBatch returns once the produce is issued (up to MAX_SENDS_IN_FLIGHT unacknowledged),
//    so the next batch is handled while replies are on the wire; a batch's offsets are committed only after its
//    replies are acknowledged (at-least-once), coalesced with at most one commit in flight;
//  - transactional mode: replies and offsets go in one transaction per batch (exactly-once consume-transform-produce).
import type { Batch, KafkaTransport, OutRecord, TopicPartitionOffset, TransportConsumer, TransportProducer } from '../../processors/runtime/transport/index.ts';
import { REPLY_PARTITION_HEADER, REPLY_TOPIC_HEADER } from './request-reply.ts';

/** Unacknowledged reply produces before eachBatch waits (pipelining depth). */
const MAX_SENDS_IN_FLIGHT = 8;

export interface EchoServiceOptions {
  readonly requestTopic: string;
  readonly groupId: string;
  /** Exactly-once: one transaction per batch with this transactional id. */
  readonly transactionalId?: string;
  readonly lingerMs?: number;
  readonly maxWaitMs?: number;
  /** Called once every partition of the request topic is assigned (the service is ready for load). */
  readonly onReady?: () => void;
  readonly requestPartitions: number;
  /** Called once if the service stops on an error (a failed produce, commit or consumer). */
  readonly onFailure?: (error: unknown) => void;
}

export interface EchoService {
  /** Replies produced so far. */
  readonly replied: () => number;
  stop(): Promise<void>;
}

export function replyFor(request: Batch['records'][number]): OutRecord {
  const topic = request.headers[REPLY_TOPIC_HEADER]?.toString();
  const partition = Number(request.headers[REPLY_PARTITION_HEADER]?.toString());
  if (topic === undefined || !Number.isInteger(partition)) {
    throw new Error(`request ${request.topic}/${request.partition}@${request.offset} has no reply topic/partition headers`);
  }
  return { topic, partition, key: request.key, value: request.value, headers: request.headers };
}

/** Coalesces commits: at most one in flight; the newest offsets per partition win. */
class CoalescingCommitter {
  readonly #consumer: TransportConsumer;
  readonly #pending = new Map<string, TopicPartitionOffset>();
  #inFlight: Promise<void> | undefined;
  constructor(consumer: TransportConsumer) {
    this.#consumer = consumer;
  }
  offer(offset: TopicPartitionOffset): void {
    this.#pending.set(`${offset.topic}:${offset.partition}`, offset);
    this.#inFlight ??= this.#drain();
  }
  async #drain(): Promise<void> {
    while (this.#pending.size > 0) {
      const offsets = [...this.#pending.values()];
      this.#pending.clear();
      await this.#consumer.commit(offsets);
    }
    this.#inFlight = undefined;
  }
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
  }
}

export async function startEchoService(transport: KafkaTransport, options: EchoServiceOptions): Promise<EchoService> {
  const producer: TransportProducer = await transport.producer({
    ...(options.transactionalId !== undefined ? { transactionalId: options.transactionalId } : {}),
    ...(options.lingerMs !== undefined ? { lingerMs: options.lingerMs } : {}),
  });
  const begin = producer.transaction;
  if (options.transactionalId !== undefined && begin === undefined) throw new Error(`${transport.name}: no transaction support`);
  let assigned = 0;
  const consumer = await transport.consumer({
    groupId: options.groupId,
    topics: [options.requestTopic],
    fromBeginning: true,
    readCommitted: options.transactionalId !== undefined,
    sessionTimeoutMs: 10_000,
    ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
    onAssigned: async (parts) => {
      assigned += parts.length;
      if (assigned >= options.requestPartitions) options.onReady?.();
    },
  });
  const committer = new CoalescingCommitter(consumer);
  let replied = 0;
  const inFlight = new Set<Promise<void>>();
  const tails = new Map<string, Promise<void>>();
  let sendError: unknown;

  const eachBatch = async (batch: Batch): Promise<void> => {
    const replies = batch.records.map(replyFor);
    const last = batch.records[batch.records.length - 1];
    if (last === undefined) return;
    const next = { topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) };
    if (begin !== undefined) {
      const txn = await begin();
      await txn.send(replies);
      await txn.sendOffsets(options.groupId, [next]);
      await txn.commit();
      replied += replies.length;
      return;
    }
    // A partition's offsets are offered only after its earlier batches' replies were acknowledged too.
    const key = `${batch.topic}:${batch.partition}`;
    const sent = Promise.all([tails.get(key), producer.send(replies)]).then(() => {
      replied += replies.length;
      committer.offer(next);
    });
    tails.set(key, sent.catch(() => undefined));
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent)).catch(() => undefined);
    sent.catch((error: unknown) => (sendError ??= error));
    if (inFlight.size >= MAX_SENDS_IN_FLIGHT) await Promise.race(inFlight);
    if (sendError !== undefined) throw sendError;
  };
  const running = consumer.run(eachBatch);
  running.catch((error: unknown) => options.onFailure?.(error));

  return {
    replied: () => replied,
    async stop() {
      await Promise.allSettled(inFlight);
      await committer.flush();
      await consumer.close();
      await running;
      await producer.close();
    },
  };
}
