-- The audit trail: one row per DecisionRecord (processors/core/types.ts), every field kept so `arbiter verify`
-- can recompute each row's hash. Idempotence: ReplacingMergeTree keyed by the decision (its time bucket and
-- tenant are functions of the decision, so a redelivered row has the same key and collapses on merge / FINAL).
-- Minimisation contract: args_minimised holds the processor's minimised values as given ("sha256:…",
-- "[redacted:<label>]", or a literal the tool metadata marks safe); the sink never sees raw arguments.
-- ORDER BY starts with the hour bucket: every dashboard query is bounded by the time picker.
CREATE TABLE IF NOT EXISTS {{local:decisions}} {{on_cluster}}
(
  decision_id String,
  proposal_id String,
  session_id String,
  agent_id LowCardinality(String),
  user_id String,
  tenant_id LowCardinality(String),
  agent_role LowCardinality(String),
  environment LowCardinality(String),
  tool LowCardinality(String),
  intent LowCardinality(String),
  effect LowCardinality(String),
  rule_ids Array(LowCardinality(String)),
  reasons Array(String),
  modifications Array(Tuple(kind LowCardinality(String), path String, rule_id String, detail String)),
  shadow Array(Tuple(rule_id String, mode LowCardinality(String), effect LowCardinality(String), reason String)),
  bundle_revision LowCardinality(String),
  args_minimised Map(String, String),
  data_labels Array(LowCardinality(String)),
  destinations Array(String),
  facts_used Map(LowCardinality(String), String),
  approval_id String,
  error_code LowCardinality(String),
  decided_at_ms Int64,
  decided_at DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(decided_at_ms, 'UTC'),
  latency_us UInt32,
  chain_partition UInt32,
  chain_seq UInt64,
  prev_hash String,
  hash String,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_decision decision_id TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_chain_seq chain_seq TYPE minmax GRANULARITY 1
)
ENGINE = {{engine:ReplacingMergeTree:decisions}}
PARTITION BY toYYYYMM(decided_at)
ORDER BY (toStartOfHour(decided_at), tenant_id, session_id, decision_id)
TTL toDateTime(decided_at) + INTERVAL {{ttl_days:decisions}} DAY
SETTINGS non_replicated_deduplication_window = 1000;

{{distributed:decisions:cityHash64(session_id)}}
