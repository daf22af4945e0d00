// Assembles and starts the cross-session aggregator: topics ensured, schemas registered, then a stream loop over
// proposals and results in its own consumer group (off the verdict path). close() stops it and closes the clients.
import { createRegistryClient } from '../runtime/serde/registry.ts';
import { TopicSerde } from '../runtime/serde/topic-serde.ts';
import { StreamLoop, type DeliveryMode } from '../runtime/stream/loop.ts';
import { defineTopics, ensureArbiterTopics, type TopicMap } from '../runtime/topics.ts';
import { createTransport } from '../runtime/transport/index.ts';
import type { KafkaTransport } from '../runtime/transport/transport.ts';
import { AggregatorTask } from './aggregator-task.ts';
import { IntervalCommitLoop } from './commit-loop.ts';
import type { AggregatorConfig } from './config.ts';

export type { AggregatorConfig } from './config.ts';
export { aggregatorConfigFromEnv, thresholdsFromEnv } from './config.ts';
export { AggregatorTask, TAINT_TOOL } from './aggregator-task.ts';
export { QuarantineFeed } from './quarantine-feed.ts';
export { QuarantineTable, NOT_QUARANTINED } from './quarantine.ts';

export interface RunningAggregator {
  readonly topics: TopicMap;
  readonly task: AggregatorTask;
  readonly transport: KafkaTransport;
  readonly mode: DeliveryMode;
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

export async function startAggregator(config: AggregatorConfig,
  overrides: { log?: (event: string, detail: Record<string, unknown>) => void } = {}): Promise<RunningAggregator> {
  const topics = defineTopics({ prefix: config.topicPrefix, partitions: config.partitions, replicationFactor: config.replicationFactor });
  const transport = await createTransport(config.kafkaClient, { brokers: config.brokers, clientId: `aggregator-${config.instanceId}` });
  const admin = await transport.admin();
  try {
    await ensureArbiterTopics(admin, topics);
  } finally {
    await admin.close();
  }
  const serde = new TopicSerde(createRegistryClient(config.registryUrl), topics);
  await serde.registerAll();
  const task = new AggregatorTask({ topics, serde, thresholds: config.thresholds, ...(overrides.log ? { log: overrides.log } : {}) });
  // Exactly once: alerts and offsets in one transaction per fetch (StreamLoop). Otherwise offsets are committed on
  // an interval after the outputs were acknowledged (commit-loop.ts): the state is in memory, so nothing else to protect.
  const loop = config.exactlyOnce
    ? new StreamLoop(transport, { groupId: config.groupId, topics: task.inputTopics(), maxWaitMs: 20, groupCommit: true,
      transactionalId: `${config.groupId}-${config.instanceId}` }, task)
    : new IntervalCommitLoop(transport, { groupId: config.groupId, topics: task.inputTopics(), maxWaitMs: 20, commitIntervalMs: config.commitIntervalMs, lingerMs: config.lingerMs }, task);
  const { stopped } = await loop.start();
  return { topics, task, transport, mode: loop.mode, stopped, close: () => loop.close() };
}
