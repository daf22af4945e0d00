// SDK options, validated once in ArbiterClient.connect(). Each option's doc is next to it.
import { ArbiterError } from '../core/errors.ts';
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
}

function invalid(key: string, message: string): never {
  throw new ArbiterError('ARB_SDK_CONFIG_INVALID', `${key}: ${message}`, { key });
}

function ms(key: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) invalid(key, `must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

export function clientSettings(o: ArbiterClientOptions): ClientSettings {
  const brokers = typeof o.brokers === 'string' ? parseBrokers(o.brokers, 'brokers') : [...o.brokers];
  if (brokers.length === 0) invalid('brokers', 'at least one broker is needed');
  if (!/^https?:\/\//.test(o.registryUrl ?? '')) invalid('registryUrl', `must be an http(s) URL, got "${o.registryUrl}"`);
  if (o.replyPartition !== undefined && (!Number.isInteger(o.replyPartition) || o.replyPartition < 0)) {
    invalid('replyPartition', `must be a partition number, got ${String(o.replyPartition)}`);
  }
  return {
    brokers, registryUrl: o.registryUrl, kafkaClient: parseKafkaClient(o.kafkaClient),
    topicPrefix: o.topicPrefix ?? 'arbiter', replyTopic: o.replyTopic, replyPartition: o.replyPartition,
    defaultDeadlineMs: ms('defaultDeadlineMs', o.defaultDeadlineMs, 3000, 1),
    approvalWaitMs: ms('approvalWaitMs', o.approvalWaitMs, 0, 0),
    lowRiskReads: new Set(o.lowRiskReads ?? []),
    remember: ms('remember', o.remember, 10_000, 1),
    clock: o.clock ?? Date.now,
  };
}
