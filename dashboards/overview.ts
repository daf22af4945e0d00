import type { DashboardSpec } from './panel-spec.ts';

// Decisions are read with FINAL: a decision redelivered after a sink crash is counted once even before merging.
export const OVERVIEW: DashboardSpec = {
  uid: 'arbiter-overview',
  title: 'Arbiter / Overview',
  description: 'Decision volume by effect, deny and escalate rates, top rules and verdict latency.',
  panels: [
    {
      title: 'Decisions per second by effect',
      description: 'Verdicts per second, split by effect (allow, deny, modify, escalate).',
      kind: 'timeseries',
      unit: 'reqps',
      sql: `SELECT $__timeInterval(decided_at) AS time, toString(effect) AS effect, count() / $__interval_s AS per_second
FROM decisions FINAL
WHERE $__timeFilter(decided_at)
GROUP BY time, effect
ORDER BY time, effect`,
      columns: ['time', 'effect', 'per_second'],
    },
    {
      title: 'Deny and escalate rate',
      description: 'Share of decisions that were denied or escalated to a human.',
      kind: 'timeseries',
      unit: 'percentunit',
      sql: `SELECT $__timeInterval(decided_at) AS time,
  countIf(effect = 'deny') / count() AS deny_rate,
  countIf(effect = 'escalate') / count() AS escalate_rate
FROM decisions FINAL
WHERE $__timeFilter(decided_at)
GROUP BY time
ORDER BY time`,
      columns: ['time', 'deny_rate', 'escalate_rate'],
    },
    {
      title: 'Top rules',
      description: 'Enforced rules that decided the most verdicts, with how many of those were denies.',
      kind: 'table',
      sql: `SELECT toString(rule_id) AS rule_id, count() AS hits, countIf(effect = 'deny') AS denies, uniqExact(session_id) AS sessions
FROM decisions FINAL
ARRAY JOIN rule_ids AS rule_id
WHERE $__timeFilter(decided_at)
GROUP BY rule_id
ORDER BY hits DESC
LIMIT 10`,
      columns: ['rule_id', 'hits', 'denies', 'sessions'],
    },
    {
      title: 'Verdict latency p50 / p99',
      description: 'Proposal created to verdict produced, in milliseconds.',
      kind: 'timeseries',
      unit: 'ms',
      sql: `SELECT $__timeInterval(decided_at) AS time,
  quantile(0.5)(latency_us) / 1000 AS p50_ms,
  quantile(0.99)(latency_us) / 1000 AS p99_ms
FROM decisions FINAL
WHERE $__timeFilter(decided_at)
GROUP BY time
ORDER BY time`,
      columns: ['time', 'p50_ms', 'p99_ms'],
    },
  ],
};
