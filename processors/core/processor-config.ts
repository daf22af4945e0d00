// The settings every stream processor (verdict, aggregator, ...) reads the same way, and the typed readers their
// own settings use. Pure: the caller passes the environment in; a bad value throws an ArbiterError with the caller's
// code, naming the key. Endpoints (KAFKA_BROKERS, SCHEMA_REGISTRY_URL) come from processors/core/config.ts.
import { loadStackConfig, type Env } from './config.ts';
import type { RegistryAuth } from './kafka-security-config.ts';
import type { KafkaSecurity } from '../runtime/transport/transport.ts';
import { ArbiterError, type ErrorCode } from './errors.ts';
import { KAFKA_CLIENT_ENV, parseKafkaClient, type KafkaClientName } from '../runtime/transport/index.ts';

export interface ProcessorSettings {
  /** KAFKA_BROKERS: comma-separated host:port list (default the local stack's). */
  readonly brokers: readonly string[];
  /** SCHEMA_REGISTRY_URL: Confluent-compatible registry base URL (Apicurio: .../apis/ccompat/v7). */
  readonly registryUrl: string;
  /** SCHEMA_REGISTRY_USERNAME/PASSWORD(_FILE), SCHEMA_REGISTRY_CA_FILE (docs/security.md). */
  readonly registryAuth?: RegistryAuth;
  /** KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_* (docs/security.md); pass it on as TransportConfig.security. */
  readonly kafkaSecurity?: KafkaSecurity;
  /** ARBITER_KAFKA_CLIENT: kafkajs | confluent | platformatic. */
  readonly kafkaClient: KafkaClientName;
  /** ARBITER_TOPIC_PREFIX (default "arbiter"). */
  readonly topicPrefix: string;
  /** ARBITER_PARTITIONS: partitions of the session-keyed topics (default 6). */
  readonly partitions: number;
  /** ARBITER_REPLICATION (default 1). */
  readonly replicationFactor: number;
  /** ARBITER_INSTANCE_ID: stable per instance; names the Kafka client and transactional id (default host name + pid). */
  readonly instanceId: string;
  /** ARBITER_RESTORE_TIMEOUT_MS: longest a changelog restore may take before the processor fails (default 120000). */
  readonly restoreTimeoutMs: number;
  /** ARBITER_SESSION_TIMEOUT_MS: consumer group session timeout: how long a crashed instance keeps its partitions
   *  before a restarted one gets them (unset: the client's default; the broker's minimum is usually 6000). */
  readonly sessionTimeoutMs?: number;
}

export function positiveInt(env: Env, key: string, fallback: number, code: ErrorCode = 'ARB_CONFIG_INVALID'): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ArbiterError(code, `${key}="${raw}" must be a positive integer`, { key });
  return n;
}

export function booleanSetting(env: Env, key: string, fallback: boolean, code: ErrorCode = 'ARB_CONFIG_INVALID'): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ArbiterError(code, `${key}="${raw}" must be true or false`, { key });
}

/** The shared settings; `code` is the error code of the calling processor's configuration errors. */
export function processorSettingsFromEnv(env: Env, code: ErrorCode = 'ARB_CONFIG_INVALID'): ProcessorSettings {
  const stack = loadStackConfig(env);
  return {
    brokers: stack.kafka.brokers,
    registryUrl: stack.registry.url,
    registryAuth: stack.registry.auth,
    kafkaSecurity: stack.kafka.security,
    kafkaClient: parseKafkaClient(env[KAFKA_CLIENT_ENV]),
    topicPrefix: env['ARBITER_TOPIC_PREFIX'] || 'arbiter',
    partitions: positiveInt(env, 'ARBITER_PARTITIONS', 6, code),
    replicationFactor: positiveInt(env, 'ARBITER_REPLICATION', 1, code),
    instanceId: env['ARBITER_INSTANCE_ID'] || `${env['HOSTNAME'] ?? 'host'}-${process.pid}`,
    restoreTimeoutMs: positiveInt(env, 'ARBITER_RESTORE_TIMEOUT_MS', 120_000, code),
    ...(env['ARBITER_SESSION_TIMEOUT_MS'] ? { sessionTimeoutMs: positiveInt(env, 'ARBITER_SESSION_TIMEOUT_MS', 30_000, code) } : {}),
  };
}
