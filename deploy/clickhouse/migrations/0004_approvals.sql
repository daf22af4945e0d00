-- Approval lifecycle events (topic arbiter.approvals): one 'requested' and at most one 'resolved' row per approval.
-- resolution: approved | rejected | timeout. The approvals view folds them into one row with time to decision.
CREATE TABLE IF NOT EXISTS {{local:approval_events}} {{on_cluster}}
(
  approval_id String,
  event LowCardinality(String),
  proposal_id String,
  decision_id String,
  session_id String,
  tenant_id LowCardinality(String),
  agent_id LowCardinality(String),
  tool LowCardinality(String),
  rule_id LowCardinality(String),
  approvers Array(String),
  timeout_ms UInt32,
  resolution LowCardinality(String),
  resolved_by String,
  at_ms Int64,
  at DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(at_ms, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree:approval_events}}
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, approval_id, event)
TTL toDateTime(at) + INTERVAL {{ttl_days:approval_events}} DAY;

{{distributed:approval_events:cityHash64(approval_id)}}

-- status: pending (no resolution yet, before its timeout), resolved outcome, or overdue (no resolution past timeout).
CREATE VIEW IF NOT EXISTS approvals {{on_cluster}} AS
SELECT
  approval_id,
  any(tenant_id) AS tenant_id,
  anyIf(session_id, event = 'requested') AS session_id,
  anyIf(agent_id, event = 'requested') AS agent_id,
  anyIf(tool, event = 'requested') AS tool,
  anyIf(rule_id, event = 'requested') AS rule_id,
  anyIf(decision_id, event = 'requested') AS decision_id,
  minIf(at, event = 'requested') AS requested_at,
  maxIf(at, event = 'resolved') AS resolved_at,
  countIf(event = 'resolved') > 0 AS is_resolved,
  anyIf(resolution, event = 'resolved') AS resolution,
  anyIf(resolved_by, event = 'resolved') AS resolved_by,
  maxIf(timeout_ms, event = 'requested') AS timeout_ms,
  if(is_resolved, dateDiff('millisecond', requested_at, resolved_at), NULL) AS time_to_decision_ms,
  multiIf(is_resolved, resolution,
          now64(3) > requested_at + toIntervalMillisecond(timeout_ms), 'overdue', 'pending') AS status
FROM approval_events
GROUP BY approval_id;
