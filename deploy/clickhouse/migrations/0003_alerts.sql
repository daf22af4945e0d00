-- Trajectory alerts and quarantine signals from the cross-session aggregator (topic arbiter.alerts, TrajectoryAlert).
CREATE TABLE IF NOT EXISTS {{local:alerts}} {{on_cluster}}
(
  alert_id String,
  kind LowCardinality(String),
  severity LowCardinality(String),
  tenant_id LowCardinality(String),
  agent_id LowCardinality(String),
  session_ids Array(String),
  summary String,
  facts Map(LowCardinality(String), String),
  raised_at_ms Int64,
  raised_at DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(raised_at_ms, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree:alerts}}
PARTITION BY toYYYYMM(raised_at)
ORDER BY (toStartOfHour(raised_at), tenant_id, alert_id)
TTL toDateTime(raised_at) + INTERVAL {{ttl_days:alerts}} DAY;

{{distributed:alerts:cityHash64(alert_id)}}
