-- Pipeline health numbers the processors write every few seconds (processors/sinks/clickhouse/pipeline-metrics.ts):
-- consumer lag per group/topic/partition (gauge), DLQ records, forwarder drops and retries (monotonic counters),
-- sink rows and batches. Dashboards take max per bucket for gauges and deltas for counters.
CREATE TABLE IF NOT EXISTS {{local:pipeline_metrics}} {{on_cluster}}
(
  at_ms Int64,
  at DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(at_ms, 'UTC'),
  component LowCardinality(String),
  instance LowCardinality(String),
  metric LowCardinality(String),
  labels Map(LowCardinality(String), String),
  value Float64
)
ENGINE = {{engine:MergeTree:pipeline_metrics}}
PARTITION BY toYYYYMMDD(at)
ORDER BY (metric, component, at)
TTL toDateTime(at) + INTERVAL {{ttl_days:pipeline_metrics}} DAY;

{{distributed:pipeline_metrics:rand()}}
