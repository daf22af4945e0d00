// Crash and redeliver over Kafka: 100,000 Avro decisions on the decisions topic; a child process running the
// Kafka decisions sink (its own consumer group) is SIGKILLed again and again, inside batches and between an
// acknowledged insert and its offset commit. Each new child rejoins the group and resumes from the committed
// offsets. In the end the decisions table holds exactly one row per decision and `arbiter verify` passes.
// chDB allows one process per data path: children own it in turn; the parent opens it after the last one died.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { main as verifyMain } from '../../processors/cli/verify.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { expectStoredOnce } from '../unit/clickhouse/stored-once.ts';
import { runKillPlan, runSinkChild, type Kill } from '../unit/clickhouse/sink-child.ts';
import { createRegistryClient } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde, type WireTypes } from '../../processors/runtime/serde/topic-serde.ts';
import { defineTopics, ensureArbiterTopics } from '../../processors/runtime/topics.ts';
import { createTransport, parseKafkaClient } from '../../processors/runtime/transport/index.ts';
import { makeDecisions } from '../unit/clickhouse/decision-fixtures.ts';

const CHILD = fileURLToPath(new URL('../../bench/clickhouse-sink/kafka-sink-child.ts', import.meta.url));
const N = 100_000;
const PARTITIONS = 3;
const run = randomUUID().slice(0, 8);
const prefix = `ichc-${run}`;
const group = `${prefix}-sink`;
const dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-kcrash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The global setup (test/setup/global-setup.ts) puts the stack's endpoints into the environment. */
function registryUrl(): string {
  const url = process.env['SCHEMA_REGISTRY_URL'];
  if (!url) throw new Error('SCHEMA_REGISTRY_URL is not set (the global setup of the int project sets it)');
  return url;
}

it('SIGKILLed repeatedly while consuming 100,000 decisions from Kafka, the sink ends with one row per decision and verify passes', async () => {
  const topics = defineTopics({ prefix, partitions: PARTITIONS, replicationFactor: 1 });
  const transport = await createTransport(parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']), { brokers: localBrokers(), clientId: prefix });
  const admin = await transport.admin();
  await ensureArbiterTopics(admin, topics);
  await admin.close();
  const serde = new TopicSerde(createRegistryClient(registryUrl()), topics);
  await serde.registerAll();
  const producer = await transport.producer({ idempotent: true, lingerMs: 5 });
  const ds = makeDecisions({ count: N, partitions: PARTITIONS, seed: 77, idPrefix: `kc${run}` });
  for (let i = 0; i < ds.length; i += 1000) {
    await producer.send(ds.slice(i, i + 1000).map((d) => ({
      topic: topics.decisions.topic, partition: d.chainPartition, key: d.sessionId,
      value: serde.encode(topics.decisions, d as unknown as WireTypes['DecisionRecord']),
    })));
  }
  await producer.close();

  const plan: Kill[] = [
    { kind: 'external', afterCommits: 1, delayMs: 100 },
    { kind: 'before-commit', atInsert: 1 },
    { kind: 'external', afterCommits: 2, delayMs: 300 },
    { kind: 'before-commit', atInsert: 2 },
    { kind: 'external', afterCommits: 1, delayMs: 30 },
    { kind: 'before-commit', atInsert: 1 },
  ];
  const { kills, inserted, log, last } = await runKillPlan(
    (kill) => runSinkChild(CHILD, [join(dir, 'chdb'), prefix, String(PARTITIONS), group], { ...process.env, SCHEMA_REGISTRY_URL: registryUrl() }, kill),
    plan,
  );
  expect(last.out).toContain('DONE');
  console.log(`${kills} SIGKILLs:\n  ${log.join('\n  ')}`);
  expect(kills).toBeGreaterThanOrEqual(5);

  const ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  try {
    await expectStoredOnce(ch, N, inserted);
  } finally {
    await ch.close();
  }
  const out: string[] = [];
  expect(await verifyMain(['--chdb', join(dir, 'chdb')], (s) => out.push(s))).toBe(0);
  expect(out.join('\n')).toContain('OK: every chain is intact');
}, 900_000);
