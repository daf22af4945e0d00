-- The approvals view shows the resolution the approvals ledger accepted (processors/approvals/ledger.ts), not any
-- resolution row. Two fixes:
--   1. Storage: approval_events was a ReplacingMergeTree keyed (approval_id, event), so every resolution of one
--      approval collapsed on merge into the last one inserted: a refused second answer (e.g. an approve after the
--      expiry) could replace the accepted one. event_key, a hash of a resolution's content the sink writes
--      (processors/sinks/clickhouse/event-rows.ts; '' for requests and for rows stored before this migration), joins
--      the sorting key: a redelivered record (same content) still collapses, distinct resolutions are all kept. A
--      column may join the sorting key only in the ALTER that adds it, and only without a DEFAULT expression.
--   2. The view applies the ledger's rules: a resolution counts when it names the request's proposal and arguments
--      hash, a human answer is not later than the expiry, an expiry is not earlier; the first such resolution wins
--      (single use). "First" is by resolvedAtMs: the rows carry no topic offset, so two writers whose clocks disagree
--      by more than the gap between their answers could be ordered differently than on the topic (docs/decisions.md).
-- Columns are those of migration 0004's view; resolved_at is 1970-01-01 and resolution '' while unresolved, as before.
ALTER TABLE {{local:approval_events}} {{on_cluster}} ADD COLUMN IF NOT EXISTS event_key String, MODIFY ORDER BY (approval_id, event, event_key);
ALTER TABLE approval_events {{on_cluster}} ADD COLUMN IF NOT EXISTS event_key String;

CREATE OR REPLACE VIEW approvals {{on_cluster}} AS
SELECT
  approval_id,
  req_tenant_id AS tenant_id,
  req_session_id AS session_id,
  req_agent_id AS agent_id,
  req_tool AS tool,
  req_rule_id AS rule_id,
  req_proposal_id AS proposal_id,
  req_on_timeout AS on_timeout,
  requested_at,
  fromUnixTimestamp64Milli(req_expires_at_ms, 'UTC') AS expires_at,
  arrayFirst(r -> has_request AND r.4 = req_proposal_id AND r.5 = req_args_hash
      AND if(r.1 = 'expired', r.3 >= req_expires_at_ms, r.3 <= req_expires_at_ms), resolutions) AS accepted,
  accepted.1 != '' AS is_resolved,
  fromUnixTimestamp64Milli(accepted.3, 'UTC') AS resolved_at,
  CAST(accepted.1, 'LowCardinality(String)') AS resolution,
  accepted.2 AS resolved_by,
  if(is_resolved, dateDiff('millisecond', requested_at, resolved_at), NULL) AS time_to_decision_ms,
  multiIf(is_resolved, accepted.1, now64(3) > expires_at, 'overdue', 'pending') AS status
FROM
(
  SELECT
    approval_id,
    countIf(event = 'requested') > 0 AS has_request,
    argMinIf(tenant_id, at_ms, event = 'requested') AS req_tenant_id,
    argMinIf(session_id, at_ms, event = 'requested') AS req_session_id,
    argMinIf(agent_id, at_ms, event = 'requested') AS req_agent_id,
    argMinIf(tool, at_ms, event = 'requested') AS req_tool,
    argMinIf(rule_id, at_ms, event = 'requested') AS req_rule_id,
    argMinIf(proposal_id, at_ms, event = 'requested') AS req_proposal_id,
    argMinIf(args_hash, at_ms, event = 'requested') AS req_args_hash,
    argMinIf(on_timeout, at_ms, event = 'requested') AS req_on_timeout,
    argMinIf(expires_at_ms, at_ms, event = 'requested') AS req_expires_at_ms,
    minIf(at, event = 'requested') AS requested_at,
    -- (resolution, resolved_by, at_ms, proposal_id, args_hash, event_key), oldest first; duplicates not yet merged
    -- away count once.
    arraySort(r -> (r.3, r.6), groupUniqArrayIf((toString(resolution), resolved_by, at_ms, proposal_id, args_hash, event_key), event = 'resolved')) AS resolutions
  FROM approval_events
  GROUP BY approval_id
);
