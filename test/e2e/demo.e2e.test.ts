// `make demo` end to end: runs processors/bin/demo.ts as a child process, as a user would, against the real broker
// and registry of the int setup (their endpoints in the environment, so the demo starts no servers), with its own
// topic prefix and chDB directory. Asserts the exit code, the live output and the JSON summary it writes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { main as replayMain } from '../../processors/cli/replay.ts';
import { main as verifyMain } from '../../processors/cli/verify.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'arbiter-demo-e2e-'));
const prefix = `e2e-demo-${randomUUID().slice(0, 8)}`;

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'processors', 'bin', 'demo.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('make demo', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plays the support agent, decides every call as scripted, lands every decision in chDB and exits 0', async () => {
    const summaryFile = join(dir, 'summary.json');
    const { code, out } = await runDemo({
      ...process.env, ARBITER_TOPIC_PREFIX: prefix, ARBITER_DEMO_CHDB: join(dir, 'chdb'),
      ARBITER_DEMO_SUMMARY: summaryFile, ARBITER_RUN_DIR: dir,
    });
    expect(code, out).toBe(0);
    expect(out).toContain('using the servers from the environment');
    expect(out).toMatch(/send_email\s+DENY\s+egress\.untrusted-destination/);
    expect(out).toMatch(/send_email\s+DENY\s+session\.retry-after-deny/);
    expect(out).toMatch(/issue_refund\s+ESCALATE\s+refunds\.above-threshold/);
    expect(out).toContain('Decision summary');
    expect(out).toContain('Demo OK');
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as {
      ok: boolean; decisions: number; byEffect: Record<string, number>; checks: Record<string, boolean>; unexpected: string[];
      clickhouse: { rows: number; byEffect: Record<string, number> }; approvals: { status: string; by: string }[];
      chdbApprovals: { status: string; resolved_by: string; tool: string }[]; chain: { ok: boolean; problems: unknown[] };
    };
    expect(summary.chain).toEqual({ ok: true, problems: [] });
    expect(out).toMatch(/chDB> arbiter verify --chdb .*\n {6}partition \d+: \d+ rows/);
    expect(summary.ok).toBe(true);
    expect(summary.byEffect).toEqual({ allow: 5, modify: 1, escalate: 2, deny: 3 });
    expect(summary.checks).toEqual({ redaction: true, 'refund-escalated': true, 'refund-rejected': true, exfiltration: true, 'retry-denied': true, 'unknown-tool': true });
    expect(summary.unexpected).toEqual([]);
    expect(summary.clickhouse.rows).toBe(11);
    expect(summary.clickhouse.byEffect).toEqual({ allow: 5, modify: 1, escalate: 2, deny: 3 });
    expect(summary.approvals.map((a) => `${a.status} ${a.by}`)).toEqual(['approved lead-maria', 'rejected lead-maria']);
    expect(summary.chdbApprovals.map((a) => `${a.tool} ${a.status} ${a.resolved_by}`)).toEqual(['issue_refund approved lead-maria', 'issue_refund rejected lead-maria']);
  }, 240_000);

  it('afterwards the stored hash chain verifies, and arbiter replay shows what a higher refund threshold would change', async () => {
    const out: string[] = [];
    expect(await verifyMain(['--chdb', join(dir, 'chdb')], (s) => out.push(s)), out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/OK: every chain is intact \(11 rows in \d partition\(s\)\)/);

    const demoBundle = readFileSync(join(ROOT, 'examples', 'demo', 'bundle.yaml'), 'utf8');
    const candidate = join(dir, 'candidate.yaml');
    writeFileSync(candidate, demoBundle.replace('{ args.amount: { gt: 100 } }', '{ args.amount: { gt: 500 } }'));
    const env = { ...process.env, ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '3' };
    const lines: string[] = [];
    const code = await replayMain(['--policy', candidate, '--bundle', 'demo'], (s) => lines.push(s), env);
    const text = lines.join('\n');
    expect(text).toMatch(/^replayed 1 session\(s\), 11 call\(s\)/);
    expect(text).toContain("the active policy's replay matches 11 of 11 recorded decisions (100.0%)");
    expect(text).toMatch(/1 call\(s\) decided differently:\n {2}escalate → allow +1\n {2}- session \S+ #5 issue_refund: escalate → allow by support\.tools/);
    expect(text).not.toContain('could not be decoded');
    expect(code).toBe(1);
  }, 120_000);
});
