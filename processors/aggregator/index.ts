// Assembles and starts the cross-session aggregator: topics ensured (the shared set and its own changelog and rates
// topics), schemas registered, then a StreamLoop over proposals and results in its own consumer group (off the
// verdict path): outputs, changelog and offsets committed together (exactly once by default), pipelined (the next
// batches are processed while a commit is in flight). close() stops it and closes the clients.
import { createRegistryClient } from '../runtime/serde/registry.ts';
import { TopicSerde } from '../runtime/serde/topic-serde.ts';
import { StreamLoop, type DeliveryMode, type StreamTask } from '../runtime/stream/loop.ts';
import { defineTopics, ensureArbiterTopics, type TopicMap } from '../runtime/topics.ts';
import { createTransport } from '../runtime/transport/index.ts';
import type { KafkaTransport } from '../runtime/transport/transport.ts';
import { watchConsumers } from '../core/consumer-readiness.ts';
import type { Readiness } from '../core/health-server.ts';
import type { MetricsRegistry } from '../core/metrics.ts';
import { AggregatorTask } from './aggregator-task.ts';
import type { AggregatorConfig } from './config.ts';
import { aggregatorTopics, type AggregatorTopics } from './topics.ts';

export type { AggregatorConfig } from './config.ts';
export { aggregatorConfigFromEnv, thresholdsFromEnv } from './config.ts';
export { AggregatorTask, TAINT_TOOL } from './aggregator-task.ts';
export { QuarantineFeed } from './quarantine-feed.ts';
export { QuarantineTable, NOT_QUARANTINED } from './quarantine.ts';
export { RateTable, decodeRateSignal, type CrossSessionRates } from './rate-signal.ts';
export { aggregatorTopics, type AggregatorTopics } from './topics.ts';

/** Input records per commit at most. High: a commit blocks the consumer only once this many are pending while the
 *  previous commit is still in flight; below it, batches keep being processed during the commit's round trips. */
const MAX_GROUP_RECORDS = 50_000;

/** The aggregator's stream loop (also what bench/aggregator measures): group commit, pipelined, exactly once unless
 *  turned off. One instance by design: a stable transactional id lets a restarted aggregator fence its predecessor
 *  and abort its open transaction at once (a read_committed restore would otherwise wait for its timeout). */
export function aggregatorLoop(transport: KafkaTransport, config: Pick<AggregatorConfig, 'groupId' | 'exactlyOnce' | 'sessionTimeoutMs'>,
  topics: readonly string[], task: StreamTask): StreamLoop {
  return new StreamLoop(transport, {
    groupId: config.groupId, topics, maxWaitMs: 20, groupCommit: true, maxGroupRecords: MAX_GROUP_RECORDS,
    ...(config.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: config.sessionTimeoutMs } : {}),
    ...(config.exactlyOnce ? { transactionalId: `${config.groupId}.tx` } : {}),
  }, task);
}

export interface RunningAggregator {
  readonly topics: TopicMap;
  readonly own: AggregatorTopics;
  readonly task: AggregatorTask;
  readonly transport: KafkaTransport;
  readonly mode: DeliveryMode;
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

export interface AggregatorOverrides {
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /** Gets arbiter_registry_fetch_retries_total. */
  readonly metrics?: MetricsRegistry;
  /** Gets the condition "consumers" (assigned, changelog restored). */
  readonly readiness?: Readiness;
}

export async function startAggregator(config: AggregatorConfig, overrides: AggregatorOverrides = {}): Promise<RunningAggregator> {
  const topics = defineTopics({ prefix: config.topicPrefix, partitions: config.partitions, replicationFactor: config.replicationFactor });
  const own = aggregatorTopics(config.topicPrefix, config.replicationFactor);
  const client = await createTransport(config.kafkaClient, { brokers: config.brokers, clientId: `aggregator-${config.instanceId}`, security: config.kafkaSecurity });
  const transport = overrides.readiness ? watchConsumers(client, overrides.readiness) : client;
  const admin = await transport.admin();
  try {
    await ensureArbiterTopics(admin, topics);
    await admin.ensureTopics([own.changelog, own.rates]);
  } finally {
    await admin.close();
  }
  const serde = new TopicSerde(createRegistryClient(config.registryUrl, config.registryAuth, { log: overrides.log, metrics: overrides.metrics }), topics);
  await serde.registerAll();
  const barrierProducer = await transport.producer({ idempotent: true });
  const task = new AggregatorTask({
    topics, own, serde, thresholds: config.thresholds, ...(overrides.log ? { log: overrides.log } : {}),
    durable: { transport, barrierProducer, groupId: config.groupId, restoreTimeoutMs: config.restoreTimeoutMs },
  });
  const loop = aggregatorLoop(transport, config, task.inputTopics(), task);
  const { stopped } = await loop.start();
  return {
    topics, own, task, transport, mode: loop.mode, stopped,
    async close() {
      await loop.close();
      await barrierProducer.close();
    },
  };
}
