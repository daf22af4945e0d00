// Verdict processor settings, validated once at startup from the environment. Each setting's doc is next to it.
import { ArbiterError } from '../core/errors.ts';
import { loadStackConfig } from '../core/config.ts';
import { KAFKA_CLIENT_ENV, parseKafkaClient, type KafkaClientName } from '../runtime/transport/index.ts';

export interface VerdictConfig {
  /** KAFKA_BROKERS: comma-separated host:port list (processors/core/config.ts; default the local stack's). */
  readonly brokers: readonly string[];
  /** SCHEMA_REGISTRY_URL: Confluent-compatible registry base URL (Apicurio: .../apis/ccompat/v7; default the local stack's). */
  readonly registryUrl: string;
  /** ARBITER_KAFKA_CLIENT: kafkajs | confluent | platformatic. */
  readonly kafkaClient: KafkaClientName;
  /** ARBITER_TOPIC_PREFIX (default "arbiter"). */
  readonly topicPrefix: string;
  /** ARBITER_PARTITIONS: partitions of the session-keyed topics (default 6). */
  readonly partitions: number;
  /** ARBITER_REPLICATION (default 1). */
  readonly replicationFactor: number;
  /** ARBITER_VERDICT_GROUP: consumer group of the verdict processors (default "arbiter-verdict"). */
  readonly groupId: string;
  /** ARBITER_INSTANCE_ID: stable per instance; names the transactional id (default: host name + pid). */
  readonly instanceId: string;
  /** ARBITER_BUNDLE_NAME: which bundle on the bundles topic this processor enforces (default "default"). */
  readonly bundleName: string;
  /** ARBITER_TRUSTED_KEYS: JSON { keyId: publicKeyPem }; when set, bundles must be signed by one of them. */
  readonly trustedKeys: Readonly<Record<string, string>>;
  /** ARBITER_BUNDLE_WAIT_MS: how long startup waits for the first bundle before serving (denying) anyway. */
  readonly bundleWaitMs: number;
  /** ARBITER_RESTORE_TIMEOUT_MS: longest a changelog restore may take before the processor fails. */
  readonly restoreTimeoutMs: number;
  /** ARBITER_MAX_PROPOSAL_BYTES: proposals larger than this are dead-lettered (default 1 MiB). */
  readonly maxValueBytes: number;
  /** ARBITER_REPLY_TOPICS: JSON { topic: partitions } answered besides the verdicts topic. */
  readonly replyTopics: ReadonlyMap<string, number>;
  /** ARBITER_EXACTLY_ONCE: "false" turns transactions off (at least once + dedup by proposal id); default on. */
  readonly exactlyOnce: boolean;
  /** ARBITER_METRICS_PORT: serve /metrics (Prometheus text) and /healthz on this port; unset = not served. */
  readonly metricsPort?: number;
  /** ARBITER_SESSION_TIMEOUT_MS: consumer group session timeout; how long a crashed instance keeps its partitions
   *  before a restarted one gets them (default 30000; the broker's minimum is usually 6000). */
  readonly sessionTimeoutMs?: number;
  /** ARBITER_GROUP_COMMIT: "false" commits each consumed partition run on its own; default (unset here too) on: the runs of one fetch
   *  share one transaction (processors/runtime/stream/loop.ts, docs/decisions.md "Verdict processor"). */
  readonly groupCommit?: boolean;
}

function positiveInt(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ArbiterError('ARB_CONFIG_INVALID', `${key}="${raw}" must be a positive integer`, { key });
  return n;
}

function bool(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ArbiterError('ARB_CONFIG_INVALID', `${key}="${raw}" must be true or false`, { key });
}

function json<T>(env: NodeJS.ProcessEnv, key: string, fallback: T, check: (v: unknown) => v is T): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `${key} is not JSON: ${(error as Error).message}`, { key });
  }
  if (!check(value)) throw new ArbiterError('ARB_CONFIG_INVALID', `${key} has the wrong shape`, { key });
  return value;
}

const isRecordOf = <V>(pred: (v: unknown) => v is V) => (v: unknown): v is Record<string, V> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(pred);

export function verdictConfigFromEnv(env: NodeJS.ProcessEnv): VerdictConfig {
  const stack = loadStackConfig(env);
  const trustedKeys = json(env, 'ARBITER_TRUSTED_KEYS', {}, isRecordOf((v): v is string => typeof v === 'string'));
  const replyTopics = json(env, 'ARBITER_REPLY_TOPICS', {}, isRecordOf((v): v is number => Number.isInteger(v) && (v as number) > 0));
  return {
    brokers: stack.kafka.brokers,
    registryUrl: stack.registry.url,
    kafkaClient: parseKafkaClient(env[KAFKA_CLIENT_ENV]),
    topicPrefix: env['ARBITER_TOPIC_PREFIX'] || 'arbiter',
    partitions: positiveInt(env, 'ARBITER_PARTITIONS', 6),
    replicationFactor: positiveInt(env, 'ARBITER_REPLICATION', 1),
    groupId: env['ARBITER_VERDICT_GROUP'] || 'arbiter-verdict',
    instanceId: env['ARBITER_INSTANCE_ID'] || `${process.env['HOSTNAME'] ?? 'host'}-${process.pid}`,
    bundleName: env['ARBITER_BUNDLE_NAME'] || 'default',
    trustedKeys,
    bundleWaitMs: positiveInt(env, 'ARBITER_BUNDLE_WAIT_MS', 10_000),
    restoreTimeoutMs: positiveInt(env, 'ARBITER_RESTORE_TIMEOUT_MS', 120_000),
    maxValueBytes: positiveInt(env, 'ARBITER_MAX_PROPOSAL_BYTES', 1_048_576),
    replyTopics: new Map(Object.entries(replyTopics)),
    exactlyOnce: bool(env, 'ARBITER_EXACTLY_ONCE', true),
    groupCommit: bool(env, 'ARBITER_GROUP_COMMIT', true),
    ...(env['ARBITER_METRICS_PORT'] ? { metricsPort: positiveInt(env, 'ARBITER_METRICS_PORT', 0) } : {}),
    ...(env['ARBITER_SESSION_TIMEOUT_MS'] ? { sessionTimeoutMs: positiveInt(env, 'ARBITER_SESSION_TIMEOUT_MS', 30_000) } : {}),
  };
}
