// The SDK on each of the three clients puts proposals and results on the partition the Java client chooses for their
// key, on the real broker (12 partitions). The expected partitions are the Java client's own recorded choices
// (processors/runtime/partition-for.java-vectors.json, bench/partitioners/agreement.ts), and the sessions are ones
// where @platformatic/kafka's default partitioner (unsigned murmur2) disagrees with Java's: an SDK that left the
// partition to that client would put them elsewhere. No verdict processor runs: each proposal is denied by the SDK at
// its short deadline, which is enough to have produced it, and its result is then reported.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { murmur2 } from '../../processors/runtime/partition-for.ts';
import { localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { defineTopics, ensureArbiterTopics } from '../../processors/runtime/topics.ts';
import { createTransport, KAFKA_CLIENTS, type KafkaTransport } from '../../processors/runtime/transport/index.ts';
import { ArbiterClient } from '../../processors/sdk/index.ts';

const PARTITIONS = 12;
const SESSIONS = 8;
const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'processors', 'runtime', 'partition-for.java-vectors.json'), 'utf8')) as
  { keys: string[]; partitions: Record<string, number[]> };
const javaChoice = new Map(vectors.keys.map((k, i) => [k, vectors.partitions[String(PARTITIONS)]?.[i] as number]));
/** @platformatic/kafka 2.12.1's default for a keyed record: murmur2 as an unsigned int, modulo the count. */
const platformaticDefault = (key: string) => (murmur2(Buffer.from(key)) >>> 0) % PARTITIONS;
const sessions = vectors.keys.filter((k) => platformaticDefault(k) !== javaChoice.get(k)).slice(0, SESSIONS);
const brokers = localBrokers();

/** Key and partition of every record on `topics`, read from the beginning until `expected` arrived (or 30 s). */
async function readBack(transport: KafkaTransport, topics: readonly string[], expected: number): Promise<{ topic: string; key: string; partition: number }[]> {
  const seen: { topic: string; key: string; partition: number }[] = [];
  const consumer = await transport.consumer({ groupId: `itsp-read-${randomUUID()}`, topics, fromBeginning: true, maxWaitMs: 50 });
  const running = consumer.run(async (batch) => {
    for (const r of batch.records) seen.push({ topic: r.topic, key: r.key?.toString('utf8') ?? '', partition: r.partition });
  });
  const until = Date.now() + 30_000;
  while (seen.length < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await consumer.close();
  await running.catch(() => undefined);
  return seen;
}

describe('SDK partitions proposals and results as the Java client does', () => {
  const closing: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  });

  it('the chosen sessions are ones the clients disagree on', () => {
    expect(sessions).toHaveLength(SESSIONS);
  });

  it.each(KAFKA_CLIENTS)('on %s', async (kafkaClient) => {
    const prefix = `itsp-${kafkaClient}-${randomUUID().slice(0, 8)}`;
    const topics = defineTopics({ prefix, partitions: PARTITIONS, replicationFactor: 1 });
    const transport = await createTransport(kafkaClient, { brokers, clientId: prefix });
    const admin = await transport.admin();
    await ensureArbiterTopics(admin, topics);
    await admin.close();
    const client = await ArbiterClient.connect({ brokers, registryUrl: localRegistryUrl(), kafkaClient, topicPrefix: prefix, defaultDeadlineMs: 500 });
    closing.push(() => client.close());
    await Promise.all(sessions.map(async (sessionId) => {
      const session = client.session({ sessionId, agentId: 'a', userId: 'u', tenantId: 't', agentRole: 'r', environment: 'test' });
      const verdict = await session.propose({ tool: 'search_docs', args: { q: 'x' } });
      expect(verdict).toMatchObject({ source: 'no-verdict', errorCode: 'ARB_SDK_NO_VERDICT' }); // produced, nobody answers
      await session.reportResult(verdict, { outcome: 'success' });
    }));
    const landed = await readBack(transport, [topics.proposals.topic, topics.results.topic], 2 * SESSIONS);
    expect(landed).toHaveLength(2 * SESSIONS);
    for (const topic of [topics.proposals.topic, topics.results.topic]) {
      const on = landed.filter((r) => r.topic === topic).sort((a, b) => a.key.localeCompare(b.key));
      expect(on.map((r) => [r.key, r.partition]), topic).toEqual([...sessions].sort((a, b) => a.localeCompare(b)).map((k) => [k, javaChoice.get(k)]));
    }
  });
});
