// Settings of the approvals service and of `arbiter approvals`, validated once from the environment.
import { ArbiterError } from '../core/errors.ts';
import { parseBrokers } from '../runtime/transport/brokers.ts';
import { KAFKA_CLIENT_ENV, parseKafkaClient, type KafkaClientName } from '../runtime/transport/index.ts';

export interface ApprovalsConfig {
  /** KAFKA_BROKERS: comma-separated host:port list. */
  readonly brokers: readonly string[];
  /** SCHEMA_REGISTRY_URL: Confluent-compatible registry base URL. */
  readonly registryUrl: string;
  /** ARBITER_KAFKA_CLIENT: kafkajs | confluent | platformatic. */
  readonly kafkaClient: KafkaClientName;
  /** ARBITER_TOPIC_PREFIX (default "arbiter"). */
  readonly topicPrefix: string;
  /** ARBITER_PARTITIONS: partitions of the session-keyed topics (default 6; must match the verdict processor). */
  readonly partitions: number;
}

export function approvalsConfigFromEnv(env: NodeJS.ProcessEnv): ApprovalsConfig {
  const registryUrl = env['SCHEMA_REGISTRY_URL'] ?? '';
  if (!/^https?:\/\//.test(registryUrl)) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `SCHEMA_REGISTRY_URL="${registryUrl}" must be an http(s) URL`, { key: 'SCHEMA_REGISTRY_URL' });
  }
  const partitions = Number(env['ARBITER_PARTITIONS'] || '6');
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `ARBITER_PARTITIONS="${env['ARBITER_PARTITIONS']}" must be a positive integer`, { key: 'ARBITER_PARTITIONS' });
  }
  return {
    brokers: parseBrokers(env['KAFKA_BROKERS']), registryUrl, kafkaClient: parseKafkaClient(env[KAFKA_CLIENT_ENV]),
    topicPrefix: env['ARBITER_TOPIC_PREFIX'] || 'arbiter', partitions,
  };
}
