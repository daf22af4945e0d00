// SDK options, validated once in ArbiterClient.connect(). Each option's doc is next to it.
import { ArbiterError, type Problem } from '../core/errors.ts';
import { KAFKA_SECURITY_SETTINGS, kafkaSecurityFromEnv, registryAuthFromEnv, type RegistryAuth } from '../core/kafka-security-config.ts';
import type { KafkaSecurity } from '../runtime/transport/transport.ts';
import { parseBrokers } from '../runtime/transport/brokers.ts';
import { parseKafkaClient, type KafkaClientName } from '../runtime/transport/index.ts';

export interface ArbiterClientOptions {
  /** Kafka bootstrap brokers ("host:port", or an array). */
  readonly brokers: string | readonly string[];
  /** Confluent-compatible schema registry base URL. */
  readonly registryUrl: string;
  /** kafkajs | confluent | platformatic (default: the project default). */
  readonly kafkaClient?: string;
  /** Topic name prefix of the Arbiter deployment (default "arbiter"). */
  readonly topicPrefix?: string;
  /** Reply topic (default: the deployment's verdicts topic); the verdict processor must be configured to answer on it. */
  readonly replyTopic?: string;
  /** Reply partition (default: one chosen at random among the reply topic's partitions). */
  readonly replyPartition?: number;
  /** Default verdict wait, ms, when propose() gets no deadlineMs (default 3000). */
  readonly defaultDeadlineMs?: number;
  /** Default approval wait for escalations, ms (default 0: return pending with the approval id). */
  readonly approvalWaitMs?: number;
  /** Tools that may run when no verdict arrives in time: low-risk reads only (default none: every tool fails closed). */
  readonly lowRiskReads?: readonly string[];
  /** Proposals remembered for reportResult()/awaitApproval() (default 10000, oldest forgotten first). */
  readonly remember?: number;
  readonly clock?: () => number;
  /**
   * TLS/SASL towards Kafka and the registry's auth, under the deployables' environment keys (docs/security.md), e.g.
   * { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'arbiter-agent',
   * KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka', KAFKA_SSL_CA_FILE: '/etc/arbiter/ca.pem' }; process.env works too
   * (only those keys are read). Default: PLAINTEXT, no registry auth.
   */
  readonly security?: Readonly<Record<string, string | undefined>>;
}

export interface ClientSettings {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly kafkaClient: KafkaClientName;
  readonly topicPrefix: string;
  readonly replyTopic: string | undefined;
  readonly replyPartition: number | undefined;
  readonly defaultDeadlineMs: number;
  readonly approvalWaitMs: number;
  readonly lowRiskReads: ReadonlySet<string>;
  readonly remember: number;
  readonly clock: () => number;
  readonly kafkaSecurity: KafkaSecurity;
  readonly registryAuth: RegistryAuth;
}

function invalid(key: string, message: string): never {
  throw new ArbiterError('ARB_SDK_CONFIG_INVALID', `${key}: ${message}`, { key });
}

function ms(key: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) invalid(key, `must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/** The security keys validated as a deployable validates them; a problem names the option key, never a password. */
function securitySettings(env: Readonly<Record<string, string | undefined>>, registryUrl: string): { kafkaSecurity: KafkaSecurity; registryAuth: RegistryAuth } {
  const only = Object.fromEntries(Object.keys(KAFKA_SECURITY_SETTINGS).map((k) => [k, env[k]]));
  const problems: Problem[] = [];
  const kafkaSecurity = kafkaSecurityFromEnv(only, problems);
  const registryAuth = registryAuthFromEnv(only, registryUrl, problems);
  const first = problems[0];
  if (first !== undefined) invalid(`security.${first.location?.key ?? '?'}`, problems.map((p) => p.message).join('; '));
  return { kafkaSecurity, registryAuth };
}

export function clientSettings(o: ArbiterClientOptions): ClientSettings {
  const brokers = typeof o.brokers === 'string' ? parseBrokers(o.brokers, 'brokers') : [...o.brokers];
  if (brokers.length === 0) invalid('brokers', 'at least one broker is needed');
  if (!/^https?:\/\//.test(o.registryUrl ?? '')) invalid('registryUrl', `must be an http(s) URL, got "${o.registryUrl}"`);
  if (o.replyPartition !== undefined && (!Number.isInteger(o.replyPartition) || o.replyPartition < 0)) {
    invalid('replyPartition', `must be a partition number, got ${String(o.replyPartition)}`);
  }
  const security = securitySettings(o.security ?? {}, o.registryUrl);
  return {
    ...security,
    brokers, registryUrl: o.registryUrl, kafkaClient: parseKafkaClient(o.kafkaClient),
    topicPrefix: o.topicPrefix ?? 'arbiter', replyTopic: o.replyTopic, replyPartition: o.replyPartition,
    defaultDeadlineMs: ms('defaultDeadlineMs', o.defaultDeadlineMs, 3000, 1),
    approvalWaitMs: ms('approvalWaitMs', o.approvalWaitMs, 0, 0),
    lowRiskReads: new Set(o.lowRiskReads ?? []),
    remember: ms('remember', o.remember, 10_000, 1),
    clock: o.clock ?? Date.now,
  };
}
