// Crash and redeliver over Kafka: 100,000 Avro decisions on the decisions topic; a child process running the
// Kafka decisions sink (its own consumer group) is SIGKILLed again and again, inside batches and between an
// acknowledged insert and its offset commit. Each new child rejoins the group and resumes from the committed
// offsets. In the end the decisions table holds exactly one row per decision and `arbiter verify` passes.
// chDB allows one process per data path: children own it in turn; the parent opens it after the last one died.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { main as verifyMain } from '../../processors/cli/verify.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { countDecisions } from '../../processors/sinks/clickhouse/decision-counts.ts';
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
let inserted = 0;
const dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-kcrash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The global setup (test/setup/global-setup.ts) puts the stack's endpoints into the environment. */
function registryUrl(): string {
  const url = process.env['SCHEMA_REGISTRY_URL'];
  if (!url) throw new Error('SCHEMA_REGISTRY_URL is not set (the global setup of the int project sets it)');
  return url;
}

type Kill = { kind: 'after-commits'; commits: number; delayMs: number } | { kind: 'before-commit'; insert: number } | { kind: 'none' };

function runChild(kill: Kill): Promise<{ done: boolean; killed: boolean; commits: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, join(dir, 'chdb'), prefix, String(PARTITIONS), group], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SCHEMA_REGISTRY_URL: registryUrl(), ARBITER_CRASH_BEFORE_COMMIT: kill.kind === 'before-commit' ? String(kill.insert) : '0' },
    });
    let out = '';
    let commits = 0;
    child.stdout.on('data', (d) => {
      out += String(d);
      const n = (String(d).match(/^COMMIT /gm) ?? []).length;
      commits += n;
      if (kill.kind === 'after-commits' && n > 0 && commits >= kill.commits) setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    });
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const m of out.matchAll(/^INSERTED (\d+)$/gm)) inserted += Number(m[1]);
      resolve({ done: code === 0 && out.includes('DONE'), killed: signal === 'SIGKILL', commits, out });
    });
  });
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
    { kind: 'after-commits', commits: 1, delayMs: 100 },
    { kind: 'before-commit', insert: 1 },
    { kind: 'after-commits', commits: 2, delayMs: 300 },
    { kind: 'before-commit', insert: 2 },
    { kind: 'after-commits', commits: 1, delayMs: 30 },
    { kind: 'before-commit', insert: 1 },
  ];
  const progress: string[] = [];
  let kills = 0;
  for (const k of plan) {
    const r = await runChild(k);
    progress.push(`${JSON.stringify(k)}: ${r.killed ? 'killed' : 'exited'} after ${r.commits} commits`);
    if (r.killed) kills++;
    if (r.done) break;
    if (!r.killed) throw new Error(`child failed: ${r.out}`);
  }
  const last = await runChild({ kind: 'none' });
  expect(last.out).toContain('DONE');
  console.log(`${kills} SIGKILLs:\n  ${progress.join('\n  ')}`);
  expect(kills).toBeGreaterThanOrEqual(5);

  const ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  try {
    const before = await countDecisions(ch);
    console.log(`physical rows before merge: ${before.physical} for ${before.distinct} decisions (redelivered copies: ${before.physical - N})`);
    expect(before).toMatchObject({ distinct: N, final: N });
    // Rows the children stored in total: more than N means kills before commit really caused redelivery
    // (physical copies may already be merged away in the background, so they prove nothing).
    console.log(`rows inserted by all children: ${inserted}`);
    expect(inserted).toBeGreaterThan(N);
    await ch.command({ query: 'OPTIMIZE TABLE decisions FINAL' });
    expect(await countDecisions(ch)).toEqual({ physical: N, distinct: N, final: N });
  } finally {
    await ch.close();
  }
  const out: string[] = [];
  expect(await verifyMain(['--chdb', join(dir, 'chdb')], (s) => out.push(s))).toBe(0);
  expect(out.join('\n')).toContain('OK: every chain is intact');
}, 900_000);
