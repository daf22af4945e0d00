// approval_events and the approvals view against real ClickHouse (chDB, embedded): for approvals that received
// several resolutions (a second answer, an answer after the expiry, one for other arguments, an expiry too early,
// redelivered records), the view shows the resolution the approvals ledger accepts — checked against the ledger
// itself (processors/approvals/ledger.ts) folding the same events — before and after the table merged its parts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalLedger, statusOf, type ApprovalRequested, type ApprovalResolved } from '../../processors/approvals/ledger.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { APPROVAL_EVENT_COLUMNS, encodeApprovalEventRow } from '../../processors/sinks/clickhouse/event-rows.ts';
import { makeInsertLines } from '../../processors/sinks/clickhouse/insert.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import type { ApprovalEvent } from '../../schemas/generated/ApprovalEvent.ts';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const EXPIRES = T0 + 60_000;

function requested(id: string): ApprovalEvent {
  const r: ApprovalRequested = {
    approvalId: id, proposalId: `p-${id}`, sessionId: `s-${id}`, agentId: 'agent', tenantId: 'acme', tool: 'issue_refund',
    argsHash: `h-${id}`, approvers: ['lead'], ruleId: 'refunds.above-threshold', onTimeout: 'deny', requestedAtMs: T0,
    expiresAtMs: EXPIRES, review: null,
  };
  return { event: { 'arbiter.v1.ApprovalRequested': r } };
}

function resolved(id: string, resolution: ApprovalResolved['resolution'], atMs: number, by: string, over: Partial<ApprovalResolved> = {}): ApprovalEvent {
  const r = { approvalId: id, proposalId: `p-${id}`, sessionId: `s-${id}`, argsHash: `h-${id}`, resolution, resolvedBy: by,
    reason: `${resolution} by ${by}`, resolvedAtMs: atMs, onTimeout: 'deny', ...over } as ApprovalResolved;
  return { event: { 'arbiter.v1.ApprovalResolved': r } };
}

/** Each approval's events in topic order. */
const SCENARIOS: Record<string, (id: string) => ApprovalEvent[]> = {
  'second answer refused (single use)': (id) => [requested(id), resolved(id, 'approved', T0 + 1_000, 'maria'), resolved(id, 'rejected', T0 + 2_000, 'tom')],
  'approve after the expiry refused': (id) => [requested(id), resolved(id, 'expired', EXPIRES, 'arbiter'), resolved(id, 'approved', EXPIRES + 5_000, 'maria')],
  'late answer alone refused: overdue': (id) => [requested(id), resolved(id, 'approved', EXPIRES + 1, 'maria')],
  'answer for other arguments refused': (id) => [requested(id), resolved(id, 'approved', T0 + 1_000, 'maria', { argsHash: 'h-other' }), resolved(id, 'rejected', T0 + 3_000, 'tom')],
  'expiry before its time refused': (id) => [requested(id), resolved(id, 'expired', T0 + 10, 'arbiter'), resolved(id, 'rejected', T0 + 20_000, 'tom')],
  'redelivered accepted answer': (id) => [requested(id), resolved(id, 'rejected', T0 + 4_000, 'tom'), resolved(id, 'rejected', T0 + 4_000, 'tom'), resolved(id, 'approved', T0 + 5_000, 'maria')],
  'pending past expiry: overdue': (id) => [requested(id)],
};

let dir: string;
let ch: ClickHouseClient;
const ids = Object.keys(SCENARIOS).map((_, i) => `a-${i}`);
const ledger = new ApprovalLedger();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-approvals-'));
  ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  await applyMigrations(ch, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
  const insert = makeInsertLines(ch, { table: 'approval_events', columns: APPROVAL_EVENT_COLUMNS, asyncInsert: false });
  const scenarios = Object.values(SCENARIOS);
  // One insert per event, in topic order (separate parts, as batches over time would make), then the ledger fold.
  for (const [i, make] of scenarios.entries()) {
    for (const [j, e] of make(ids[i] ?? '').entries()) {
      await insert([encodeApprovalEventRow(e)], `${ids[i]}-${j}`);
      ledger.apply(e.event);
    }
  }
});
afterAll(async () => {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
});

async function view(): Promise<Map<string, { status: string; resolution: string; resolved_by: string; is_resolved: boolean | number }>> {
  const rs = await ch.query({ query: 'SELECT approval_id, status, resolution, resolved_by, is_resolved FROM approvals ORDER BY approval_id', format: 'JSONEachRow' });
  const rows = await rs.json<{ approval_id: string; status: string; resolution: string; resolved_by: string; is_resolved: boolean | number }>();
  return new Map(rows.map((r) => [r.approval_id, r]));
}

function expectMatchesLedger(v: Awaited<ReturnType<typeof view>>): void {
  for (const [i, name] of Object.keys(SCENARIOS).entries()) {
    const id = ids[i] ?? '';
    const entry = ledger.get(id);
    if (entry === undefined) throw new Error(`ledger has no ${id}`);
    const row = v.get(id);
    const ledgerStatus = statusOf(entry);
    const expected = ledgerStatus === 'pending' && EXPIRES < Date.now() ? 'overdue' : ledgerStatus;
    expect(row?.status, name).toBe(expected);
    expect(row?.resolved_by, name).toBe(entry.resolution?.resolvedBy ?? '');
    expect(Boolean(row?.is_resolved), name).toBe(entry.resolution !== undefined);
  }
}

describe('approvals view picks the resolution the ledger accepted', () => {
  it('agrees with the ledger on every scenario while the parts are unmerged', async () => {
    expectMatchesLedger(await view());
    // The scenarios do exercise refusals: the ledger refused at least one resolution in each but the last two.
    expect(ledger.refused.length).toBeGreaterThanOrEqual(6);
  });

  it('still agrees after the table merged (no accepted resolution was collapsed away); redelivered rows collapse', async () => {
    await ch.command({ query: 'OPTIMIZE TABLE approval_events FINAL' });
    expectMatchesLedger(await view());
    const rs = await ch.query({ query: `SELECT count() AS n FROM approval_events WHERE approval_id = '${ids[5]}' AND event = 'resolved'`, format: 'JSONEachRow' });
    const [r] = await rs.json<{ n: string | number }>();
    expect(Number(r?.n)).toBe(2); // rejected (twice on the topic, once stored) and the refused approve
  });

  it('the first answer stays the accepted one (the old (approval_id, event) key kept the last)', async () => {
    const v = await view();
    expect(v.get(ids[0] ?? '')).toMatchObject({ status: 'approved', resolved_by: 'maria' });
    expect(v.get(ids[1] ?? '')).toMatchObject({ status: 'expired', resolved_by: 'arbiter' });
    expect(v.get(ids[3] ?? '')).toMatchObject({ status: 'rejected', resolved_by: 'tom' });
  });
});
