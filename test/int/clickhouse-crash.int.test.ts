// Crash and redeliver: a real child process runs the decisions sink and is SIGKILLed repeatedly mid-stream
// (mostly mid-batch) while storing 200,000 decisions (twice the 100,000: the sink now commits 10k–20k-row
// batches fast enough on a quiet machine that 100,000 ran out before the sixth kill of the plan). Each restart resumes from the committed offsets, so rows
// inserted but not yet committed are delivered again. In the end every decision id has exactly one row and the
// hash chains verify. chDB allows one process per data path: the child owns it while alive, the parent opens it
// only after the last child is dead.
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { verifyChain } from '../../processors/sinks/clickhouse/verify-chain.ts';
import { expectStoredOnce } from '../unit/clickhouse/stored-once.ts';
import { runKillPlan, runSinkChild, type Kill } from '../unit/clickhouse/sink-child.ts';
import { makeDecisions } from '../unit/clickhouse/decision-fixtures.ts';

const CHILD = fileURLToPath(new URL('../../bench/clickhouse-sink/crash-child.ts', import.meta.url));
const N = 200_000;
const dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('SIGKILLed repeatedly while storing 200,000 decisions, the sink ends with exactly one row per decision and an intact chain', async () => {
  const decisions = makeDecisions({ count: N, partitions: 6, seed: 99, idPrefix: 'crash' });
  writeFileSync(join(dir, 'decisions.jsonl'), decisions.map((d) => JSON.stringify(d)).join('\n'));
  const plan: Kill[] = [
    { kind: 'external', afterCommits: 1, delayMs: 40 },
    { kind: 'before-commit', atInsert: 1 },
    { kind: 'external', afterCommits: 1, delayMs: 120 },
    { kind: 'before-commit', atInsert: 2 },
    { kind: 'external', afterCommits: 2, delayMs: 15 },
    { kind: 'before-commit', atInsert: 1 },
    { kind: 'external', afterCommits: 1, delayMs: 70 },
    { kind: 'before-commit', atInsert: 1 },
  ];
  const offsets = join(dir, 'offsets.json');
  const { kills, inserted, log, last } = await runKillPlan(
    (kill) => runSinkChild(CHILD, [join(dir, 'chdb'), join(dir, 'decisions.jsonl'), offsets], process.env, kill),
    plan,
    (k, r) => `${JSON.stringify(k)}: ${r.killed ? 'killed' : 'exited'} after ${r.commits} commits; committed ${existsSync(offsets) ? readFileSync(offsets, 'utf8') : '{}'}`,
  );
  expect(last.out).toContain('DONE');
  console.log(`${kills} SIGKILLs:\n  ${log.join('\n  ')}`);
  expect(kills).toBeGreaterThanOrEqual(6);

  const ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  try {
    await expectStoredOnce(ch, N, inserted);
    const report = await verifyChain(ch);
    expect(report.problems).toEqual([]);
    expect(report.partitions.reduce((n, p) => n + p.rows, 0)).toBe(N);
  } finally {
    await ch.close();
  }
}, 600_000);
