// Settings of the approvals service and of `arbiter approvals`, validated once from the environment. Endpoints
// follow processors/core/config.ts (defaults: the local stack); the environment wins over .run/stack.env.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackConfig, mergeEnv, parseStackEnv } from '../core/config.ts';
import { ArbiterError } from '../core/errors.ts';
import type { RegistryAuth } from '../core/kafka-security-config.ts';
import type { KafkaSecurity } from '../runtime/transport/transport.ts';
import { KAFKA_CLIENT_ENV, parseKafkaClient, type KafkaClientName } from '../runtime/transport/index.ts';

export interface ApprovalsConfig {
  /** KAFKA_BROKERS: comma-separated host:port list (default: .run/stack.env, else localhost:9092). */
  readonly brokers: readonly string[];
  /** SCHEMA_REGISTRY_URL: Confluent-compatible registry base URL (default: .run/stack.env, else the local registry). */
  readonly registryUrl: string;
  /** TLS/SASL towards Kafka and the registry's auth (docs/security.md); absent: none. */
  readonly kafkaSecurity?: KafkaSecurity;
  readonly registryAuth?: RegistryAuth;
  /** ARBITER_KAFKA_CLIENT: kafkajs | confluent | platformatic. */
  readonly kafkaClient: KafkaClientName;
  /** ARBITER_TOPIC_PREFIX (default "arbiter"). */
  readonly topicPrefix: string;
  /** ARBITER_PARTITIONS: partitions of the session-keyed topics (default 6; must match the verdict processor). */
  readonly partitions: number;
}

const STACK_ENV = join(import.meta.dirname, '..', '..', '.run', 'stack.env');

/** The process environment over the local stack's .run/stack.env (when it exists). */
export function withLocalStack(processEnv: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...mergeEnv(existsSync(STACK_ENV) ? parseStackEnv(readFileSync(STACK_ENV, 'utf8'), STACK_ENV) : {}, processEnv) };
}

/** Pure: validates the settings in `env` (pass withLocalStack(process.env) to include the local stack's endpoints). */
export function approvalsConfigFromEnv(env: NodeJS.ProcessEnv): ApprovalsConfig {
  const stack = loadStackConfig(env);
  const partitions = Number(env['ARBITER_PARTITIONS'] || '6');
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `ARBITER_PARTITIONS="${env['ARBITER_PARTITIONS']}" must be a positive integer`, { key: 'ARBITER_PARTITIONS' });
  }
  return {
    brokers: stack.kafka.brokers, registryUrl: stack.registry.url, kafkaSecurity: stack.kafka.security, registryAuth: stack.registry.auth, kafkaClient: parseKafkaClient(env[KAFKA_CLIENT_ENV]),
    topicPrefix: env['ARBITER_TOPIC_PREFIX'] || 'arbiter', partitions,
  };
}
