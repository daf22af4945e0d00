// Every Kafka topic Arbiter uses, in one place: name, key, value schema, partitions, cleanup and retention.
// Proposals, results, approvals and session-state are co-partitioned (same key = session id, same partition
// count): the instance owning a session's partition owns its state, with no remote lookups on the verdict path.
// ensureArbiterTopics() creates them at startup and refuses to run when co-partitioning does not hold.
import { ArbiterError } from '../core/errors.ts';
import type { SchemaName } from '../../schemas/catalogue.ts';
import type { TopicSpec, TransportAdmin } from './transport/transport.ts';

export type TopicRole =
  | 'proposals' | 'verdicts' | 'results' | 'decisions' | 'approvals' | 'sessionState' | 'alerts' | 'policyBundles'
  | 'dlqProposals' | 'dlqResults' | 'dlqApprovals' | 'dlqPolicyBundles';

/** The value schema of each topic role. */
export const ROLE_SCHEMAS = {
  proposals: 'ToolCallProposal', verdicts: 'Verdict', results: 'ToolCallResult', decisions: 'DecisionRecord',
  approvals: 'ApprovalEvent', sessionState: 'SessionStateSnapshot', alerts: 'TrajectoryAlert',
  policyBundles: 'PolicyBundleActivated', dlqProposals: 'DeadLetter', dlqResults: 'DeadLetter',
  dlqApprovals: 'DeadLetter', dlqPolicyBundles: 'DeadLetter',
} as const satisfies Record<TopicRole, SchemaName>;

export interface TopicDef<N extends SchemaName = SchemaName> extends TopicSpec {
  readonly role: TopicRole;
  /** What the record key is (documentation; the producer sets it). */
  readonly key: string;
  /** Avro value schema; registered under subject `<topic>-value` (TopicNameStrategy). */
  readonly valueSchema: N;
  /** Must have the same partition count as the other co-partitioned topics. */
  readonly coPartitioned: boolean;
}

export interface TopicSettings {
  /** Name prefix; tests use a unique one per run. */
  readonly prefix: string;
  /** Partitions of the co-partitioned (session-keyed) topics and of verdicts/decisions. */
  readonly partitions: number;
  readonly replicationFactor: number;
}

export const DEFAULT_TOPIC_SETTINGS: TopicSettings = { prefix: 'arbiter', partitions: 6, replicationFactor: 1 };

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

const deleteAfter = (ms: number): Record<string, string> => ({ 'cleanup.policy': 'delete', 'retention.ms': String(ms) });
/** Compacted: keeps the latest value per key; tombstones are kept a day so restorers see deletes. */
const COMPACT: Record<string, string> = {
  'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0', 'delete.retention.ms': String(DAY_MS), 'segment.ms': String(HOUR_MS),
};

export type TopicMap = { readonly [R in TopicRole]: TopicDef<(typeof ROLE_SCHEMAS)[R]> };

/** The full topic set for the given settings. Pure. */
export function defineTopics(settings: TopicSettings = DEFAULT_TOPIC_SETTINGS): TopicMap {
  if (!Number.isInteger(settings.partitions) || settings.partitions < 1) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `topic partitions must be a positive integer, got ${settings.partitions}`, { key: 'topics.partitions' });
  }
  const p = settings.prefix;
  const n = settings.partitions;
  const def = <R extends TopicRole>(role: R, suffix: string, key: string, partitions: number,
    configs: Record<string, string>, coPartitioned: boolean): TopicDef<(typeof ROLE_SCHEMAS)[R]> => ({
    role, topic: `${p}.${suffix}`, key, valueSchema: ROLE_SCHEMAS[role], partitions,
    replicationFactor: settings.replicationFactor, configs, coPartitioned,
  });
  return {
    proposals: def('proposals', 'proposals', 'session id', n, deleteAfter(3 * DAY_MS), true),
    verdicts: def('verdicts', 'verdicts', 'session id', n, deleteAfter(6 * HOUR_MS), false),
    results: def('results', 'results', 'session id', n, deleteAfter(3 * DAY_MS), true),
    decisions: def('decisions', 'decisions', 'session id', n, deleteAfter(4 * WEEK_MS), false),
    approvals: def('approvals', 'approvals', 'session id', n, deleteAfter(4 * WEEK_MS), true),
    sessionState: def('sessionState', 'session-state', 'session id', n, COMPACT, true),
    alerts: def('alerts', 'alerts', 'agent or tenant id', n, deleteAfter(4 * WEEK_MS), false),
    policyBundles: def('policyBundles', 'policy-bundles', 'bundle name', 1, COMPACT, false),
    dlqProposals: def('dlqProposals', 'dlq.proposals', 'original key', 1, deleteAfter(4 * WEEK_MS), false),
    dlqResults: def('dlqResults', 'dlq.results', 'original key', 1, deleteAfter(4 * WEEK_MS), false),
    dlqApprovals: def('dlqApprovals', 'dlq.approvals', 'original key', 1, deleteAfter(4 * WEEK_MS), false),
    dlqPolicyBundles: def('dlqPolicyBundles', 'dlq.policy-bundles', 'original key', 1, deleteAfter(4 * WEEK_MS), false),
  };
}

/** Schema registry subject of a topic's values (TopicNameStrategy). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** The DLQ topic for records that fail on `sourceTopic`, or undefined when the topic has none. */
export function dlqFor(topics: TopicMap, sourceTopic: string): TopicDef | undefined {
  if (sourceTopic === topics.proposals.topic) return topics.dlqProposals;
  if (sourceTopic === topics.results.topic) return topics.dlqResults;
  if (sourceTopic === topics.approvals.topic) return topics.dlqApprovals;
  if (sourceTopic === topics.policyBundles.topic) return topics.dlqPolicyBundles;
  return undefined;
}

/** Throws ARB_TOPICS_NOT_COPARTITIONED unless every co-partitioned topic has the same actual partition count. */
export function assertCoPartitioned(topics: TopicMap, actualPartitions: ReadonlyMap<string, number>): void {
  const counts = Object.values(topics).filter((t) => t.coPartitioned)
    .map((t) => ({ topic: t.topic, count: actualPartitions.get(t.topic) }));
  const distinct = new Set(counts.map((c) => c.count));
  if (distinct.size > 1 || distinct.has(undefined)) {
    const detail = counts.map((c) => `${c.topic}=${c.count ?? 'missing'}`).join(', ');
    throw new ArbiterError('ARB_TOPICS_NOT_COPARTITIONED',
      `co-partitioned topics must have one partition count, found ${detail}`, { key: 'topics.partitions' });
  }
}

/** Creates missing topics (existing ones are left alone), then checks co-partitioning against the broker. */
export async function ensureArbiterTopics(admin: TransportAdmin, topics: TopicMap): Promise<void> {
  await admin.ensureTopics(Object.values(topics));
  const actual = new Map<string, number>();
  for (const t of Object.values(topics).filter((d) => d.coPartitioned)) {
    actual.set(t.topic, (await admin.fetchOffsets(t.topic)).length);
  }
  assertCoPartitioned(topics, actual);
}
