// Settings of the ClickHouse sink deployable, read from the environment and validated once at startup; every
// problem is collected and reported together (ARB_CONFIG_INVALID naming the keys). Each setting with its doc:
import { ArbiterError, type Problem } from '../../core/errors.ts';
import { loadStackConfig, type StackConfig } from '../../core/config.ts';
import { defineTopics, type TopicMap } from '../../runtime/topics.ts';
import { parseKafkaClient, type KafkaClientName } from '../../runtime/transport/index.ts';
import { DEFAULT_BATCHING, type BatchingOptions } from './batching-sink.ts';
import { DEFAULT_TTL_DAYS, type SchemaOptions, type TtlTable } from './migrations.ts';
import { parseScrapeTargets, type ScrapeTarget } from './metrics-scrape.ts';
import { lagGroups } from './consumer-lag.ts';

type Env = Readonly<Record<string, string | undefined>>;

export const SINK_SETTINGS = {
  ARBITER_CH_CLUSTER: 'ClickHouse cluster name: tables become Replicated*_local plus Distributed (default: single node)',
  ARBITER_CH_MIN_BATCH_ROWS: `insert as soon as this many rows are buffered (default ${DEFAULT_BATCHING.minBatchRows}; 1..1,000,000)`,
  ARBITER_CH_MAX_BATCH_ROWS: `never more rows per insert (default ${DEFAULT_BATCHING.maxBatchRows}; >= min)`,
  ARBITER_CH_LINGER_MS: `insert a smaller batch once its oldest row waited this long (default ${DEFAULT_BATCHING.lingerMs}; 1..60,000)`,
  ARBITER_CH_METRICS_INTERVAL_MS: 'how often lag and rows go to pipeline_metrics (default 5000; 0 = never)',
  ARBITER_CH_SCRAPE_TARGETS: 'other deployables\' /metrics written to pipeline_metrics each interval: instance=url,... (default none)',
  ARBITER_CH_LAG_GROUPS: 'consumer groups whose lag goes to pipeline_metrics: a,b,... (default verdict, aggregator, SIEM groups)',
  ARBITER_CH_TTL_DAYS_DECISIONS: `retention of decisions in days (default ${DEFAULT_TTL_DAYS.decisions})`,
  ARBITER_CH_TTL_DAYS_SESSION_SUMMARIES: `retention of session summaries (default ${DEFAULT_TTL_DAYS.session_summaries})`,
  ARBITER_CH_TTL_DAYS_ALERTS: `retention of alerts (default ${DEFAULT_TTL_DAYS.alerts})`,
  ARBITER_CH_TTL_DAYS_APPROVAL_EVENTS: `retention of approval events (default ${DEFAULT_TTL_DAYS.approval_events})`,
  ARBITER_CH_TTL_DAYS_PIPELINE_METRICS: `retention of pipeline metrics (default ${DEFAULT_TTL_DAYS.pipeline_metrics})`,
  ARBITER_TOPIC_PREFIX: 'topic name prefix (default arbiter), as for the other processors',
  ARBITER_PARTITIONS: 'partitions of the session-keyed topics (default 6)',
  ARBITER_REPLICATION: 'replication factor (default 1)',
} as const;

export interface SinkServiceConfig {
  readonly stack: StackConfig;
  readonly kafkaClient: KafkaClientName;
  readonly topics: TopicMap;
  readonly schema: SchemaOptions;
  readonly batching: BatchingOptions;
  readonly metricsIntervalMs: number;
  /** ARBITER_CH_SCRAPE_TARGETS, parsed. */
  readonly scrapeTargets: readonly ScrapeTarget[];
  /** ARBITER_CH_LAG_GROUPS, or the default groups under the topic prefix. */
  readonly lagGroups: readonly string[];
}

export function sinkServiceConfig(env: Env): SinkServiceConfig {
  const problems: Problem[] = [];
  const int = (key: keyof typeof SINK_SETTINGS, def: number, min: number, max: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: `${key}="${raw}" must be an integer in ${min}..${max} (${SINK_SETTINGS[key]})`, location: { key } });
      return def;
    }
    return n;
  };
  const minBatchRows = int('ARBITER_CH_MIN_BATCH_ROWS', DEFAULT_BATCHING.minBatchRows, 1, 1_000_000);
  const maxBatchRows = int('ARBITER_CH_MAX_BATCH_ROWS', DEFAULT_BATCHING.maxBatchRows, 1, 1_000_000);
  if (maxBatchRows < minBatchRows) {
    problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: `ARBITER_CH_MAX_BATCH_ROWS (${maxBatchRows}) is below ARBITER_CH_MIN_BATCH_ROWS (${minBatchRows})`, location: { key: 'ARBITER_CH_MAX_BATCH_ROWS' } });
  }
  const ttl = (table: TtlTable): number => int(`ARBITER_CH_TTL_DAYS_${table.toUpperCase()}` as keyof typeof SINK_SETTINGS, DEFAULT_TTL_DAYS[table], 1, 36_500);
  const ttlDays: Record<TtlTable, number> = {
    decisions: ttl('decisions'), session_summaries: ttl('session_summaries'), alerts: ttl('alerts'),
    approval_events: ttl('approval_events'), pipeline_metrics: ttl('pipeline_metrics'),
  };
  const cluster = env['ARBITER_CH_CLUSTER'];
  if (cluster !== undefined && cluster !== '' && !/^[A-Za-z0-9_.-]+$/.test(cluster)) {
    problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: `ARBITER_CH_CLUSTER="${cluster}" may hold only letters, digits, '_', '.', '-'`, location: { key: 'ARBITER_CH_CLUSTER' } });
  }
  const batching: BatchingOptions = {
    ...DEFAULT_BATCHING, minBatchRows, maxBatchRows, lingerMs: int('ARBITER_CH_LINGER_MS', DEFAULT_BATCHING.lingerMs, 1, 60_000),
  };
  const metricsIntervalMs = int('ARBITER_CH_METRICS_INTERVAL_MS', 5_000, 0, 3_600_000);
  const topicSettings = {
    prefix: env['ARBITER_TOPIC_PREFIX'] || 'arbiter',
    partitions: int('ARBITER_PARTITIONS', 6, 1, 10_000),
    replicationFactor: int('ARBITER_REPLICATION', 1, 1, 100),
  };
  let stack: StackConfig | undefined;
  let kafkaClient: KafkaClientName = 'platformatic';
  let scrapeTargets: ScrapeTarget[] = [];
  for (const load of [() => (stack = loadStackConfig(env)), () => (kafkaClient = parseKafkaClient(env['ARBITER_KAFKA_CLIENT'])),
    () => (scrapeTargets = parseScrapeTargets(env['ARBITER_CH_SCRAPE_TARGETS']))]) {
    try {
      load();
    } catch (e) {
      const err = e as ArbiterError;
      problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: err.message, location: err.location ?? {} });
    }
  }
  if (problems.length > 0 || stack === undefined) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `${problems.length} invalid setting(s): ${problems.map((p) => p.message).join('; ')}`, {
      key: problems.map((p) => p.location?.key).filter(Boolean).join(','),
    });
  }
  const database = stack.clickhouse.kind === 'http' ? stack.clickhouse.database : 'default';
  return {
    stack,
    kafkaClient,
    topics: defineTopics(topicSettings),
    schema: { database, ttlDays, ...(cluster ? { cluster } : {}) },
    batching,
    metricsIntervalMs,
    scrapeTargets,
    lagGroups: lagGroups(env['ARBITER_CH_LAG_GROUPS'], topicSettings.prefix),
  };
}
