// The ClickHouse sink deployable: applies the migrations, then runs three table sinks, each in its own consumer
// group: decisions -> decisions, alerts -> alerts, approvals -> approval_events. chDB embedded by default, a server
// with async inserts when CLICKHOUSE_URL is set. Settings: processors/sinks/clickhouse/config.ts (SINK_SETTINGS) and
// the stack settings of processors/core/config.ts. Exits non-zero when a consumer stops on an error (a supervisor
// restarts it; uncommitted rows are redelivered and collapse in ReplacingMergeTree). Health and metrics:
// processors/core/health-server.ts (ARBITER_HEALTH_PORT; ready = migrations applied, consumers assigned).
// ARBITER_CH_SCRAPE_TARGETS="verdict-0=http://verdict:9464/metrics,siem-0=http://siem:9464/metrics": the other
// deployables' /metrics, sampled every ARBITER_CH_METRICS_INTERVAL_MS into pipeline_metrics (metrics-scrape.ts), with
// the consumer lag of ARBITER_CH_LAG_GROUPS (default: verdict, aggregator and SIEM groups; consumer-lag.ts).
//   node processors/sinks/clickhouse/main.ts
import { existsSync, readFileSync } from 'node:fs';
import { mergeEnv, parseStackEnv } from '../../core/config.ts';
import { watchConsumers } from '../../core/consumer-readiness.ts';
import { runDeployable } from '../../core/deployable.ts';
import { createClickHouse } from '../../runtime/clickhouse-client.ts';
import { createRegistryClient } from '../../runtime/serde/registry.ts';
import { TopicSerde } from '../../runtime/serde/topic-serde.ts';
import { ensureArbiterTopics } from '../../runtime/topics.ts';
import { createTransport } from '../../runtime/transport/index.ts';
import { sinkServiceConfig } from './config.ts';
import { applyMigrations } from './migrations.ts';
import { startMetricsScraper } from './metrics-scrape.ts';
import { startConsumerLagSampler } from './consumer-lag.ts';
import type { FlushEvent } from './batching-sink.ts';
import { startKafkaDecisionsSink, startKafkaTableSink, type RunningSink } from './kafka-table-sink.ts';
import { ALERTS_TABLE, APPROVAL_EVENTS_TABLE } from './table-sink.ts';

await runDeployable('clickhouse-sink', async ({ log, metrics, readiness }) => {
  const stackFile = '.run/stack.env';
  const env = mergeEnv(existsSync(stackFile) ? parseStackEnv(readFileSync(stackFile, 'utf8'), stackFile) : {}, process.env);
  const config = sinkServiceConfig(env);
  readiness.require('migrations', 'ClickHouse migrations not applied yet');
  const client = createClickHouse(config.stack.clickhouse);
  const migrated = await applyMigrations(client, config.schema);
  readiness.set('migrations', true);
  log('migrated', { applied: migrated.applied, alreadyApplied: migrated.alreadyApplied });
  const transport = watchConsumers(await createTransport(config.kafkaClient, { brokers: config.stack.kafka.brokers, clientId: config.stack.kafka.clientId, security: config.stack.kafka.security }), readiness);
  const admin = await transport.admin();
  await ensureArbiterTopics(admin, config.topics); // idempotent: existing topics are left as they are
  await admin.close();
  const serde = new TopicSerde(createRegistryClient(config.stack.registry.url, config.stack.registry.auth, { log, metrics }), config.topics);
  await serde.registerAll();
  const common = {
    transport, serde, client, asyncInsert: config.stack.clickhouse.kind === 'http', batching: config.batching,
    metricsIntervalMs: config.metricsIntervalMs, onDecodeError: (e: Error) => log('decode-error', { error: e.message }),
  };
  const committed = (table: string) => (e: FlushEvent): void => {
    if (e.phase === 'committed') log('committed', { table, rows: e.rows, insertMs: Math.round(e.insertMs), offsets: e.offsets });
  };
  const sinks: RunningSink[] = [
    await startKafkaDecisionsSink({ ...common, topic: config.topics.decisions, observe: committed('decisions') }),
    await startKafkaTableSink({ ...common, topic: config.topics.alerts, table: ALERTS_TABLE, observe: committed(ALERTS_TABLE.table) }),
    await startKafkaTableSink({ ...common, topic: config.topics.approvals, table: APPROVAL_EVENTS_TABLE, observe: committed(APPROVAL_EVENTS_TABLE.table) }),
  ];
  const scraper = startMetricsScraper({
    client, targets: config.scrapeTargets, topics: config.topics, intervalMs: config.metricsIntervalMs,
    ...(config.metricsIntervalMs > 0 ? { lag: await startConsumerLagSampler({ brokers: config.stack.kafka.brokers, topics: config.topics,
      groups: config.lagGroups, instance: config.stack.kafka.clientId }) } : {}),
    onError: (target, error) => log('scrape-failed', { instance: target.instance, url: target.url, error: error.message }),
  });
  log('started', { clickhouse: config.stack.clickhouse.kind, transport: transport.name, topics: [config.topics.decisions.topic, config.topics.alerts.topic, config.topics.approvals.topic] });
  return {
    stopped: Promise.all(sinks.map((s) => s.done)),
    async close() {
      await Promise.all(sinks.map((s) => s.stop()));
      await scraper.stop();
      await client.close();
    },
  };
});
