import type { DashboardSpec } from './panel-spec.ts';

export const AGENTS_SESSIONS: DashboardSpec = {
  uid: 'arbiter-agents-sessions',
  title: 'Arbiter / Agents and sessions',
  description: 'Riskiest sessions, taint over time, data touched by label, retries after deny, trajectory alerts.',
  panels: [
    {
      title: 'Riskiest sessions',
      description: 'risk_score = 5·denies + 3·escalations + modifies + would-have-blocked + 10 if tainted (session_summary view).',
      kind: 'table',
      width: 24,
      sql: `SELECT session_id, toString(tenant_id) AS tenant_id, agent_id, decisions, denies, escalations, shadow_blocks, tainted, risk_score, last_at
FROM session_summary
WHERE last_at >= $__fromTime AND first_at <= $__toTime
ORDER BY risk_score DESC, session_id
LIMIT 20`,
      columns: ['session_id', 'tenant_id', 'agent_id', 'decisions', 'denies', 'escalations', 'shadow_blocks', 'tainted', 'risk_score', 'last_at'],
    },
    {
      title: 'Taint timeline',
      description: 'Active sessions and those whose decisions read a tainted context (untrusted content entered it).',
      kind: 'timeseries',
      sql: `SELECT $__timeInterval(decided_at) AS time,
  uniqExact(session_id) AS active_sessions,
  uniqExactIf(session_id, facts_used['tainted'] = 'true') AS tainted_sessions
FROM decisions FINAL
WHERE $__timeFilter(decided_at)
GROUP BY time
ORDER BY time`,
      columns: ['time', 'active_sessions', 'tainted_sessions'],
    },
    {
      title: 'Calls by data label',
      description: 'Tool calls touching data of each label (pii, financial, credentials, …).',
      kind: 'timeseries',
      sql: `SELECT $__timeInterval(decided_at) AS time, toString(label) AS label, count() AS calls
FROM decisions FINAL
ARRAY JOIN data_labels AS label
WHERE $__timeFilter(decided_at)
GROUP BY time, label
ORDER BY time, label`,
      columns: ['time', 'label', 'calls'],
    },
    {
      title: 'Retries after deny',
      description: 'Calls to a tool after the same session was denied that tool, and how many of those got through.',
      kind: 'table',
      sql: `SELECT agent_id, session_id, tool, countIf(decided_at > first_deny_at) AS retries_after_deny,
  countIf(decided_at > first_deny_at AND effect != 'deny') AS later_not_denied
FROM (
  SELECT toString(agent_id) AS agent_id, session_id, toString(tool) AS tool, effect, decided_at,
    minIf(decided_at, effect = 'deny') OVER (PARTITION BY session_id, tool) AS first_deny_at,
    countIf(effect = 'deny') OVER (PARTITION BY session_id, tool) AS denies
  FROM decisions FINAL
  WHERE $__timeFilter(decided_at)
)
WHERE denies > 0
GROUP BY agent_id, session_id, tool
HAVING retries_after_deny > 0
ORDER BY retries_after_deny DESC, session_id, tool
LIMIT 20`,
      columns: ['agent_id', 'session_id', 'tool', 'retries_after_deny', 'later_not_denied'],
    },
    {
      title: 'Trajectory alerts',
      description: 'Alerts and quarantine signals from the cross-session aggregator.',
      kind: 'table',
      sql: `SELECT raised_at, toString(severity) AS severity, toString(kind) AS kind, toString(agent_id) AS agent_id,
  arrayStringConcat(session_ids, ', ') AS sessions, summary
FROM alerts FINAL
WHERE $__timeFilter(raised_at)
ORDER BY raised_at DESC
LIMIT 50`,
      columns: ['raised_at', 'severity', 'kind', 'agent_id', 'sessions', 'summary'],
    },
  ],
};
