import type { DashboardSpec } from './panel-spec.ts';

// Source: the pipeline_metrics table the processors write to (processors/sinks/clickhouse/pipeline-metrics.ts).
// Counters are monotonic per (instance, labels); increases are taken sample to sample, a reset counts from zero.
const increase = (metricFilter: string, series: string): string => `SELECT $__timeInterval(at) AS time, series, sum(inc) AS increase
FROM (
  SELECT at, ${series} AS series,
    if(value >= prev, value - prev, value) AS inc
  FROM (
    SELECT at, metric, labels, value,
      lagInFrame(value, 1, value) OVER (PARTITION BY instance, metric, toString(labels) ORDER BY at ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev
    FROM pipeline_metrics
    WHERE ${metricFilter} AND $__timeFilter(at)
  )
)
GROUP BY time, series
ORDER BY time, series`;

export const PIPELINE_HEALTH: DashboardSpec = {
  uid: 'arbiter-pipeline-health',
  title: 'Arbiter / Pipeline health',
  description: 'Consumer lag, DLQ records, forwarder drops and retries, sink throughput.',
  panels: [
    {
      title: 'Consumer lag',
      description: 'Records behind the high-water mark, summed over partitions, per consumer group and topic.',
      kind: 'timeseries',
      sql: `SELECT time, consumer, sum(lag) AS lag
FROM (
  SELECT $__timeInterval(at) AS time, concat(labels['group'], ' / ', labels['topic']) AS consumer, labels['partition'] AS p, max(value) AS lag
  FROM pipeline_metrics
  WHERE metric = 'consumer_lag' AND $__timeFilter(at)
  GROUP BY time, consumer, p
)
GROUP BY time, consumer
ORDER BY time, consumer`,
      columns: ['time', 'consumer', 'lag'],
    },
    {
      title: 'DLQ records',
      description: 'Records sent to dead-letter topics per interval, by DLQ topic.',
      kind: 'timeseries',
      sql: increase(`metric = 'dlq_records_total'`, `labels['topic']`),
      columns: ['time', 'series', 'increase'],
    },
    {
      title: 'Forwarder drops and retries',
      description: 'SIEM forwarder records dropped (bounded queue full or retries exhausted) and retried, per forwarder.',
      kind: 'timeseries',
      sql: increase(`metric IN ('forwarder_dropped_total', 'forwarder_retries_total')`, `concat(labels['forwarder'], ' ', replaceOne(toString(metric), 'forwarder_', ''))`),
      columns: ['time', 'series', 'increase'],
    },
    {
      title: 'ClickHouse sink rows',
      description: 'Rows inserted by the ClickHouse sinks per interval, by table.',
      kind: 'timeseries',
      sql: increase(`metric = 'sink_rows_total'`, `labels['table']`),
      columns: ['time', 'series', 'increase'],
    },
  ],
};
