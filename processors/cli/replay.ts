// `arbiter replay --policy FILE... [--enforce RULE]...`: what a candidate policy would have decided on the sessions
// recorded on Kafka, next to the active policy. Reads <ARBITER_TOPIC_PREFIX>.proposals, .results, .approvals and
// .decisions up to now (throwaway consumer groups, nothing is written), and the active bundle from .policy-bundles
// (or --active FILE...). The comparison itself is processors/cli/replay-compare.ts. Exit code: 0 no call changes,
// 1 some call would be decided differently, 2 usage or configuration error.
import { parseArgs } from 'node:util';
import type { Effect, ToolCallProposal, ToolCallResult } from '../core/types.ts';
import { ArbiterError } from '../core/errors.ts';
import { processorSettingsFromEnv } from '../core/processor-config.ts';
import { withLocalStack } from '../approvals/config.ts';
import { resolutionGrants } from '../approvals/ledger.ts';
import { compileBundle, type PolicyBundle, type PolicySource } from '../policy/index.ts';
import { createRegistryClient } from '../runtime/serde/registry.ts';
import { proposalFromWire, resultFromWire } from '../runtime/serde/records.ts';
import { TopicSerde } from '../runtime/serde/topic-serde.ts';
import { defineTopics, type TopicMap } from '../runtime/topics.ts';
import { createTransport } from '../runtime/transport/index.ts';
import type { InRecord, KafkaTransport } from '../runtime/transport/transport.ts';
import { TopicTail } from '../sdk/topic-tail.ts';
import { signedOf } from '../verdict/policy-engine.ts';
import { kafkaUnreachable, usageError } from './failure.ts';
import { formatProblem, readSources } from './policy.ts';
import { compareBundles, promote, renderReplay, type RecordedSession, type RecordedStep } from './replay-compare.ts';

export const REPLAY_USAGE = `usage: arbiter replay --policy FILE... [--enforce RULE_ID]... [--active FILE...] [--bundle NAME] [--examples N] [--json]
  Replays the sessions recorded on <ARBITER_TOPIC_PREFIX>.proposals/.results/.approvals (up to now) through the active
  policy and through a candidate, and lists every call the candidate would decide differently.
  --policy FILE      the candidate bundle's files (layers, base first); repeat for each file
  --enforce RULE_ID  treat this observe/warn rule of the candidate as enforce (observe → warn → enforce: see what
                     enforcing it would refuse before you publish it); repeatable
  --active FILE      the active policy's files (default: the bundle --bundle NAME last activated on .policy-bundles)
  --bundle NAME      which activated bundle is the active one (default: default)
  --examples N       list N changed calls (default 20)
  Endpoints and topics as for the processors (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, ARBITER_TOPIC_PREFIX, ...).
  Replay starts each session empty and applies the user's declared trusted context first; aggregator rate facts are
  not replayed; an escalation keeps its recorded answer, and one nobody answered live counts as rejected. The first
  lines say how often the active policy's replay matches the recorded decisions.`;

interface Recording {
  readonly proposals: Array<{ partition: number; offset: bigint; proposal: ToolCallProposal; trusted: { destinations: readonly string[]; values: readonly string[] }[] }>;
  readonly results: Map<string, ToolCallResult>;
  readonly approvals: Map<string, boolean>;
  readonly decisions: Map<string, { effect: Effect; ruleIds: readonly string[] }>;
  active?: { name: string; sources: PolicySource[] };
}

/** The clients' words for a topic the broker does not have (kafkajs, librdkafka, platformatic). */
const UNKNOWN_TOPIC = /unknown topic|UNKNOWN_TOPIC|does not host this topic/i;

/** Reads one topic from the beginning up to now through a throwaway group; a topic that does not exist reads empty. */
async function readTopic(transport: KafkaTransport, topic: string, onRecord: (r: InRecord) => Promise<void>): Promise<Undecodable> {
  try {
    return await tailTopic(transport, topic, onRecord);
  } catch (e) {
    if (e instanceof Error && UNKNOWN_TOPIC.test(e.message)) return { count: 0, first: '', missing: true };
    throw e;
  }
}

async function tailTopic(transport: KafkaTransport, topic: string, onRecord: (r: InRecord) => Promise<void>): Promise<Undecodable> {
  const failed: Undecodable = { count: 0, first: '' };
  const tail = await TopicTail.start({
    transport, topic, groupPrefix: 'arbiter-replay', from: 'beginning', onRecord,
    onError: (e, r) => {
      if (failed.count++ === 0) failed.first = `${topic}/${r.partition}@${r.offset}: ${(e as Error).message}`;
    },
  });
  try {
    await tail.caughtUp();
  } finally {
    await tail.close();
  }
  return failed;
}

interface Undecodable {
  count: number;
  first: string;
  /** The topic does not exist. */
  missing?: boolean;
}

async function record(transport: KafkaTransport, serde: TopicSerde, topics: TopicMap, bundleName: string, readActive: boolean): Promise<Recording & { undecodable: Undecodable; proposalsTopicMissing: boolean }> {
  const rec: Recording = { proposals: [], results: new Map(), approvals: new Map(), decisions: new Map() };
  const counts = await Promise.all([
    readTopic(transport, topics.proposals.topic, async (r) => {
      const wire = await serde.decode(topics.proposals, r);
      rec.proposals.push({ partition: r.partition, offset: BigInt(r.offset), proposal: proposalFromWire(wire), trusted: wire.trustedContext.map((t) => ({ destinations: t.destinations, values: t.values })) });
    }),
    readTopic(transport, topics.results.topic, async (r) => {
      const result = resultFromWire(await serde.decode(topics.results, r));
      if (!rec.results.has(result.proposalId)) rec.results.set(result.proposalId, result);
    }),
    readTopic(transport, topics.approvals.topic, async (r) => {
      const { event } = await serde.decode(topics.approvals, r);
      if (!('arbiter.v1.ApprovalResolved' in event)) return;
      const x = event['arbiter.v1.ApprovalResolved'];
      if (!rec.approvals.has(x.proposalId)) rec.approvals.set(x.proposalId, resolutionGrants(x)); // the first resolution wins
    }),
    readTopic(transport, topics.decisions.topic, async (r) => {
      const d = await serde.decode(topics.decisions, r);
      if (!rec.decisions.has(d.proposalId)) rec.decisions.set(d.proposalId, { effect: d.effect, ruleIds: d.ruleIds });
    }),
    readActive ? readTopic(transport, topics.policyBundles.topic, async (r) => {
      const a = await serde.decode(topics.policyBundles, r);
      if (a.bundleName === bundleName) rec.active = { name: a.bundleName, sources: signedOf(a).sources.map((s) => ({ path: s.path, text: s.text })) };
    }) : Promise.resolve({ count: 0, first: '' }),
  ]);
  return { ...rec, proposalsTopicMissing: counts[0].missing === true,
    undecodable: { count: counts.reduce((a, b) => a + b.count, 0), first: counts.find((c) => c.count > 0)?.first ?? '' } };
}

/** Sessions in proposal order (offset order within a partition: a session's proposals share one partition). */
export function sessionsOf(rec: Recording): RecordedSession[] {
  const bySession = new Map<string, { steps: RecordedStep[]; destinations: Set<string>; values: Set<string> }>();
  const sorted = [...rec.proposals].sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  const seen = new Set<string>();
  for (const p of sorted) {
    if (seen.has(p.proposal.proposalId)) continue; // a retried proposal was decided once
    seen.add(p.proposal.proposalId);
    const s = bySession.get(p.proposal.sessionId) ?? { steps: [], destinations: new Set<string>(), values: new Set<string>() };
    for (const t of p.trusted) {
      for (const d of t.destinations) s.destinations.add(d);
      for (const v of t.values) s.values.add(v);
    }
    const id = p.proposal.proposalId;
    const result = rec.results.get(id);
    const approved = rec.approvals.get(id);
    const recorded = rec.decisions.get(id);
    s.steps.push({ proposal: p.proposal, ...(result ? { result } : {}), ...(approved === undefined ? {} : { approved }), ...(recorded ? { recorded } : {}) });
    bySession.set(p.proposal.sessionId, s);
  }
  return [...bySession].map(([sessionId, s]) => ({ sessionId, trustedDestinations: [...s.destinations], trustedValues: [...s.values], steps: s.steps }));
}

function compile(sources: PolicySource[], what: string): PolicyBundle {
  const { bundle, problems } = compileBundle(sources);
  if (bundle !== undefined) return bundle;
  const errors = problems.filter((p) => p.severity === 'error');
  throw new ArbiterError(errors[0]?.code ?? 'ARB_POLICY_NO_SOURCES', `the ${what} policy does not compile:\n${errors.map(formatProblem).join('\n')}`);
}

export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        policy: { type: 'string', multiple: true }, enforce: { type: 'string', multiple: true }, active: { type: 'string', multiple: true },
        bundle: { type: 'string', default: 'default' }, examples: { type: 'string', default: '20' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw usageError(`arbiter replay: ${(e as Error).message}\n${REPLAY_USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    out(REPLAY_USAGE);
    return 0;
  }
  if (v.policy === undefined) throw usageError(`arbiter replay needs the candidate policy: --policy FILE\n${REPLAY_USAGE}`);
  const examples = Number(v.examples);
  if (!Number.isInteger(examples) || examples < 0) throw usageError(`arbiter replay: --examples must be a non-negative integer, got "${v.examples}"`);
  const candidate = compile(promote(readSources(v.policy), v.enforce ?? []), 'candidate');
  const activeFromFiles = v.active === undefined ? undefined : compile(readSources(v.active), 'active');

  const settings = processorSettingsFromEnv(withLocalStack(env));
  const topics = defineTopics({ prefix: settings.topicPrefix, partitions: settings.partitions, replicationFactor: settings.replicationFactor });
  let rec;
  try {
    const transport = await createTransport(settings.kafkaClient, { brokers: settings.brokers, clientId: `arbiter-replay-${process.pid}`, security: settings.kafkaSecurity });
    const serde = new TopicSerde(createRegistryClient(settings.registryUrl, settings.registryAuth), topics);
    rec = await record(transport, serde, topics, v.bundle, activeFromFiles === undefined);
  } catch (e) {
    throw kafkaUnreachable(e, settings.brokers);
  }
  const sessions = sessionsOf(rec);
  if (sessions.length === 0) {
    out(`${rec.proposalsTopicMissing ? 'no topic' : 'no proposals on'} ${topics.proposals.topic}: nothing to replay (ARBITER_TOPIC_PREFIX is "${settings.topicPrefix}")`);
    return 0;
  }
  let active = activeFromFiles;
  if (active === undefined) {
    if (rec.active === undefined) {
      throw new ArbiterError('ARB_POLICY_NO_BUNDLE', `no bundle "${v.bundle}" was ever activated on ${topics.policyBundles.topic}: pass the active policy with --active FILE, or --bundle NAME`);
    }
    active = compile(rec.active.sources, `active (${rec.active.name})`);
  }
  const report = compareBundles(sessions, active, candidate);
  if (v.json) {
    out(JSON.stringify({ active: active.revision, candidate: candidate.revision, sessions: report.sessions, calls: report.calls, fidelity: report.fidelity,
      transitions: Object.fromEntries(report.transitions), changes: report.changes,
      shadow: [...report.shadow.values()].map((t) => ({ ...t, tools: [...t.tools] })), undecodable: rec.undecodable.count }, null, 2));
  } else {
    out(renderReplay(report, active.revision, candidate.revision, examples));
    if (rec.undecodable.count > 0) out(`(${rec.undecodable.count} record(s) could not be decoded and were skipped; the first: ${rec.undecodable.first})`);
  }
  return report.changes.length === 0 ? 0 : 1;
}
