// Every decode catch site tells poison from transient (processors/runtime/stream/failure-kind.ts): a record whose
// writer schema cannot be fetched because the registry is down is never dead-lettered, denied or skipped; the
// batch fails (nothing committed) so it is read again. The registry is an in-memory twin of SchemaRegistryClient
// whose schema fetch fails with ARB_SERDE_REGISTRY_UNAVAILABLE, as the real client does once its retries are spent.
import { describe, expect, it } from 'vitest';
import { AggregatorTask } from '../../../processors/aggregator/aggregator-task.ts';
import { DEFAULT_THRESHOLDS } from '../../../processors/aggregator/thresholds.ts';
import { aggregatorTopics } from '../../../processors/aggregator/topics.ts';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { MetricsRegistry } from '../../../processors/core/metrics.ts';
import { proposalToWire, resultToWire } from '../../../processors/runtime/serde/records.ts';
import type { SchemaRegistryClient } from '../../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../../processors/runtime/serde/topic-serde.ts';
import { frame, HEADER_BYTES } from '../../../processors/runtime/serde/wire-format.ts';
import { defineTopics, type TopicDef } from '../../../processors/runtime/topics.ts';
import type { InRecord, KafkaTransport, OutRecord, TransportProducer } from '../../../processors/runtime/transport/transport.ts';
import { rowBlockEncoder } from '../../../processors/sinks/clickhouse/block-encoder.ts';
import { createBatchingSink } from '../../../processors/sinks/clickhouse/batching-sink.ts';
import { validateSiemConfig } from '../../../processors/sinks/siem/config.ts';
import type { DeadLetter } from '../../../processors/sinks/siem/dlq.ts';
import { SiemForwarder } from '../../../processors/sinks/siem/forwarder.ts';
import { siemDecoder } from '../../../processors/sinks/siem/wire.ts';
import { BundleSlot } from '../../../processors/verdict/bundle-slot.ts';
import { correlationHeaders } from '../../../processors/verdict/correlation.ts';
import { createPolicyEngine } from '../../../processors/verdict/policy-engine.ts';
import { VerdictTask } from '../../../processors/verdict/verdict-task.ts';
import { decision } from '../siem/fixtures.ts';
import { proposal, result, testBundle } from '../verdict/fixtures.ts';

/** Registers like a registry; fetching any schema by id fails as an unreachable registry does. */
function unreachableOnFetch(): SchemaRegistryClient {
  const ids = new Map<string, number>();
  return {
    async register(_subject, schema) {
      const text = JSON.stringify(schema);
      if (!ids.has(text)) ids.set(text, ids.size + 1);
      return ids.get(text) as number;
    },
    async isCompatible() { return true; },
    async schemaById(id) {
      throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', `schema registry http://r could not be reached fetching schema id ${id}`, { key: 'SCHEMA_REGISTRY_URL' });
    },
  };
}

const topics = defineTopics({ prefix: 't', partitions: 2, replicationFactor: 1 });
const UNSEEN_ID = 999;

async function serde(): Promise<TopicSerde> {
  const s = new TopicSerde(unreachableOnFetch(), topics);
  await s.registerAll();
  return s;
}

/** `encoded` re-framed with a schema id the serde has not fetched (the body stays readable by the current schema). */
function unseen(topic: TopicDef, encoded: Buffer, offset = 7, headers: InRecord['headers'] = {}, key = 's-1'): InRecord {
  return { topic: topic.topic, partition: 1, offset: String(offset), key: Buffer.from(key), value: frame(UNSEEN_ID, encoded.subarray(HEADER_BYTES)), headers, timestampMs: 0 };
}

async function verdictTask() {
  const s = await serde();
  const engine = createPolicyEngine({ requireSignature: false, trustedKeys: {} });
  const slot = new BundleSlot({ ...engine, load: async () => testBundle() }, 'verdict-test');
  await slot.offer({ bundleName: 'verdict-test', revision: 'r', bundle: Buffer.alloc(0), signature: '', keyId: '', activatedBy: '', activatedAtMs: 0 });
  const task = new VerdictTask({
    topics, serde: s, engine, slot, transport: {} as KafkaTransport, barrierProducer: {} as TransportProducer, groupId: 'g',
    replyTopics: new Map(), restoreTimeoutMs: 1000, clock: () => 1_500_000,
  });
  return { s, task };
}

describe('a registry outage at a decode catch site is rethrown, never dead-lettered', () => {
  it('verdict task: a result is not dead-lettered (its taint would be lost); the batch fails', async () => {
    const { s, task } = await verdictTask();
    const record = unseen(topics.results, s.encode(topics.results, resultToWire(result({ untrustedSources: ['web:evil.example'] }))));
    await expect(task.process({ topic: topics.results.topic, partition: 1, records: [record] })).rejects.toMatchObject({ code: 'ARB_SERDE_REGISTRY_UNAVAILABLE' });
    expect(task.stats.deadLettered).toBe(0);
  });

  it('verdict task: a proposal is neither dead-lettered nor denied; the batch fails', async () => {
    const { s, task } = await verdictTask();
    const p = proposal({ proposalId: 'p-outage' });
    const record = unseen(topics.proposals, s.encode(topics.proposals, proposalToWire(p)), 7, correlationHeaders(p.proposalId, { topic: topics.verdicts.topic, partition: 0 }));
    await expect(task.process({ topic: topics.proposals.topic, partition: 1, records: [record] })).rejects.toMatchObject({ code: 'ARB_SERDE_REGISTRY_UNAVAILABLE' });
    expect(task.stats.deadLettered).toBe(0);
    expect(task.stats.decided).toBe(0);
  });

  it('verdict task: the same proposal with bad bytes is still poison (dead letter and deny)', async () => {
    const { task } = await verdictTask();
    const record: InRecord = { topic: topics.proposals.topic, partition: 1, offset: '8', key: Buffer.from('s-1'), value: Buffer.from('not avro'),
      headers: correlationHeaders('p-bad', { topic: topics.verdicts.topic, partition: 0 }), timestampMs: 0 };
    const out: readonly OutRecord[] = await task.process({ topic: topics.proposals.topic, partition: 1, records: [record] });
    expect(out.map((r) => r.topic).sort()).toEqual([topics.dlqProposals.topic, topics.verdicts.topic].sort());
    expect(task.stats.deadLettered).toBe(1);
  });

  it('aggregator: the record is not skipped; the batch fails', async () => {
    const s = await serde();
    const task = new AggregatorTask({
      topics, own: aggregatorTopics('t', 1), serde: s, thresholds: DEFAULT_THRESHOLDS,
      durable: { transport: {} as KafkaTransport, barrierProducer: {} as TransportProducer, groupId: 'g', restoreTimeoutMs: 1_000 },
    });
    const record = unseen(topics.results, s.encode(topics.results, resultToWire(result({ untrustedSources: ['web:evil.example'] }))));
    await expect(task.process({ topic: topics.results.topic, partition: 1, records: [record] })).rejects.toMatchObject({ code: 'ARB_SERDE_REGISTRY_UNAVAILABLE' });
    expect(task.counts.skipped).toBe(0);
  });

  it('SIEM forwarder: nothing goes to its DLQ and nothing is committed', async () => {
    const s = await serde();
    const letters: DeadLetter[] = [];
    const delivered: string[] = [];
    const fwd = new SiemForwarder({
      config: validateSiemConfig({ format: 'ecs', peer: { url: 'http://127.0.0.1:9' } }), decode: siemDecoder(s, topics), metrics: new MetricsRegistry(),
      sink: { async deliver(items) { delivered.push(...items.map((i) => i.id)); return items.map(() => ({ ok: true as const })); }, async close() {} },
      dlq: { async write(ls) { letters.push(...ls); } },
    });
    const record = unseen(topics.decisions, s.encode(topics.decisions, decision()));
    await expect(fwd.processBatch({ topic: topics.decisions.topic, partition: 1, records: [record] })).rejects.toMatchObject({ code: 'ARB_SERDE_REGISTRY_UNAVAILABLE' });
    expect(letters).toEqual([]);
    expect(delivered).toEqual([]);
    await fwd.close();
  });

  it('ClickHouse sink: the record is not reported as undecodable nor buffered, so its offset is never committed', async () => {
    const s = await serde();
    const reported: ArbiterError[] = [];
    const commits: string[] = [];
    const sink = createBatchingSink<unknown, ReturnType<typeof rowBlockEncoder>['writer']>({
      encoder: rowBlockEncoder(), table: 't', decode: (r) => s.decode(topics.decisions, r), write: (w) => w.text('row\n'),
      insert: async () => undefined, commit: async (offsets) => void commits.push(...offsets.map((o) => `${o.partition}@${o.offset}`)),
      onDecodeError: (e) => reported.push(e),
    });
    const record = unseen(topics.decisions, s.encode(topics.decisions, decision()));
    await expect(sink.accept({ topic: topics.decisions.topic, partition: 1, records: [record] })).rejects.toMatchObject({ code: 'ARB_SERDE_REGISTRY_UNAVAILABLE' });
    await sink.close();
    expect(reported).toEqual([]);
    expect(commits).toEqual([]);
    expect(sink.stats()).toMatchObject({ decodeErrors: 0, rowsInserted: 0 });
  });
});
