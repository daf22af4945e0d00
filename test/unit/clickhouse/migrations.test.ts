import { describe, expect, it } from 'vitest';
import { DEFAULT_TTL_DAYS, loadMigrations, renderMigration, splitStatements } from '../../../processors/sinks/clickhouse/migrations.ts';
import { encodeApprovalEventRow, encodeAlertRow, ALERT_COLUMNS, APPROVAL_EVENT_COLUMNS } from '../../../processors/sinks/clickhouse/event-rows.ts';
import { DECISION_ROW_COLUMNS, encodeDecisionRow, fromDecisionRow, toDecisionRow } from '../../../processors/sinks/clickhouse/decision-row.ts';
import { makeDecisions } from './decision-fixtures.ts';

const single = { database: 'arbiter', ttlDays: DEFAULT_TTL_DAYS };
const cluster = { ...single, cluster: 'prod' };

describe('migration templates', () => {
  const migrations = loadMigrations();

  it('are numbered without gaps from 1', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('render for a single node with plain engines, no cluster clauses and no placeholder left', () => {
    for (const m of migrations) {
      const sql = splitStatements(renderMigration(m, single)).join(';\n');
      expect(sql).not.toMatch(/\{\{|ON CLUSTER|Replicated|Distributed|_local\b/);
    }
    expect(renderMigration(migrations[0]!, single)).toContain('ENGINE = ReplacingMergeTree\n');
  });

  it('render for a cluster with Replicated local tables and Distributed tables over them', () => {
    const sql = renderMigration(migrations[0]!, cluster);
    expect(sql).toContain("CREATE TABLE IF NOT EXISTS decisions_local ON CLUSTER 'prod'");
    expect(sql).toContain("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/arbiter/decisions', '{replica}')");
    expect(sql).toContain("CREATE TABLE IF NOT EXISTS decisions ON CLUSTER 'prod' AS decisions_local ENGINE = Distributed('prod', 'arbiter', 'decisions_local', cityHash64(session_id));");
    const mv = renderMigration(migrations[1]!, cluster);
    expect(mv).toContain('TO session_summaries_local AS');
    expect(mv).toContain('FROM decisions_local');
    for (const m of migrations) expect(renderMigration(m, cluster)).not.toContain('{{');
    const review = splitStatements(renderMigration(migrations.find((m) => m.name === 'approval_review')!, cluster));
    expect(review.map((st) => st.split(' ADD ')[0])).toEqual(["ALTER TABLE approval_events_local ON CLUSTER 'prod'", "ALTER TABLE approval_events ON CLUSTER 'prod'"]);
  });

  it('put the configured TTL in and refuse unknown placeholders, naming the file', () => {
    expect(renderMigration(migrations[0]!, { ...single, ttlDays: { ...DEFAULT_TTL_DAYS, decisions: 7 } })).toContain('INTERVAL 7 DAY');
    expect(() => renderMigration({ name: 'x', template: 'SELECT {{nope}}' }, single)).toThrow(/ARB_CH_MIGRATION_FAILED: unknown placeholder \{\{nope\}\}.*migrations\/x/);
  });

  it('split into statements at line-ending semicolons, dropping comment lines', () => {
    expect(splitStatements("-- c;\nCREATE A (x String DEFAULT ';');\n\nCREATE B;\n")).toEqual(["CREATE A (x String DEFAULT ';')", 'CREATE B']);
  });
});

describe('row encoders', () => {
  it('decisions: each line holds the row values in DECISION_ROW_COLUMNS order, and the row maps back to the same record', () => {
    for (const d of makeDecisions({ count: 200, seed: 3 })) {
      const row = toDecisionRow(d) as unknown as Record<string, unknown>;
      expect(JSON.parse(encodeDecisionRow(d))).toEqual(DECISION_ROW_COLUMNS.map((c) => row[c]));
      expect(fromDecisionRow(toDecisionRow(d))).toEqual(d);
    }
  });

  it('alerts and approval events: one value per column, request and resolution in their own columns', () => {
    const alert = encodeAlertRow({ alertId: 'a', kind: 'k', severity: 'high', tenantId: 't', agentId: 'g', sessionIds: ['s1'], summary: 'x', facts: { f: '1' }, atMs: 5 });
    expect(JSON.parse(alert)).toHaveLength(ALERT_COLUMNS.length);
    const requested = JSON.parse(encodeApprovalEventRow({ event: { 'arbiter.v1.ApprovalRequested': {
      approvalId: 'ap', proposalId: 'p', sessionId: 's', agentId: 'g', tenantId: 't', tool: 'email.send', argsHash: 'h', approvers: ['o'],
      ruleId: 'r', onTimeout: 'deny', requestedAtMs: 10, expiresAtMs: 20, review: null } } }));
    const resolved = JSON.parse(encodeApprovalEventRow({ event: { 'arbiter.v1.ApprovalResolved': {
      approvalId: 'ap', proposalId: 'p', sessionId: 's', argsHash: 'h', resolution: 'approved', resolvedBy: 'alice', reason: 'ok', resolvedAtMs: 15, onTimeout: 'deny' } } }));
    const col = (row: unknown[], c: string): unknown => row[APPROVAL_EVENT_COLUMNS.indexOf(c)];
    expect(requested).toHaveLength(APPROVAL_EVENT_COLUMNS.length);
    expect(resolved).toHaveLength(APPROVAL_EVENT_COLUMNS.length);
    expect([col(requested, 'event'), col(requested, 'tenant_id'), col(requested, 'expires_at_ms'), col(requested, 'at_ms')]).toEqual(['requested', 't', 20, 10]);
    expect([col(resolved, 'event'), col(resolved, 'resolution'), col(resolved, 'resolved_by'), col(resolved, 'at_ms')]).toEqual(['resolved', 'approved', 'alice', 15]);
    expect(col(requested, 'review')).toBe('');
    const review = { userId: 'u', agentRole: 'ops', environment: 'prod', intent: '', verb: 'communicate', sideEffect: 'external', args: { to: 'sha256:1' },
      dataLabels: ['pii'], recipients: ['ext.example.com#1'], reasons: ['r fired'], sessionFacts: { tainted: 'true' }, recentSteps: ['allow crm.read'] };
    const withReview = JSON.parse(encodeApprovalEventRow({ event: { 'arbiter.v1.ApprovalRequested': {
      approvalId: 'ap', proposalId: 'p', sessionId: 's', agentId: 'g', tenantId: 't', tool: 'email.send', argsHash: 'h', approvers: ['o'],
      ruleId: 'r', onTimeout: 'deny', requestedAtMs: 10, expiresAtMs: 20, review } } }));
    expect(JSON.parse(String(col(withReview, 'review')))).toEqual(review);
  });
});
