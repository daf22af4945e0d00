-- Per-session rollup maintained on insert. Counts are uniqExact over decision ids, so a redelivered decision
-- (inserted twice before the decisions table merges) is not counted twice.
CREATE TABLE IF NOT EXISTS {{local:session_summaries}} {{on_cluster}}
(
  tenant_id LowCardinality(String),
  session_id String,
  agent_id SimpleAggregateFunction(any, String),
  user_id SimpleAggregateFunction(any, String),
  first_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
  decisions AggregateFunction(uniqExact, String),
  denies AggregateFunction(uniqExact, String),
  escalations AggregateFunction(uniqExact, String),
  modifies AggregateFunction(uniqExact, String),
  shadow_blocks AggregateFunction(uniqExact, String),
  tainted SimpleAggregateFunction(max, UInt8),
  tools SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
  data_labels SimpleAggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = {{engine:AggregatingMergeTree:session_summaries}}
ORDER BY (tenant_id, session_id)
TTL toDateTime(last_at) + INTERVAL {{ttl_days:session_summaries}} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local:session_summaries_mv}} {{on_cluster}}
TO {{local:session_summaries}} AS
SELECT
  tenant_id,
  session_id,
  any(toString(agent_id)) AS agent_id,
  any(user_id) AS user_id,
  min(decided_at) AS first_at,
  max(decided_at) AS last_at,
  uniqExactState(decision_id) AS decisions,
  uniqExactStateIf(decision_id, effect = 'deny') AS denies,
  uniqExactStateIf(decision_id, effect = 'escalate') AS escalations,
  uniqExactStateIf(decision_id, effect = 'modify') AS modifies,
  uniqExactStateIf(decision_id, arrayExists(s -> s.effect IN ('deny', 'escalate'), shadow)) AS shadow_blocks,
  max(toUInt8(facts_used['tainted'] = 'true')) AS tainted,
  groupUniqArray(toString(tool)) AS tools,
  groupUniqArrayArray(arrayMap(l -> toString(l), data_labels)) AS data_labels
FROM {{local:decisions}}
GROUP BY tenant_id, session_id;

{{distributed:session_summaries:cityHash64(session_id)}}

-- Read side: merged states plus a risk score (denies weigh most, then escalations, taint, would-have-blocked).
CREATE VIEW IF NOT EXISTS session_summary {{on_cluster}} AS
SELECT
  tenant_id,
  session_id,
  any(agent_id) AS agent_id,
  any(user_id) AS user_id,
  min(first_at) AS first_at,
  max(last_at) AS last_at,
  uniqExactMerge(decisions) AS decisions,
  uniqExactMerge(denies) AS denies,
  uniqExactMerge(escalations) AS escalations,
  uniqExactMerge(modifies) AS modifies,
  uniqExactMerge(shadow_blocks) AS shadow_blocks,
  max(tainted) AS tainted,
  groupUniqArrayArray(tools) AS tools,
  groupUniqArrayArray(data_labels) AS data_labels,
  denies * 5 + escalations * 3 + modifies + shadow_blocks + tainted * 10 AS risk_score
FROM session_summaries
GROUP BY tenant_id, session_id;
