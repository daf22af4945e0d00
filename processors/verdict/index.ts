// Assembles and starts a verdict processor: topics (created, co-partitioning checked), schemas registered, the
// bundle watcher (waits for the first bundle up to bundleWaitMs), then the stream loop over the proposals topic
// (exactly once when the transport has transactions). close() stops consuming and closes every client.
import { defineTopics, ensureArbiterTopics, type TopicMap } from '../runtime/topics.ts';
import { createRegistryClient } from '../runtime/serde/registry.ts';
import { TopicSerde } from '../runtime/serde/topic-serde.ts';
import { StreamLoop, type DeliveryMode } from '../runtime/stream/loop.ts';
import { createTransport } from '../runtime/transport/index.ts';
import type { KafkaTransport } from '../runtime/transport/transport.ts';
import { BundleSlot, BundleWatcher, firstBundle } from './bundle-slot.ts';
import type { VerdictConfig } from './config.ts';
import { createPolicyEngine } from './policy-engine.ts';
import type { PolicyEngine } from './policy-port.ts';
import { VerdictTask } from './verdict-task.ts';
import { verdictMetrics } from './metrics.ts';
import { QuarantineFeed } from '../aggregator/quarantine-feed.ts';
import { aggregatorTopics } from '../aggregator/topics.ts';
import { RateFeed } from './rate-feed.ts';
import type { MetricsRegistry } from '../core/metrics.ts';
import { watchConsumers } from '../core/consumer-readiness.ts';
import type { Readiness } from '../core/health-server.ts';

export type { VerdictConfig } from './config.ts';
export { verdictConfigFromEnv } from './config.ts';

export interface RunningVerdict {
  readonly topics: TopicMap;
  readonly serde: TopicSerde;
  readonly slot: BundleSlot;
  readonly task: VerdictTask;
  readonly transport: KafkaTransport;
  readonly mode: DeliveryMode;
  /** Quarantine signals from the aggregator (the alerts topic, read whole by every instance). */
  readonly quarantine: QuarantineFeed;
  /** Agent/tenant proposals per minute from the aggregator (its rates topic, read whole by every instance). */
  readonly rates: RateFeed;
  /** Settles when the consumer stops (close() or a failure). */
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

export interface VerdictOverrides {
  readonly engine?: PolicyEngine;
  readonly metrics?: MetricsRegistry;
  readonly clock?: () => number;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /** Gets the conditions "consumers" (assigned and restored) and "bundle" (a bundle is loaded). */
  readonly readiness?: Readiness;
}

export async function startVerdictProcessor(config: VerdictConfig, overrides: VerdictOverrides = {}): Promise<RunningVerdict> {
  const topics = defineTopics({ prefix: config.topicPrefix, partitions: config.partitions, replicationFactor: config.replicationFactor });
  const readiness = overrides.readiness;
  const client = await createTransport(config.kafkaClient, { brokers: config.brokers, clientId: `verdict-${config.instanceId}`, security: config.kafkaSecurity });
  const transport = readiness ? watchConsumers(client, readiness) : client;
  const admin = await transport.admin();
  let sessionPartitions: number;
  try {
    await ensureArbiterTopics(admin, topics);
    sessionPartitions = (await admin.fetchOffsets(topics.proposals.topic)).length; // the broker's count, not the configured one
  } finally {
    await admin.close();
  }
  const registry = createRegistryClient(config.registryUrl, config.registryAuth, { log: overrides.log, metrics: overrides.metrics });
  const serde = new TopicSerde(registry, topics, { maxValueBytes: config.maxValueBytes });
  await serde.registerAll();

  const engine = overrides.engine ?? createPolicyEngine({
    requireSignature: Object.keys(config.trustedKeys).length > 0, trustedKeys: config.trustedKeys,
  });
  const slot = new BundleSlot(engine, config.bundleName);
  readiness?.watch('bundle', () => slot.current !== undefined || `no policy bundle "${config.bundleName}" loaded yet`);
  const log = overrides.log;
  slot.onEvent((e) => log?.(`bundle-${e.kind}`, { ...e }));
  const plainProducer = await transport.producer({ idempotent: true });
  // A start that fails half way closes what it opened (an in-process pipeline may retry the start in this process).
  const opened: (() => Promise<void>)[] = [() => plainProducer.close()];
  try {
    const watcher = new BundleWatcher({ slot, serde, topics, transport, producer: plainProducer, groupPrefix: config.groupId,
      onError: (error, attempt) => log?.('bundle-watcher-failed', { attempt, error: String(error) }) });
    opened.push(() => watcher.close());
    await watcher.start();
    await firstBundle(slot, config.bundleWaitMs);
    const quarantine = new QuarantineFeed({ transport, serde, topics, groupPrefix: config.groupId, ...(log ? { log } : {}) });
    opened.push(() => quarantine.close());
    await quarantine.start();
    await quarantine.caughtUp(config.restoreTimeoutMs); // quarantines raised before this start apply from the first decision
    const rates = new RateFeed({ transport, topic: aggregatorTopics(config.topicPrefix, config.replicationFactor).rates, groupPrefix: config.groupId, ...(log ? { log } : {}) });
    opened.push(() => rates.close());
    await rates.start();
    await rates.caughtUp(config.restoreTimeoutMs);

    const task = new VerdictTask({
      topics, serde, engine, slot, transport, barrierProducer: plainProducer, groupId: config.groupId, sessionPartitions,
      replyTopics: config.replyTopics, restoreTimeoutMs: config.restoreTimeoutMs, clock: overrides.clock ?? Date.now,
      metrics: verdictMetrics(overrides.metrics), quarantine: quarantine.table, rates: rates.table, ...(log ? { log } : {}),
    });
    const loop = new StreamLoop(transport, {
      groupId: config.groupId, topics: task.inputTopics(), coPartitioned: true, maxWaitMs: 20, groupCommit: config.groupCommit !== false,
      onCloseStepAbandoned: (step) => log?.('close-step-abandoned', { code: 'ARB_SHUTDOWN_STEP_ABANDONED', step }),
      onCommit: (c) => {
        const m = task.metrics;
        m.commitSeconds.observe({ step: 'send' }, c.sendMs / 1000);
        m.commitSeconds.observe({ step: 'offsets' }, c.offsetsMs / 1000);
        m.commitSeconds.observe({ step: 'commit' }, c.commitMs / 1000);
        m.commitRecords.inc(undefined, c.inputRecords);
      },
      ...(config.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: config.sessionTimeoutMs } : {}),
      ...(config.exactlyOnce ? { transactionalId: `${config.groupId}-${config.instanceId}` } : {}),
    }, task);
    const { stopped } = await loop.start();
    return {
      topics, serde, slot, task, transport, mode: loop.mode, quarantine, rates, stopped,
      async close() {
        await loop.close();
        await watcher.close();
        await quarantine.close();
        await rates.close();
        await plainProducer.close();
      },
    };
  } catch (error) {
    for (const close of opened.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
