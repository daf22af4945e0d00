// Where pipeline-health numbers live: the pipeline_metrics table (deploy/clickhouse/migrations/0005). Every
// processor appends a sample of its counters and gauges every few seconds with writePipelineMetrics(); the
// "Pipeline health" dashboard reads them. Counters are monotonic per (instance, metric, labels); gauges are levels.
import type { ClickHouseClient } from '@clickhouse/client';

/** Metric names and their labels. Add here; the dashboard queries these names. */
export const PIPELINE_METRICS = {
  /** gauge; labels: group, topic, partition. High-water mark minus committed offset. */
  consumerLag: 'consumer_lag',
  /** counter; labels: topic (the DLQ topic), code (error code). */
  dlqRecords: 'dlq_records_total',
  /** counter; labels: forwarder (ocsf, cef, ecs, hec), reason. */
  forwarderDropped: 'forwarder_dropped_total',
  /** counter; labels: forwarder. */
  forwarderRetries: 'forwarder_retries_total',
  /** counter; labels: table. */
  sinkRows: 'sink_rows_total',
} as const;
export type PipelineMetricName = (typeof PIPELINE_METRICS)[keyof typeof PIPELINE_METRICS];

export interface PipelineSample {
  readonly atMs: number;
  readonly component: string;
  readonly instance: string;
  readonly metric: PipelineMetricName;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export async function writePipelineMetrics(client: ClickHouseClient, samples: readonly PipelineSample[]): Promise<void> {
  if (samples.length === 0) return;
  await client.insert({
    table: 'pipeline_metrics',
    format: 'JSONEachRow',
    values: samples.map((s) => ({ at_ms: s.atMs, component: s.component, instance: s.instance, metric: s.metric, labels: s.labels, value: s.value })),
  });
}
