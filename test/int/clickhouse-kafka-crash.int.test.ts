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
import { main as verifyMain } from '../../processors/cli/verify.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { expectStoredOnce } from '../unit/clickhouse/stored-once.ts';
import { runKillPlan, runSinkChild, type Kill } from '../unit/clickhouse/sink-child.ts';
import { localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { makeDecisions } from '../unit/clickhouse/decision-fixtures.ts';
import { openTestBus, sendDecisions } from './helpers/test-bus.ts';

const CHILD = fileURLToPath(new URL('../../bench/clickhouse-sink/kafka-sink-child.ts', import.meta.url));
const N = 100_000;
const PARTITIONS = 3;
const run = randomUUID().slice(0, 8);
const prefix = `ichc-${run}`;
const group = `${prefix}-sink`;
const dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-kcrash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('SIGKILLed repeatedly while consuming 100,000 decisions from Kafka, the sink ends with one row per decision and verify passes', async () => {
  const bus = await openTestBus(prefix, { partitions: PARTITIONS, lingerMs: 5 });
  await sendDecisions(bus, makeDecisions({ count: N, partitions: PARTITIONS, seed: 77, idPrefix: `kc${run}` }));
  await bus.close();

  const plan: Kill[] = [
    { kind: 'external', afterCommits: 1, delayMs: 100 },
    { kind: 'before-commit', atInsert: 1 },
    { kind: 'external', afterCommits: 2, delayMs: 300 },
    { kind: 'before-commit', atInsert: 2 },
    { kind: 'external', afterCommits: 1, delayMs: 30 },
    { kind: 'before-commit', atInsert: 1 },
  ];
  const { kills, inserted, log, last } = await runKillPlan(
    (kill) => runSinkChild(CHILD, [join(dir, 'chdb'), prefix, String(PARTITIONS), group], { ...process.env, SCHEMA_REGISTRY_URL: localRegistryUrl() }, kill),
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
