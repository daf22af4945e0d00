// The running pipeline the Kafka evaluation drives, one lane per suite (each suite has its own bundle, and a verdict
// processor enforces one bundle): topics under `<prefix>-<suite>`, the suite's policy (base.yaml + <suite>.yaml, the
// sources the in-process mode compiles) signed with a key made for the run and published on the compacted bundles
// topic, the verdict processor started in this process on those topics (processors/verdict, as processors/bin/demo.ts
// starts it) and awaited until ready, the evaluation's approver, an SDK client and a fold barrier. A lane whose start
// meets a loading group coordinator (a broker just restarted) is closed and started again after a pause
// (retryColdCoordinator). close() stops all of it and, unless kept, the run deletes its topics (each run has its own
// topics and groups, so a session never meets state from an earlier run).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { connectApprovals, type ApprovalsConnection } from '../../approvals/connect.ts';
import type { PolicySource } from '../../policy/index.ts';
import type { KafkaClientName } from '../../runtime/transport/index.ts';
import { ArbiterClient } from '../../sdk/index.ts';
import { ensureTopicsAndPublishBundle, retryColdCoordinator, startVerdictReady } from '../../verdict/bundle-publish.ts';
import type { RunningVerdict } from '../../verdict/index.ts';
import { EvalApprover } from './kafka-approver.ts';
import { FoldBarrier } from './kafka-fold-barrier.ts';

export interface KafkaLaneOptions {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly kafkaClient: KafkaClientName;
  /** Topic prefix of this run; each suite's topics are `<prefix>-<suite>.*`. */
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly policyDir: string;
  /** Verdict wait of the SDK, ms (a loaded machine must not turn into no-verdict denies). */
  readonly deadlineMs: number;
  readonly log: (component: string, event: string, detail: Record<string, unknown>) => void;
}

/** What the driver uses for one suite. */
export interface KafkaLane {
  readonly suite: string;
  readonly client: ArbiterClient;
  readonly approver: EvalApprover;
  readonly barrier: FoldBarrier;
  readonly verdict: RunningVerdict;
  /** Revision of the bundle the processor activated. */
  readonly revision: string;
  /** Every topic of this lane is named `<topicPrefix>.<role>` (the processors may add topics of their own). */
  readonly topicPrefix: string;
  close(): Promise<void>;
}

export function suiteSources(policyDir: string, suite: string): PolicySource[] {
  return ['base.yaml', `${suite}.yaml`].map((f) => ({ path: join(policyDir, f), text: readFileSync(join(policyDir, f), 'utf8') }));
}

export const laneTopicPrefix = (runPrefix: string, suite: string): string => `${runPrefix}-${suite}`;

export async function startLane(suite: string, o: KafkaLaneOptions): Promise<KafkaLane> {
  const groupId = `${laneTopicPrefix(o.topicPrefix, suite)}-verdict`;
  return retryColdCoordinator(groupId, () => openLane(suite, o), { log: (event, detail) => o.log(suite, event, detail) });
}

/** One attempt: everything of the lane, or (closed again) the error. */
async function openLane(suite: string, o: KafkaLaneOptions): Promise<KafkaLane> {
  const prefix = laneTopicPrefix(o.topicPrefix, suite);
  const groupId = `${prefix}-verdict`;
  const log = (component: string) => (event: string, detail: Record<string, unknown>) => o.log(`${suite}/${component}`, event, detail);
  const closers: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch((e: unknown) => o.log(suite, 'close-failed', { error: String(e) }));
  };
  try {
    const conn: ApprovalsConnection = await connectApprovals({ brokers: o.brokers, registryUrl: o.registryUrl, kafkaClient: o.kafkaClient, topicPrefix: prefix, partitions: o.partitions }, `agentdojo-eval-${suite}`);
    closers.push(() => conn.producer.close());
    const bundleName = `agentdojo-${suite}`;
    const keys = await ensureTopicsAndPublishBundle(conn, bundleName, suiteSources(o.policyDir, suite), 'agentdojo-eval', 'arbiter eval --kafka');
    // Ready = partitions assigned and restored and the bundle active: a lane never answers "no policy" (fail closed).
    const verdict = await startVerdictReady({
      brokers: o.brokers, registryUrl: o.registryUrl, kafkaClient: o.kafkaClient, topicPrefix: prefix, partitions: o.partitions,
      replicationFactor: 1, groupId, instanceId: `agentdojo-eval-${process.pid}-${suite}`, bundleName,
      trustedKeys: { 'agentdojo-eval': keys.publicKeyPem }, bundleWaitMs: 60_000, restoreTimeoutMs: 120_000, maxValueBytes: 1_048_576,
      replyTopics: new Map(), exactlyOnce: true,
    }, { log: log('verdict') }, 120_000);
    closers.push(() => verdict.close());
    verdict.stopped.catch((error: unknown) => o.log(suite, 'verdict-stopped', { groupId, error: String(error) }));
    const approver = await EvalApprover.start({ ...conn, groupPrefix: `${prefix}-approver`,
      onError: (proposalId, error) => o.log(suite, 'approval-write-failed', { proposalId, error: String(error) }) });
    closers.push(() => approver.close());
    const barrier = await FoldBarrier.connect({ brokers: o.brokers, groupId, topics: [conn.topics.approvals.topic] });
    closers.push(() => barrier.close());
    const client = await ArbiterClient.connect({ brokers: o.brokers, registryUrl: o.registryUrl, kafkaClient: o.kafkaClient,
      topicPrefix: prefix, defaultDeadlineMs: o.deadlineMs, remember: 100_000 });
    closers.push(() => client.close());
    return { suite, client, approver, barrier, verdict, revision: verdict.slot.current?.revision ?? '', topicPrefix: prefix, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Deletes every topic named `<prefix>.*` for the given prefixes, whoever created it (the verdict processor adds
 * topics beside the shared set, e.g. the aggregator's rates). kafkajs admin: the transport interface creates only.
 */
export async function deleteTopics(brokers: readonly string[], prefixes: readonly string[]): Promise<void> {
  const admin = new Kafka({ clientId: `agentdojo-eval-cleanup-${process.pid}`, brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(`${p}.`)));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}
