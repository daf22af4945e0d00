// The ClickHouse sink deployable as a user runs it (node processors/sinks/clickhouse/main.ts) on the real broker
// and registry: decisions, alerts and approval events produced as Avro land in their tables, the approvals view
// folds request and resolution, SIGTERM flushes and exits 0. The child owns the chDB path while alive; the parent
// reads it after the child exited.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import type { WireTypes } from '../../processors/runtime/serde/topic-serde.ts';
import { verifyChain } from '../../processors/sinks/clickhouse/verify-chain.ts';
import { makeDecisions } from '../unit/clickhouse/decision-fixtures.ts';
import { openTestBus, sendDecisions } from './helpers/test-bus.ts';

const MAIN = fileURLToPath(new URL('../../processors/sinks/clickhouse/main.ts', import.meta.url));
const run = randomUUID().slice(0, 8);
const prefix = `ichs-${run}`;
const dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('stores decisions, alerts and approval events from Kafka and stops cleanly on SIGTERM', async () => {
  const bus = await openTestBus(prefix);
  const { topics, serde, producer } = bus;
  const ds = makeDecisions({ count: 500, partitions: 2, seed: 5, idPrefix: `s${run}`, startMs: Date.now() - 60_000, stepMs: 50 });
  const escalated = ds.filter((d) => d.effect === 'escalate');
  const approvals: WireTypes['ApprovalEvent'][] = escalated.flatMap((d, i): WireTypes['ApprovalEvent'][] => [
    { event: { 'arbiter.v1.ApprovalRequested': { approvalId: d.approvalId, proposalId: d.proposalId, sessionId: d.sessionId, agentId: d.agentId,
      tenantId: d.tenantId, tool: d.tool, argsHash: `h${i}`, approvers: ['oncall'], ruleId: d.ruleIds[0] ?? '', onTimeout: 'deny' as const,
      requestedAtMs: d.decidedAtMs, expiresAtMs: d.decidedAtMs + 600_000,
      review: i === 0 ? { userId: d.userId, agentRole: d.agentRole, environment: d.environment, intent: d.intent, verb: 'communicate', sideEffect: 'external',
        args: d.argsMinimised, dataLabels: d.dataLabels, recipients: d.destinations, reasons: d.reasons, sessionFacts: d.factsUsed, recentSteps: [] } : null } } },
    ...(i % 2 === 0 ? [{ event: { 'arbiter.v1.ApprovalResolved': { approvalId: d.approvalId, proposalId: d.proposalId, sessionId: d.sessionId,
      argsHash: `h${i}`, resolution: 'approved' as const, resolvedBy: 'alice', reason: 'ok', resolvedAtMs: d.decidedAtMs + 4_000, onTimeout: 'deny' as const } } }] : []),
  ]);
  const alerts: WireTypes['TrajectoryAlert'][] = Array.from({ length: 12 }, (_, i) => ({
    alertId: `al-${run}-${i}`, kind: 'deny_storm', severity: 'high' as const, tenantId: 'tenant-0', agentId: `agent-${i}`, sessionIds: [`s-${i}`],
    summary: `storm ${i}`, facts: { denies: String(i) }, atMs: Date.now(),
  }));
  await sendDecisions(bus, ds);
  await producer.send(approvals.map((a) => {
    const ev = a.event;
    const sessionId = 'arbiter.v1.ApprovalRequested' in ev ? ev['arbiter.v1.ApprovalRequested'].sessionId : ev['arbiter.v1.ApprovalResolved'].sessionId;
    return { topic: topics.approvals.topic, key: sessionId, value: serde.encode(topics.approvals, a) };
  }));
  await producer.send(alerts.map((a) => ({ topic: topics.alerts.topic, key: a.agentId, value: serde.encode(topics.alerts, a) })));
  await bus.close();

  const expected: Record<string, number> = { decisions: ds.length, alerts: alerts.length, approval_events: approvals.length };
  const child = spawn(process.execPath, [MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CHDB_PATH: join(dir, 'chdb'), ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '2', ARBITER_CH_LINGER_MS: '100', ARBITER_CH_METRICS_INTERVAL_MS: '500' },
  });
  let out = '';
  const stored: Record<string, number> = {};
  const allStored = new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      for (const line of String(d).split('\n')) {
        if (!line.includes('"event":"committed"')) continue;
        const e = JSON.parse(line) as { table: string; rows: number };
        stored[e.table] = (stored[e.table] ?? 0) + e.rows;
      }
      if (Object.entries(expected).every(([t, n]) => (stored[t] ?? 0) >= n)) resolve();
    });
  });
  child.stderr.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([allStored, exited.then(() => { throw new Error(`sink exited early:\n${out}`); }), new Promise((_, reject) => setTimeout(() => reject(new Error(`not all stored in 120 s: ${JSON.stringify(stored)}\n${out}`)), 120_000))]);
  await new Promise((r) => setTimeout(r, 1_200)); // one more pipeline_metrics sample
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(out).toContain('"event":"stopping"');

  const ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  try {
    const q = async (sql: string): Promise<Record<string, unknown>[]> => (await ch.query({ query: sql, format: 'JSONEachRow' })).json();
    expect(await q('SELECT count() AS n FROM decisions FINAL')).toEqual([{ n: String(ds.length) }]);
    expect(await q('SELECT count() AS n, any(summary) LIKE \'storm %\' AS ok FROM alerts FINAL')).toEqual([{ n: String(alerts.length), ok: 1 }]);
    const byStatus = await q('SELECT status, count() AS n, max(time_to_decision_ms) AS ttd FROM approvals GROUP BY status ORDER BY status');
    expect(byStatus).toEqual([
      { status: 'approved', n: String(Math.ceil(escalated.length / 2)), ttd: '4000' },
      { status: 'pending', n: String(Math.floor(escalated.length / 2)), ttd: null },
    ]);
    const reviews = await q(`SELECT JSONExtractString(review, 'userId') AS user FROM approval_events FINAL WHERE review != ''`);
    expect(reviews).toEqual([{ user: escalated[0]?.userId }]);
    const lag = await q(`SELECT count() AS samples FROM pipeline_metrics WHERE metric = 'consumer_lag' AND labels['topic'] = '${topics.decisions.topic}'`);
    expect(Number(lag[0]?.['samples'])).toBeGreaterThan(0);
    expect((await verifyChain(ch)).problems).toEqual([]);
  } finally {
    await ch.close();
  }
}, 300_000);
