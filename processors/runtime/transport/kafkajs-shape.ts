// What kafkajs and @confluentinc/kafka-javascript (its KafkaJS-compatible API) share: the admin calls and the
// { topic, messages } produce shape. Structural types, so neither client is imported here.
import { ArbiterError } from '../../core/errors.ts';
import { awaitTopicsReady } from './await-topics.ts';
import { groupByTopic, keyBuffer } from './records.ts';
import type { OutRecord, TopicSpec, TransportAdmin } from './transport.ts';

/** How long a new owner waits for the previous owner's open transaction to settle its offsets (its timeout is 60 s). */
const STABLE_OFFSETS_TIMEOUT_MS = 90_000;

/**
 * Retries `read` (a requireStable offset fetch) until it succeeds: UNSTABLE_OFFSET_COMMIT (`unstable(error)`) until
 * the open transaction ends, every other error (coordinator moving or loading) too, within one bound; then, or once
 * `closing()`, ARB_TRANSPORT_OFFSETS_UNSTABLE naming the client and group.
 */
export async function untilStable<T>(
  client: string, groupId: string, read: () => Promise<T>, unstable: (error: unknown) => boolean, closing: () => boolean,
): Promise<T> {
  const until = Date.now() + STABLE_OFFSETS_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (Date.now() > until || closing()) {
        throw new ArbiterError('ARB_TRANSPORT_OFFSETS_UNSTABLE',
          `${client}: stable committed offsets of group ${groupId} not readable: ${(error as Error).message}`, { key: groupId });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(unstable(error) ? 200 : 1_000, 5 * 2 ** attempt)));
    }
  }
}

export interface KafkajsShapedAdmin {
  listTopics(): Promise<string[]>;
  createTopics(options: {
    topics: { topic: string; numPartitions: number; replicationFactor: number; configEntries: { name: string; value: string }[] }[];
  }): Promise<boolean>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  disconnect(): Promise<void>;
}

export interface KafkajsShapedMessage {
  key: Buffer | string | null;
  value: Buffer | null;
  partition?: number;
  headers?: Record<string, Buffer>;
}

export function topicMessages(records: readonly OutRecord[]): { topic: string; messages: KafkajsShapedMessage[] }[] {
  return [...groupByTopic(records)].map(([topic, list]) => ({
    topic,
    messages: list.map((r) => {
      // Keys go as Buffers: the confluent client cuts a string key at its first NUL byte.
      const m: KafkajsShapedMessage = { key: keyBuffer(r.key), value: r.value };
      if (r.partition !== undefined) m.partition = r.partition;
      if (r.headers !== undefined) m.headers = r.headers as Record<string, Buffer>;
      return m;
    }),
  }));
}

export class KafkajsShapedTransportAdmin implements TransportAdmin {
  readonly #admin: KafkajsShapedAdmin;
  constructor(admin: KafkajsShapedAdmin) {
    this.#admin = admin;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const existing = new Set(await this.#admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    try {
      await this.#admin.createTopics({
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor,
          configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      // Another instance created them between list and create: fine (idempotent contract).
      if (!/already exists/i.test(String((error as Error).message))) throw error;
    }
    await awaitTopicsReady(this, missing);
  }

  async fetchOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]> {
    const offsets = await this.#admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high })).sort((a, b) => a.partition - b.partition);
  }

  close(): Promise<void> {
    return this.#admin.disconnect();
  }
}
