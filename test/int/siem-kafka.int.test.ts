// A SIEM forwarder on the real broker and schema registry: its own consumer group reads Avro DecisionRecords and
// TrajectoryAlerts, forwards them to a HEC peer that is down (503) at first, dead-letters an undecodable record to
// its own DLQ topic as a DeadLetter (with code and source position), and commits offsets only after delivery:
// a second run in the same group sees only what was produced after the first one stopped.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHecPeer, type HecPeer } from '../../bench/siem/peers.ts';
import { avroType } from '../../schemas/catalogue.ts';
import { MetricsRegistry } from '../../processors/core/metrics.ts';
import { createRegistryClient } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { unframe } from '../../processors/runtime/serde/wire-format.ts';
import { defineTopics } from '../../processors/runtime/topics.ts';
import { parseBrokers } from '../../processors/runtime/transport/brokers.ts';
import { createTransport, parseKafkaClient, type InRecord, type KafkaTransport } from '../../processors/runtime/transport/index.ts';
import { siemDlqTopicSpec, validateSiemConfig } from '../../processors/sinks/siem/index.ts';
import { startSiemForwarder } from '../../processors/sinks/siem/service.ts';
import { alert, decision } from '../unit/siem/fixtures.ts';

const run = randomUUID().slice(0, 8);
const topics = defineTopics({ prefix: `it-siem-${run}`, partitions: 2, replicationFactor: 1 });
const dlqTopic = `it-siem-${run}.dlq.siem-hec`;
const FAST = { sessionTimeoutMs: 10_000, maxWaitMs: 50 } as const;

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('SIEM forwarder on Kafka', () => {
  let transport: KafkaTransport;
  let serde: TopicSerde;
  let hec: HecPeer;
  const stack = inject('arbiterStack');
  const registry = createRegistryClient(stack.registryUrl);

  beforeAll(async () => {
    transport = await createTransport(parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']), { brokers: parseBrokers(stack.kafkaBrokers), clientId: `siem-it-${run}` });
    const admin = await transport.admin();
    await admin.ensureTopics([topics.decisions, topics.alerts, siemDlqTopicSpec(dlqTopic)]);
    await admin.close();
    serde = new TopicSerde(registry, topics);
    await serde.registerAll();
    hec = await startHecPeer('kafka-token');
  });
  afterAll(async () => {
    await hec?.stop();
  });

  async function produce(decisionIds: readonly string[], alertIds: readonly string[], garbage: boolean): Promise<void> {
    const producer = await transport.producer({ idempotent: true });
    await producer.send([
      ...decisionIds.map((id, i) => ({ topic: topics.decisions.topic, key: `s-${i % 5}`, value: serde.encode(topics.decisions, decision({ decisionId: id, effect: i % 2 === 0 ? 'deny' : 'allow' })) })),
      ...alertIds.map((id) => ({ topic: topics.alerts.topic, key: 'agent-7', value: serde.encode(topics.alerts, alert({ alertId: id })) })),
      ...(garbage ? [{ topic: topics.decisions.topic, partition: 1, key: 'bad', value: Buffer.from('not avro at all') }] : []),
    ]);
    await producer.close();
  }

  async function runForwarder(stopWhen: () => boolean) {
    const config = validateSiemConfig({
      format: 'hec', groupId: `arbiter-siem-hec-${run}`, sourceTopics: [topics.decisions.topic, topics.alerts.topic], dlqTopic,
      peer: { url: hec.url, token: 'kafka-token' }, delivery: { maxAttempts: 40, baseBackoffMs: 50, maxBackoffMs: 300, batchSize: 100 },
    });
    const metrics = new MetricsRegistry();
    const running = await startSiemForwarder(config, { transport, registry, serde, topics, metrics, consumer: FAST });
    await until(stopWhen, 60_000);
    await new Promise((r) => setTimeout(r, 500)); // let the last commit land
    await running.stop();
    await running.done;
    return metrics;
  }

  async function readDlq(): Promise<InRecord[]> {
    const seen: InRecord[] = [];
    const consumer = await transport.consumer({ groupId: `dlq-reader-${run}-${randomUUID().slice(0, 4)}`, topics: [dlqTopic], fromBeginning: true, ...FAST });
    const running = consumer.run(async (b) => { seen.push(...b.records); });
    await until(() => seen.length > 0, 20_000);
    await consumer.close();
    await running;
    return seen;
  }

  it('forwards through a SIEM outage, dead-letters the undecodable record, and commits only what it settled', async () => {
    const first = Array.from({ length: 120 }, (_, i) => `kd-${run}-${i}`);
    await produce(first, [`ka-${run}-0`, `ka-${run}-1`], true);
    hec.failWith = 503;
    setTimeout(() => { hec.failWith = undefined; }, 1500);
    const metrics = await runForwarder(() => hec.events.length >= 122);
    const uids = hec.events.map((e) => (e['event'] as { metadata: { uid: string } }).metadata.uid);
    expect(new Set(uids)).toEqual(new Set([...first, `ka-${run}-0`, `ka-${run}-1`]));
    expect(metrics.render()).toMatch(/arbiter_siem_retries_total\{format="hec"\} [1-9]/);
    expect(metrics.render()).toContain('arbiter_siem_dlq_total{format="hec",code="ARB_SIEM_DECODE_FAILED"} 1');

    const letters = await readDlq();
    expect(letters).toHaveLength(1);
    const dl = letters[0] as InRecord;
    expect(dl.headers['arbiter.error-code']?.toString()).toBe('ARB_SIEM_DECODE_FAILED');
    const { body } = unframe(dl.value ?? Buffer.alloc(0), { topic: dlqTopic });
    const decoded = avroType('DeadLetter').fromBuffer(body) as { errorCode: string; sourceTopic: string; sourcePartition: number; value: Buffer };
    expect(decoded).toMatchObject({ errorCode: 'ARB_SIEM_DECODE_FAILED', sourceTopic: topics.decisions.topic, sourcePartition: 1 });
    expect(decoded.value.toString()).toBe('not avro at all');

    // Same group again: only records produced after the first run arrive (offsets were committed after delivery).
    const before = hec.events.length;
    const second = Array.from({ length: 10 }, (_, i) => `kd2-${run}-${i}`);
    await produce(second, [], false);
    await runForwarder(() => hec.events.length >= before + 10);
    await new Promise((r) => setTimeout(r, 500));
    const later = hec.events.slice(before).map((e) => (e['event'] as { metadata: { uid: string } }).metadata.uid);
    expect(later.sort()).toEqual([...second].sort());
  });
});
