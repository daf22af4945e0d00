// Every dashboard panel's SQL, macros expanded as the datasource does, runs against ClickHouse (chDB) seeded
// with decisions, approvals, alerts and pipeline metrics, and returns exactly its declared columns and
// plausible rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../dashboards/index.ts';
import { expandMacros } from '../../dashboards/macros.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { ALERTS_TABLE, APPROVAL_EVENTS_TABLE, createTableSink, DECISIONS_TABLE, type TableSpec } from '../../processors/sinks/clickhouse/table-sink.ts';
import type { ApprovalEvent } from '../../schemas/generated/ApprovalEvent.ts';
import type { TrajectoryAlert } from '../../schemas/generated/TrajectoryAlert.ts';
import { writePipelineMetrics, PIPELINE_METRICS, type PipelineSample } from '../../processors/sinks/clickhouse/pipeline-metrics.ts';
import type { DecisionRecord } from '../../processors/core/types.ts';
import { makeDecisions } from '../unit/clickhouse/decision-fixtures.ts';

const START = Date.UTC(2026, 10, 20, 12);
const N = 20_000;
const STEP = 100; // 20,000 decisions over 2,000 s
const ctx = { fromMs: START, toMs: START + N * STEP, intervalMs: 60_000 };
let dir: string;
let ch: ClickHouseClient;
let decisions: DecisionRecord[];

type Row = Record<string, unknown>;
async function run(sql: string): Promise<{ columns: string[]; rows: Row[] }> {
  const rs = await ch.query({ query: expandMacros(sql, ctx), format: 'JSONCompactEachRowWithNames' });
  const [names, ...data] = await rs.json<unknown[]>();
  const columns = (names ?? []) as string[];
  return { columns, rows: data.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]]))) };
}

/** Through the table sink, as the Kafka sinks store them (the row encoders are part of what is tested). */
async function sinkAll<R>(spec: TableSpec<R>, records: readonly R[]): Promise<void> {
  const sink = createTableSink(ch, spec, {
    decode: (r) => JSON.parse(String(r.value)) as R,
    commit: async () => undefined,
    onDecodeError: (e) => { throw e; },
    asyncInsert: false,
  });
  await sink.accept({
    topic: spec.table, partition: 0,
    records: records.map((x, i) => ({ topic: spec.table, partition: 0, offset: String(i), key: null, value: Buffer.from(JSON.stringify(x)), headers: {}, timestampMs: 0 })),
  });
  await sink.close();
}

async function seed(): Promise<void> {
  decisions = makeDecisions({ count: N, partitions: 4, seed: 21, startMs: START, stepMs: STEP, sessions: 400 });
  await sinkAll(DECISIONS_TABLE, decisions);

  // One approval per escalation: 60% approved, 20% rejected, 10% expired, 10% never resolved (queue/overdue).
  const events: ApprovalEvent[] = [];
  decisions.filter((d) => d.effect === 'escalate').forEach((d, i) => {
    events.push({ event: { 'arbiter.v1.ApprovalRequested': {
      approvalId: d.approvalId, proposalId: d.proposalId, sessionId: d.sessionId, agentId: d.agentId, tenantId: d.tenantId, tool: d.tool,
      argsHash: `sha256:${i}`, approvers: ['oncall'], ruleId: d.ruleIds[0] ?? '', onTimeout: 'deny', requestedAtMs: d.decidedAtMs, expiresAtMs: d.decidedAtMs + 300_000, review: null,
    } } });
    const bucket = i % 10;
    if (bucket === 9) return;
    const resolution = bucket < 6 ? 'approved' : bucket < 8 ? 'rejected' : 'expired';
    const after = resolution === 'expired' ? 300_000 : 5_000 + (i % 50) * 1_000;
    events.push({ event: { 'arbiter.v1.ApprovalResolved': {
      approvalId: d.approvalId, proposalId: d.proposalId, sessionId: d.sessionId, argsHash: `sha256:${i}`, resolution,
      resolvedBy: resolution === 'expired' ? 'arbiter' : 'alice', reason: '', resolvedAtMs: d.decidedAtMs + after, onTimeout: 'deny',
    } } });
  });
  await sinkAll(APPROVAL_EVENTS_TABLE, events);

  const alerts: TrajectoryAlert[] = Array.from({ length: 30 }, (_, i) => ({
    alertId: `al-${i}`, tenantId: `tenant-${i % 3}`, agentId: `agent-${i % 7}`, sessionIds: [`s-${i}`, `s-${i + 1}`],
    kind: i % 2 ? 'exfiltration_pattern' : 'deny_storm', severity: i % 5 === 0 ? 'high' : 'medium', summary: `alert ${i}`,
    facts: { denies: String(i) }, atMs: START + i * 60_000,
  }));
  await sinkAll(ALERTS_TABLE, alerts);

  const samples: PipelineSample[] = [];
  for (let t = 0; t < 2_000; t += 10) {
    const atMs = START + t * 1000;
    for (let p = 0; p < 3; p++) {
      samples.push({ atMs, component: 'clickhouse-sink', instance: 'sink-1', metric: PIPELINE_METRICS.consumerLag,
        labels: { group: 'arbiter-clickhouse-sink', topic: 'arbiter.decisions', partition: String(p) }, value: (t * 7 + p * 13) % 500 });
    }
    samples.push({ atMs, component: 'verdict', instance: 'verdict-1', metric: PIPELINE_METRICS.dlqRecords, labels: { topic: 'arbiter.dlq.proposals', code: 'ARB_SERDE_DECODE_FAILED' }, value: Math.floor(t / 100) });
    samples.push({ atMs, component: 'siem', instance: 'siem-1', metric: PIPELINE_METRICS.forwarderDropped, labels: { forwarder: 'hec', reason: 'queue_full' }, value: Math.floor(t / 50) });
    samples.push({ atMs, component: 'siem', instance: 'siem-1', metric: PIPELINE_METRICS.forwarderRetries, labels: { forwarder: 'hec' }, value: Math.floor(t / 20) });
    // The sink restarts at t = 1000 s: its counter starts from zero again.
    samples.push({ atMs, component: 'clickhouse-sink', instance: 'sink-1', metric: PIPELINE_METRICS.sinkRows, labels: { table: 'decisions' }, value: (t % 1000) * 10 });
  }
  await writePipelineMetrics(ch, samples);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbiter-dash-'));
  ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  await applyMigrations(ch, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
  await seed();
});
afterAll(async () => {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
});

const num = (v: unknown): number => Number(v);
const sum = (rows: Row[], c: string): number => rows.reduce((n, r) => n + num(r[c]), 0);

/** Plausibility per panel title, beyond "right columns, some rows". */
const PLAUSIBLE: Readonly<Record<string, (rows: Row[]) => void>> = {
  'Decisions per second by effect': (rows) => expect(Math.round(sum(rows, 'per_second') * 60)).toBe(N),
  'Deny and escalate rate': (rows) => {
    for (const r of rows) expect(num(r['deny_rate'])).toBeGreaterThan(0.05), expect(num(r['deny_rate'])).toBeLessThan(0.3);
  },
  'Top rules': (rows) => {
    expect(rows.length).toBeLessThanOrEqual(10);
    expect(num(rows[0]?.['hits'])).toBeGreaterThanOrEqual(num(rows.at(-1)?.['hits']));
  },
  'Verdict latency p50 / p99': (rows) => {
    for (const r of rows) expect(num(r['p99_ms'])).toBeGreaterThanOrEqual(num(r['p50_ms'])), expect(num(r['p99_ms'])).toBeLessThan(2.2);
  },
  'Riskiest sessions': (rows) => {
    expect(rows).toHaveLength(20);
    expect(num(rows[0]?.['risk_score'])).toBeGreaterThanOrEqual(num(rows[19]?.['risk_score']));
  },
  'Taint timeline': (rows) => {
    for (const r of rows) expect(num(r['tainted_sessions'])).toBeLessThanOrEqual(num(r['active_sessions']));
  },
  'Calls by data label': (rows) => expect(new Set(rows.map((r) => r['label']))).toEqual(new Set(['pii', 'financial', 'credentials', 'public'])),
  'Retries after deny': (rows) => {
    for (const r of rows) expect(num(r['later_not_denied'])).toBeLessThanOrEqual(num(r['retries_after_deny']));
  },
  'Trajectory alerts': (rows) => {
    expect(rows).toHaveLength(30);
    expect(rows.at(-1)).toMatchObject({ sessions: 's-0, s-1', summary: 'alert 0', severity: 'high' });
  },
  'Hits per rule and mode': (rows) => expect(new Set(rows.map((r) => r['mode']))).toEqual(new Set(['enforce', 'observe'])),
  'Would have blocked (observe / warn)': (rows) => {
    const shadowDenies = decisions.filter((d) => d.shadow.some((s) => s.effect === 'deny')).length;
    expect(sum(rows, 'would_block')).toBe(shadowDenies);
    expect(sum(rows, 'actually_allowed')).toBeGreaterThan(0);
  },
  'Rule hits over time': (rows) => expect(sum(rows, 'hits')).toBe(decisions.reduce((n, d) => n + d.ruleIds.length, 0)),
  'Bundle revisions in use': (rows) => expect(sum(rows, 'decisions')).toBe(N),
  'Approval queue': (rows) => {
    const unresolved = decisions.filter((d) => d.effect === 'escalate').filter((_, i) => i % 10 === 9).length;
    expect(rows.length).toBe(Math.min(unresolved, 100));
    for (const r of rows) expect(r['status']).toBe('overdue'); // seeded in 2026-11-20, long past their 5 min timeout
  },
  'Time to decision': (rows) => {
    for (const r of rows) expect(num(r['p50_s'])).toBeGreaterThanOrEqual(5), expect(num(r['p90_s'])).toBeLessThanOrEqual(300);
  },
  'Outcomes and expiries': (rows) => {
    const escalations = decisions.filter((d) => d.effect === 'escalate').length;
    expect(sum(rows, 'approved') + sum(rows, 'rejected') + sum(rows, 'expired') + sum(rows, 'overdue')).toBe(escalations);
    expect(sum(rows, 'expired')).toBeGreaterThan(0);
  },
  'Consumer lag': (rows) => {
    for (const r of rows) expect(num(r['lag'])).toBeGreaterThanOrEqual(0), expect(r['consumer']).toBe('arbiter-clickhouse-sink / arbiter.decisions');
  },
  'DLQ records': (rows) => expect(sum(rows, 'increase')).toBe(19),
  'Forwarder drops and retries': (rows) => {
    expect(new Set(rows.map((r) => r['series']))).toEqual(new Set(['hec dropped_total', 'hec retries_total']));
    expect(sum(rows.filter((r) => r['series'] === 'hec dropped_total'), 'increase')).toBe(39);
  },
  // 0 -> 9,900 before the restart, then 0 -> 9,900 again: the reset is counted from zero, not as a negative step.
  'ClickHouse sink rows': (rows) => expect(sum(rows, 'increase')).toBe(9_900 * 2),
};

describe.each(DASHBOARDS.map((d) => [d.title, d] as const))('%s', (_title, dashboard) => {
  it.each(dashboard.panels.map((p) => [p.title, p] as const))('panel "%s" returns its columns and plausible rows', async (title, panel) => {
    const { columns, rows } = await run(panel.sql);
    expect(columns).toEqual(panel.columns);
    expect(rows.length).toBeGreaterThan(0);
    const check = PLAUSIBLE[title];
    expect(check, `no plausibility check for panel "${title}"`).toBeDefined();
    check?.(rows);
  });
});
