import type { DashboardSpec } from './panel-spec.ts';

export const RULES: DashboardSpec = {
  uid: 'arbiter-rules',
  title: 'Arbiter / Rules',
  description: 'Hits per rule and mode; what observe- and warn-mode rules would have blocked.',
  panels: [
    {
      title: 'Hits per rule and mode',
      description: 'enforce: the rule decided the verdict; warn/observe: the rule matched in shadow mode.',
      kind: 'table',
      sql: `SELECT rule_id, mode, count() AS hits
FROM (
  SELECT toString(r) AS rule_id, 'enforce' AS mode FROM decisions FINAL ARRAY JOIN rule_ids AS r WHERE $__timeFilter(decided_at)
  UNION ALL
  SELECT tupleElement(s, 'rule_id') AS rule_id, toString(tupleElement(s, 'mode')) AS mode FROM decisions FINAL ARRAY JOIN shadow AS s WHERE $__timeFilter(decided_at)
)
GROUP BY rule_id, mode
ORDER BY hits DESC, rule_id
LIMIT 50`,
      columns: ['rule_id', 'mode', 'hits'],
    },
    {
      title: 'Would have blocked (observe / warn)',
      description: 'Shadow rules whose effect would have been deny or escalate, and how many of those calls actually went through.',
      kind: 'table',
      sql: `SELECT tupleElement(s, 'rule_id') AS rule_id, toString(tupleElement(s, 'mode')) AS mode, toString(tupleElement(s, 'effect')) AS would_effect,
  count() AS would_block, countIf(effect IN ('allow', 'modify')) AS actually_allowed, uniqExact(session_id) AS sessions
FROM decisions FINAL
ARRAY JOIN shadow AS s
WHERE $__timeFilter(decided_at) AND tupleElement(s, 'effect') IN ('deny', 'escalate')
GROUP BY rule_id, mode, would_effect
ORDER BY would_block DESC, rule_id`,
      columns: ['rule_id', 'mode', 'would_effect', 'would_block', 'actually_allowed', 'sessions'],
    },
    {
      title: 'Rule hits over time',
      description: 'Enforced rule hits per interval.',
      kind: 'timeseries',
      sql: `SELECT $__timeInterval(decided_at) AS time, toString(rule_id) AS rule_id, count() AS hits
FROM decisions FINAL
ARRAY JOIN rule_ids AS rule_id
WHERE $__timeFilter(decided_at)
GROUP BY time, rule_id
ORDER BY time, rule_id`,
      columns: ['time', 'rule_id', 'hits'],
    },
    {
      title: 'Bundle revisions in use',
      description: 'Which policy bundle revision decided how many verdicts, first and last seen.',
      kind: 'table',
      sql: `SELECT toString(bundle_revision) AS bundle_revision, count() AS decisions, min(decided_at) AS first_seen, max(decided_at) AS last_seen
FROM decisions FINAL
WHERE $__timeFilter(decided_at)
GROUP BY bundle_revision
ORDER BY first_seen`,
      columns: ['bundle_revision', 'decisions', 'first_seen', 'last_seen'],
    },
  ],
};
