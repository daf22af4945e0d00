import type { DashboardSpec } from './panel-spec.ts';

export const APPROVALS: DashboardSpec = {
  uid: 'arbiter-approvals',
  title: 'Arbiter / Approvals',
  description: 'Open approval queue, time to decision, outcomes and expiries (approvals view over approval_events).',
  panels: [
    {
      title: 'Approval queue',
      description: 'Requests without a resolution: pending, or overdue once past their expiry.',
      kind: 'table',
      width: 24,
      sql: `SELECT approval_id, toString(tenant_id) AS tenant_id, toString(agent_id) AS agent_id, toString(tool) AS tool, toString(rule_id) AS rule_id,
  requested_at, dateDiff('second', requested_at, now64(3)) AS waiting_s, expires_at, status
FROM approvals
WHERE status IN ('pending', 'overdue') AND $__timeFilter(requested_at)
ORDER BY requested_at
LIMIT 100`,
      columns: ['approval_id', 'tenant_id', 'agent_id', 'tool', 'rule_id', 'requested_at', 'waiting_s', 'expires_at', 'status'],
    },
    {
      title: 'Time to decision',
      description: 'Request to resolution, seconds (resolved approvals, expiries included).',
      kind: 'timeseries',
      unit: 's',
      sql: `SELECT $__timeInterval(requested_at) AS time,
  quantile(0.5)(time_to_decision_ms) / 1000 AS p50_s,
  quantile(0.9)(time_to_decision_ms) / 1000 AS p90_s
FROM approvals
WHERE is_resolved AND $__timeFilter(requested_at)
GROUP BY time
ORDER BY time`,
      columns: ['time', 'p50_s', 'p90_s'],
    },
    {
      title: 'Outcomes and expiries',
      description: 'Approved, rejected, expired (resolved by the timeout policy) and overdue (past expiry, no resolution recorded).',
      kind: 'timeseries',
      sql: `SELECT $__timeInterval(requested_at) AS time,
  countIf(resolution = 'approved') AS approved,
  countIf(resolution = 'rejected') AS rejected,
  countIf(resolution = 'expired') AS expired,
  countIf(status = 'overdue') AS overdue
FROM approvals
WHERE $__timeFilter(requested_at)
GROUP BY time
ORDER BY time`,
      columns: ['time', 'approved', 'rejected', 'expired', 'overdue'],
    },
  ],
};
