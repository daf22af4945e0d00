// Crash and redeliver: a real child process runs the decisions sink and is SIGKILLed repeatedly mid-stream
// (mostly mid-batch) while storing 100,000 decisions. Each restart resumes from the committed offsets, so rows
// inserted but not yet committed are delivered again. In the end every decision id has exactly one row and the
// hash chains verify. chDB allows one process per data path: the child owns it while alive, the parent opens it
// only after the last child is dead.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { verifyChain } from '../../processors/sinks/clickhouse/verify-chain.ts';
import { countDecisions } from '../../processors/sinks/clickhouse/decision-counts.ts';
import { makeDecisions } from '../unit/clickhouse/decision-fixtures.ts';

const CHILD = fileURLToPath(new URL('../../bench/clickhouse-sink/crash-child.ts', import.meta.url));
const N = 100_000;
let inserted = 0;
const dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Kill =
  | { readonly kind: 'external'; readonly afterCommits: number; readonly delayMs: number }
  | { readonly kind: 'before-commit'; readonly atCommit: number }
  | { readonly kind: 'none' };

/** Runs one sink process. external: SIGKILL from here `delayMs` after its `afterCommits`-th commit of this run
 *  (lands inside the next batch); before-commit: the child SIGKILLs itself between an acknowledged insert and
 *  its offset commit. */
function runChild(kill: Kill): Promise<{ done: boolean; killed: boolean; commits: number; out: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ARBITER_CRASH_BEFORE_COMMIT: kill.kind === 'before-commit' ? String(kill.atCommit) : '0' };
    const child = spawn(process.execPath, [CHILD, join(dir, 'chdb'), join(dir, 'decisions.jsonl'), join(dir, 'offsets.json')], {
      stdio: ['ignore', 'pipe', 'pipe'], env,
    });
    let out = '';
    let commits = 0;
    child.stdout.on('data', (d) => {
      out += String(d);
      const n = (String(d).match(/^COMMIT /gm) ?? []).length;
      commits += n;
      if (kill.kind === 'external' && n > 0 && commits >= kill.afterCommits) setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    });
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const m of out.matchAll(/^INSERTED (\d+)$/gm)) inserted += Number(m[1]);
      resolve({ done: code === 0 && out.includes('DONE'), killed: signal === 'SIGKILL', commits, out });
    });
  });
}

it('SIGKILLed repeatedly while storing 100,000 decisions, the sink ends with exactly one row per decision and an intact chain', async () => {
  const decisions = makeDecisions({ count: N, partitions: 6, seed: 99, idPrefix: 'crash' });
  writeFileSync(join(dir, 'decisions.jsonl'), decisions.map((d) => JSON.stringify(d)).join('\n'));
  const plan: Kill[] = [
    { kind: 'external', afterCommits: 1, delayMs: 150 },
    { kind: 'before-commit', atCommit: 1 },
    { kind: 'external', afterCommits: 1, delayMs: 400 },
    { kind: 'before-commit', atCommit: 2 },
    { kind: 'external', afterCommits: 2, delayMs: 50 },
    { kind: 'before-commit', atCommit: 1 },
    { kind: 'external', afterCommits: 1, delayMs: 250 },
    { kind: 'before-commit', atCommit: 1 },
  ];
  let kills = 0;
  const progress: string[] = [];
  for (const k of plan) {
    const r = await runChild(k);
    const committed = existsSync(join(dir, 'offsets.json')) ? readFileSync(join(dir, 'offsets.json'), 'utf8') : '{}';
    progress.push(`${JSON.stringify(k)}: ${r.killed ? 'killed' : 'exited'} after ${r.commits} commits; committed ${committed}`);
    if (r.killed) kills++;
    if (r.done) break;
    if (!r.killed) throw new Error(`child failed: ${r.out}`);
  }
  // The last run is left to finish.
  const last = await runChild({ kind: 'none' });
  expect(last.out).toContain('DONE');
  console.log(`${kills} SIGKILLs:\n  ${progress.join('\n  ')}`);
  expect(kills).toBeGreaterThanOrEqual(6);

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
    const report = await verifyChain(ch);
    expect(report.problems).toEqual([]);
    expect(report.partitions.reduce((n, p) => n + p.rows, 0)).toBe(N);
  } finally {
    await ch.close();
  }
}, 600_000);
