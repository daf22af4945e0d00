-- Approval lifecycle events (topic arbiter.approvals, ApprovalEvent): one 'requested' and at most one 'resolved'
-- row per approval. resolution: approved | rejected | expired. The approvals view folds them into one row with the
-- time to decision and a status (pending, overdue = past expiry without a resolution, or the resolution).
CREATE TABLE IF NOT EXISTS {{local:approval_events}} {{on_cluster}}
(
  approval_id String,
  event LowCardinality(String),
  proposal_id String,
  session_id String,
  tenant_id LowCardinality(String),
  agent_id LowCardinality(String),
  tool LowCardinality(String),
  rule_id LowCardinality(String),
  args_hash String,
  approvers Array(String),
  on_timeout LowCardinality(String),
  expires_at_ms Int64,
  resolution LowCardinality(String),
  resolved_by String,
  reason String,
  at_ms Int64,
  at DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(at_ms, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree:approval_events}}
PARTITION BY toYYYYMM(at)
ORDER BY (approval_id, event)
TTL toDateTime(at) + INTERVAL {{ttl_days:approval_events}} DAY;

{{distributed:approval_events:cityHash64(approval_id)}}

CREATE VIEW IF NOT EXISTS approvals {{on_cluster}} AS
SELECT
  approval_id,
  anyIf(tenant_id, event = 'requested') AS tenant_id,
  anyIf(session_id, event = 'requested') AS session_id,
  anyIf(agent_id, event = 'requested') AS agent_id,
  anyIf(tool, event = 'requested') AS tool,
  anyIf(rule_id, event = 'requested') AS rule_id,
  anyIf(proposal_id, event = 'requested') AS proposal_id,
  anyIf(on_timeout, event = 'requested') AS on_timeout,
  minIf(at, event = 'requested') AS requested_at,
  fromUnixTimestamp64Milli(maxIf(expires_at_ms, event = 'requested'), 'UTC') AS expires_at,
  maxIf(at, event = 'resolved') AS resolved_at,
  countIf(event = 'resolved') > 0 AS is_resolved,
  anyIf(resolution, event = 'resolved') AS resolution,
  anyIf(resolved_by, event = 'resolved') AS resolved_by,
  if(is_resolved, dateDiff('millisecond', requested_at, resolved_at), NULL) AS time_to_decision_ms,
  multiIf(is_resolved, toString(resolution), now64(3) > expires_at, 'overdue', 'pending') AS status
FROM approval_events
GROUP BY approval_id;
