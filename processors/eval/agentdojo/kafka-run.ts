// evaluateAgentDojoOverKafka: the second mode of `arbiter eval`. The same trajectories, inputs and scoring as the
// in-process mode (run.ts), but every call goes through the running pipeline: the agent SDK proposes it on the
// proposals topic, the verdict processor decides it with the session state it keeps (changelog-backed), escalations
// are answered on the approvals topic by the evaluation's approver (approve benign, reject attack calls), and the
// agent reports each call's result (volumes per label, untrusted sources, the destinations and named values the output
// showed). The user's prompt is declared as trusted context (session.declareTrusted: the destinations and values the
// in-process replay trusts). Like the in-process mode, every recorded call is proposed and its result reported even
// when it was blocked, so later calls are still judged. Sessions run in parallel. Order within a session is the
// in-process one: each proposal carries the session's unacknowledged results and trusted context (the SDK's outbox),
// so the processor folds them before deciding it; an approval resolution travels on the approvals topic alone, so
// after an escalation the driver waits until the processor has folded it (kafka-fold-barrier.ts) before reporting
// the call's result. Each call's decision is then compared with the in-process replay of the same steps, and every
// difference is reported.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ArbiterError } from '../../core/errors.ts';
import type { Decision } from '../../core/types.ts';
import type { KafkaClientName } from '../../runtime/transport/index.ts';
import type { AgentVerdict } from '../../sdk/index.ts';
import { replay, type ReplayStep } from '../../trajectory/replay.ts';
import type { Trajectory } from './dataset.ts';
import { loadIntentDeclarer } from './intent.ts';
import { deleteTopics, laneTopicPrefix, startLane, type KafkaLane } from './kafka-pipeline.ts';
import { loadSuiteBundles, SUITES, trajectorySets, type SetReport } from './run.ts';
import { add, emptyScore, scoreAttack, scoreBenign, type SuiteScore } from './score.ts';
import { stepsOf, type OutputModel } from './steps.ts';

export interface KafkaEvalOptions {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly kafkaClient: KafkaClientName;
  /** Topics are `<topicPrefix>-<run id>-<suite>.*` (default "arbiter-eval"). */
  readonly topicPrefix?: string;
  /** Partitions of the session-keyed topics (default 3). */
  readonly partitions?: number;
  /** Sessions in flight at once (default 32). */
  readonly concurrency?: number;
  /** SDK verdict and approval wait, ms (default 60 s). */
  readonly deadlineMs?: number;
  /** Also run every set under the pessimistic output model (set keys "pessimistic:..."). */
  readonly pessimistic?: boolean;
  /** Only the trajectories of these suites, and only their lanes (default: every suite). */
  readonly suites?: readonly string[];
  /** Keep the run's topics (default: deleted at the end). */
  readonly keepTopics?: boolean;
  readonly log?: (component: string, event: string, detail: Record<string, unknown>) => void;
  /** Called every few seconds with the trajectories done so far. */
  readonly progress?: (done: number, of: number) => void;
}

/** One call whose Kafka decision is not the in-process one (or that failed on the way). */
export interface CallDifference {
  readonly set: string;
  readonly trajectory: string;
  readonly call: number;
  readonly tool: string;
  readonly inProcess: string;
  readonly kafka: string;
}

export interface KafkaEvalReport {
  readonly runId: string;
  readonly topicPrefix: string;
  /** suite -> revision of the bundle the verdict processor activated. */
  readonly bundles: ReadonlyMap<string, string>;
  readonly sets: readonly SetReport[];
  /** The same sets scored from the in-process replay of the same steps. */
  readonly inProcessSets: readonly SetReport[];
  readonly differences: readonly CallDifference[];
  readonly trajectories: number;
  readonly calls: number;
  readonly escalations: number;
  /** From the first proposal to the last result folded, ms. */
  readonly elapsedMs: number;
  /** propose() to verdict, ms: median and 99th percentile over every call. */
  readonly verdictMs: { readonly p50: number; readonly p99: number };
  /** Fold-barrier rounds (one per escalation, coalesced across sessions) and their mean wait. */
  readonly foldRounds: number;
  readonly foldMeanMs: number;
}

interface Item {
  readonly set: string;
  readonly t: Trajectory;
  readonly steps: readonly ReplayStep[];
  readonly trustedDestinations: readonly string[];
  readonly trustedValues: readonly string[];
  readonly inProcess: readonly Decision[];
}

const show = (d: Decision | undefined): string => (d === undefined ? 'nothing' : `${d.effect}${d.ruleIds.length > 0 ? ` (${d.ruleIds.join(', ')})` : ''}`);

function decisionOf(v: AgentVerdict): Decision {
  return {
    effect: v.effect, ruleIds: v.ruleIds, reasons: v.reasons, modifications: v.modifications, shadow: [], bundleRevision: v.bundleRevision,
    factsUsed: [], ...(v.errorCode !== '' ? { errorCode: v.errorCode } : {}),
  };
}

function sameDecision(a: Decision, b: Decision): boolean {
  return a.effect === b.effect && a.ruleIds.join('\n') === b.ruleIds.join('\n') && a.reasons.join('\n') === b.reasons.join('\n');
}

/** One trajectory through the SDK; returns the processor's decision per call and what went wrong on the way. */
async function drive(lane: KafkaLane, item: Item, sessionId: string, waitMs: number, latencies: number[]): Promise<{ decisions: Decision[]; problems: string[]; escalations: number }> {
  const first = item.steps[0]?.proposal;
  const decisions: Decision[] = [];
  const problems: string[] = [];
  let escalations = 0;
  if (first === undefined) return { decisions, problems, escalations };
  const session = lane.client.session({ sessionId, agentId: first.agentId, userId: first.userId, tenantId: first.tenantId,
    agentRole: first.agentRole, environment: first.environment, intent: first.intent });
  session.declareTrusted({ destinations: item.trustedDestinations, values: item.trustedValues });
  for (const [i, step] of item.steps.entries()) {
    let v = await session.propose({ tool: step.proposal.tool, args: step.proposal.args }, { approvalWaitMs: 0 });
    latencies.push(v.latencyMs);
    if (v.source !== 'processor') problems.push(`call ${i}: no verdict from the processor (${v.errorCode}: ${v.reasons.join('; ')})`);
    decisions.push(decisionOf(v));
    if (v.effect === 'escalate') {
      escalations++;
      const approve = step.approve === true;
      lane.approver.answer(v.proposalId, approve);
      v = await session.awaitApproval(v, waitMs);
      const want = approve ? 'approved' : 'rejected';
      if (v.approval?.status !== want) problems.push(`call ${i}: approval ${v.approval?.approvalId ?? '?'} is ${v.approval?.status ?? 'missing'}, not ${want}`);
      await lane.barrier.passed(); // the resolution folded before this call's result and the next call (in-process order)
    }
    const r = step.result;
    if (r === undefined) continue;
    await session.reportResult(v, { outcome: 'success', recordsRead: r.recordsRead, bytesRead: r.bytesRead, untrustedSources: r.untrustedSources,
      destinationsSeen: r.destinationsSeen, valuesSeen: r.valuesSeen });
  }
  return { decisions, problems, escalations };
}

function scoreSets(items: readonly Item[], decisionsOf: (item: Item) => readonly Decision[], names: ReadonlyMap<string, string>): SetReport[] {
  const sets = new Map<string, { suites: Map<string, SuiteScore>; total: SuiteScore }>();
  for (const item of items) {
    let set = sets.get(item.set);
    if (set === undefined) {
      set = { suites: new Map(SUITES.map((s) => [s, emptyScore()])), total: emptyScore() };
      sets.set(item.set, set);
    }
    const decisions = decisionsOf(item);
    const outcome = item.t.injectionTaskId === null ? scoreBenign(item.t, decisions) : scoreAttack(item.t, decisions);
    add(set.suites.get(item.t.suite) as SuiteScore, item.t, outcome);
    add(set.total, item.t, outcome);
  }
  return [...sets].map(([key, s]) => ({ key, name: names.get(key) ?? key, suites: s.suites, total: s.total }));
}

export async function evaluateAgentDojoOverKafka(dataDir: string, policyDir: string, o: KafkaEvalOptions): Promise<KafkaEvalReport> {
  const log = o.log ?? (() => undefined);
  const bundles = loadSuiteBundles(policyDir);
  const declare = loadIntentDeclarer(join(policyDir, 'intents.yaml'));
  const models: OutputModel[] = o.pessimistic === true ? ['injected', 'pessimistic'] : ['injected'];
  const suites: readonly string[] = o.suites ?? SUITES;
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new ArbiterError('ARB_CONFIG_INVALID', `unknown suite(s) ${unknown.join(', ')}: the suites are ${SUITES.join(', ')}`, { key: 'suites' });
  const names = new Map<string, string>();
  const items: Item[] = [];
  for (const model of models) {
    for (const [key, name, ts] of trajectorySets(dataDir)) {
      const setKey = model === 'injected' ? key : `pessimistic:${key}`;
      names.set(setKey, model === 'injected' ? name : `${name}, pessimistic output model`);
      for (const t of ts) {
        if (!suites.includes(t.suite)) continue;
        const bundle = bundles.get(t.suite);
        if (bundle === undefined) throw new Error(`unknown suite "${t.suite}" in ${t.id}`);
        const { steps, trustedDestinations, trustedValues } = stepsOf(t, declare(t.prompt), (tool) => bundle.tools.get(tool), model);
        const inProcess = replay(bundle, steps, { trustedDestinations, trustedValues, applyBlockedResults: true }).steps.map((s) => s.decision);
        items.push({ set: setKey, t, steps, trustedDestinations, trustedValues, inProcess });
      }
    }
  }

  const runId = randomUUID().slice(0, 8);
  const topicPrefix = `${o.topicPrefix ?? 'arbiter-eval'}-${runId}`;
  const deadlineMs = o.deadlineMs ?? 60_000;
  const lanes = new Map<string, KafkaLane>();
  const kafkaDecisions = new Map<Item, readonly Decision[]>();
  const differences: CallDifference[] = [];
  const latencies: number[] = [];
  let escalations = 0;
  let elapsedMs = 0;
  try {
    // One lane after the other: concurrent first registrations of a subject can fail on the registry.
    for (const suite of suites) {
      lanes.set(suite, await startLane(suite, { brokers: o.brokers, registryUrl: o.registryUrl, kafkaClient: o.kafkaClient, topicPrefix,
        partitions: o.partitions ?? 3, policyDir, deadlineMs, log }));
    }

    const begin = performance.now();
    let next = 0;
    let done = 0;
    const ticker = setInterval(() => o.progress?.(done, items.length), 5_000);
    const worker = async (): Promise<void> => {
      for (let n = next++; n < items.length; n = next++) {
        const item = items[n] as Item;
        const lane = lanes.get(item.t.suite) as KafkaLane;
        const out = await drive(lane, item, `${item.set}/${item.t.id}`, deadlineMs, latencies);
        kafkaDecisions.set(item, out.decisions);
        escalations += out.escalations;
        for (const problem of out.problems) differences.push({ set: item.set, trajectory: item.t.id, call: -1, tool: '', inProcess: '', kafka: problem });
        done++;
      }
    };
    try {
      await Promise.all(Array.from({ length: o.concurrency ?? 32 }, worker));
    } finally {
      clearInterval(ticker);
    }
    elapsedMs = performance.now() - begin;
  } finally {
    for (const lane of lanes.values()) await lane.close();
    if (o.keepTopics !== true) {
      // Every suite's prefix, started or not: a lane that failed half way may have created topics already.
      await deleteTopics(o.brokers, suites.map((suite) => laneTopicPrefix(topicPrefix, suite))).catch((e: unknown) => log('eval', 'delete-topics-failed', { error: String(e) }));
    }
  }

  let calls = 0;
  for (const item of items) {
    const got = kafkaDecisions.get(item) ?? [];
    item.inProcess.forEach((want, i) => {
      calls++;
      const d = got[i];
      if (d === undefined || !sameDecision(want, d)) {
        differences.push({ set: item.set, trajectory: item.t.id, call: i, tool: item.steps[i]?.proposal.tool ?? '?',
          inProcess: `${show(want)}: ${want.reasons.join('; ')}`, kafka: d === undefined ? 'nothing' : `${show(d)}: ${d.reasons.join('; ')}` });
      }
    });
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const rounds = [...lanes.values()].reduce((n, l) => n + l.barrier.stats.rounds, 0);
  const waited = [...lanes.values()].reduce((n, l) => n + l.barrier.stats.waitedMs, 0);
  return {
    runId, topicPrefix, bundles: new Map([...lanes].map(([s, l]) => [s, l.revision])),
    sets: scoreSets(items, (item) => kafkaDecisions.get(item) ?? [], names),
    inProcessSets: scoreSets(items, (item) => item.inProcess, names),
    differences, trajectories: items.length, calls, escalations, elapsedMs, verdictMs: { p50: at(0.5), p99: at(0.99) },
    foldRounds: rounds, foldMeanMs: rounds === 0 ? 0 : waited / rounds,
  };
}
