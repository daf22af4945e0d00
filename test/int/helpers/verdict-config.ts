// The in-process verdict processor configuration the integration tests share: the local servers (from the
// environment), two partitions, group `<prefix>-verdict`, one instance, bundles trusted under key id k1, the transport
// and delivery mode the run selects; `over` for what a test varies (value size limit, delivery, instance id).
import { localBrokers } from '../../../bench/kafka-clients/local-brokers.ts';
import { localRegistryUrl } from '../../../processors/runtime/serde/registry.ts';
import { parseKafkaClient } from '../../../processors/runtime/transport/index.ts';
import type { VerdictConfig } from '../../../processors/verdict/index.ts';

export function testVerdictConfig(prefix: string, bundleName: string, publicKeyPem: string, over: Partial<VerdictConfig> = {}): VerdictConfig {
  return {
    brokers: localBrokers(), registryUrl: localRegistryUrl(), kafkaClient: parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']),
    topicPrefix: prefix, partitions: 2, replicationFactor: 1, groupId: `${prefix}-verdict`, instanceId: 'one', bundleName,
    trustedKeys: { k1: publicKeyPem }, bundleWaitMs: 60_000, restoreTimeoutMs: 60_000, maxValueBytes: 1_048_576,
    replyTopics: new Map(), exactlyOnce: process.env['ARBITER_EXACTLY_ONCE'] !== 'false', ...over,
  };
}
