// The agent-side client. propose() produces a ToolCallProposal (keyed by session id, on the partition partitionFor
// gives, with the correlation headers) and waits for its verdict on the reply partition until the deadline; no verdict in time is a deny (fail closed).
// reportResult() produces the ToolCallResult that feeds the session's trajectory. Escalations wait for the approval
// (or return pending with the approval id; awaitApproval() waits later).
// Reply correlation without races: both tails (verdicts, approvals) start from high-water marks fetched BEFORE their
// consumers join (see topic-tail.ts), and connect() returns only after both are assigned, so a verdict produced
// right after the first propose is never missed. Only records whose proposal-id header we wait for are decoded.
import { randomUUID } from 'node:crypto';
import { ArbiterError } from '../core/errors.ts';
import type { ToolCallProposal } from '../core/types.ts';
import { ApprovalLedger, type LedgerEntry, resolutionGrants } from '../approvals/ledger.ts';
import { partitionFor } from '../runtime/partition-for.ts';
import { NO_ATTACHMENTS, proposalToWire, resultToWire } from '../runtime/serde/records.ts';
import { createRegistryClient } from '../runtime/serde/registry.ts';
import { TopicSerde } from '../runtime/serde/topic-serde.ts';
import { defineTopics, type TopicMap } from '../runtime/topics.ts';
import { createTransport } from '../runtime/transport/index.ts';
import type { InRecord, KafkaTransport, TransportProducer } from '../runtime/transport/transport.ts';
import { correlationHeaders, HEADER_PROPOSAL_ID, UNPROCESSED_PROPOSAL_CODES } from '../verdict/correlation.ts';
import { argsHash } from '../verdict/outcome.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { noVerdict } from './no-verdict.ts';
import { SessionOutbox } from './outbox.ts';
import { clientSettings, type ArbiterClientOptions, type ClientSettings } from './options.ts';
import { destinationsIn, resultOf, valuesIn } from './result.ts';
import { SupervisedTail } from './supervised-tail.ts';
import { TopicTail, type TopicTailOptions } from './topic-tail.ts';
import type { AgentVerdict, ProposeOptions, ReportedResult, SessionIdentity, ToolCall, TrustedDeclaration } from './types.ts';
import { fromVerdict, withApproval } from './verdict-outcome.ts';

interface Remembered {
  readonly session: SessionIdentity;
  readonly call: ToolCall;
  verdict: AgentVerdict;
  /** The proposing handle's outbox: a rejection of this call's approval goes there for the session's next proposal. */
  readonly outbox: SessionOutbox | undefined;
}

/** A bounded map that forgets its oldest entries. */
class Recent<V> extends Map<string, V> {
  readonly #max: number;
  constructor(max: number) {
    super();
    this.#max = max;
  }
  override set(key: string, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (this.size > this.#max) this.delete(this.keys().next().value as string);
    return this;
  }
}

/** Background waits (approval polling): unref'd, they never keep a finished process alive. */
const sleep = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

export class ArbiterClient {
  readonly #s: ClientSettings;
  readonly #topics: TopicMap;
  readonly #serde: TopicSerde;
  readonly #producer: TransportProducer;
  readonly #replyTopic: string;
  readonly #replyPartition: number;
  /** Partitions of the session-keyed topics, as the broker reported them at connect (co-partitioned: one count). */
  readonly #sessionPartitions: number;
  readonly #waiting = new Map<string, (v: Verdict) => void>();
  readonly #approvalWaiters = new Map<string, Set<() => void>>();
  readonly #ledger = new ApprovalLedger(10_000);
  readonly #remembered: Recent<Remembered>;
  #tails: SupervisedTail[] = [];
  #closed = false;

  private constructor(s: ClientSettings, topics: TopicMap, serde: TopicSerde, producer: TransportProducer, replyTopic: string, replyPartition: number,
    sessionPartitions: number) {
    this.#s = s;
    this.#topics = topics;
    this.#serde = serde;
    this.#producer = producer;
    this.#replyTopic = replyTopic;
    this.#replyPartition = replyPartition;
    this.#sessionPartitions = sessionPartitions;
    this.#remembered = new Recent(s.remember);
  }

  /** Validates the options, registers the wire schemas, starts the reply and approval tails. */
  static async connect(options: ArbiterClientOptions): Promise<ArbiterClient> {
    const s = clientSettings(options);
    const transport = await createTransport(s.kafkaClient, { brokers: s.brokers, clientId: `arbiter-sdk-${randomUUID().slice(0, 8)}`, security: s.kafkaSecurity });
    const replyTopic = s.replyTopic ?? defineTopics({ prefix: s.topicPrefix, partitions: 1, replicationFactor: 1 }).verdicts.topic;
    const admin = await transport.admin();
    let partitions: number;
    let sessionPartitions: number;
    try {
      partitions = (await admin.fetchOffsets(replyTopic)).length;
      sessionPartitions = (await admin.fetchOffsets(`${s.topicPrefix}.proposals`)).length;
    } finally {
      await admin.close();
    }
    if (partitions === 0 || sessionPartitions === 0) {
      throw new ArbiterError('ARB_SDK_CONFIG_INVALID', `topics ${replyTopic} / ${s.topicPrefix}.proposals do not exist: start the verdict processor (it creates them) or fix topicPrefix`, { key: 'topicPrefix' });
    }
    if (s.replyPartition !== undefined && s.replyPartition >= partitions) {
      throw new ArbiterError('ARB_SDK_CONFIG_INVALID', `replyPartition ${s.replyPartition} >= ${partitions} partitions of ${replyTopic}`, { key: 'replyPartition' });
    }
    const topics = defineTopics({ prefix: s.topicPrefix, partitions: sessionPartitions, replicationFactor: 1 });
    const serde = new TopicSerde(createRegistryClient(s.registryUrl, s.registryAuth), topics);
    await serde.registerAll();
    const producer = await transport.producer({ idempotent: true });
    const client = new ArbiterClient(s, topics, serde, producer, replyTopic, s.replyPartition ?? Math.floor(Math.random() * partitions), sessionPartitions);
    try {
      await client.#startTails(transport);
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /**
   * Both tails are supervised: one whose consumer stopped (e.g. the broker was down longer than the client retries)
   * is replaced, with backoff, from where it stopped. Meanwhile propose() fails closed at its deadline.
   */
  async #startTails(transport: KafkaTransport): Promise<void> {
    const replies = (from: TopicTailOptions['from']) => TopicTail.start({ transport, topic: this.#replyTopic, groupPrefix: 'arbiter-sdk-replies', from, onRecord: (r) => this.#onReply(r) });
    const approvals = (from: TopicTailOptions['from']) => TopicTail.start({ transport, topic: this.#topics.approvals.topic, groupPrefix: 'arbiter-sdk-approvals', from, onRecord: (r) => this.#onApproval(r) });
    this.#tails = await Promise.all([SupervisedTail.start('now', replies), SupervisedTail.start('now', approvals)]);
  }

  async #onReply(r: InRecord): Promise<void> {
    if (r.partition !== this.#replyPartition) return;
    const id = r.headers[HEADER_PROPOSAL_ID]?.toString('utf8');
    const resolve = id === undefined ? undefined : this.#waiting.get(id);
    if (resolve === undefined) return;
    resolve(await this.#serde.decode(this.#topics.verdicts, r));
  }

  async #onApproval(r: InRecord): Promise<void> {
    const { event } = await this.#serde.decode(this.#topics.approvals, r);
    const refused = this.#ledger.apply(event);
    if (!('arbiter.v1.ApprovalResolved' in event)) return;
    const resolution = event['arbiter.v1.ApprovalResolved'];
    // A rejection the ledger accepted rides on the session's next proposal, so that call is decided knowing it (the
    // processor reads the approvals topic separately and may not have folded it yet). Grants are never carried.
    if (refused === undefined && !resolutionGrants(resolution) && r.value !== null) {
      this.#remembered.get(resolution.proposalId)?.outbox?.addResolution(Buffer.from(r.value));
    }
    for (const wake of this.#approvalWaiters.get(resolution.approvalId) ?? []) wake();
  }

  /** A handle for one agent session; cheap, any number may be open. */
  session(identity: SessionIdentity): AgentSession {
    return new AgentSession(this, identity);
  }

  /** @internal `outbox`: the session handle's unacknowledged results and trusted context, carried by the proposal. */
  async propose(session: SessionIdentity, call: ToolCall, options: ProposeOptions = {}, outbox?: SessionOutbox): Promise<AgentVerdict> {
    this.#open();
    const started = performance.now();
    const budget = options.deadlineMs ?? this.#s.defaultDeadlineMs;
    const now = this.#s.clock();
    const proposal: ToolCallProposal = {
      proposalId: randomUUID(), sessionId: session.sessionId, agentId: session.agentId, userId: session.userId,
      tenantId: session.tenantId, agentRole: session.agentRole, environment: session.environment, tool: call.tool, args: call.args,
      intent: session.intent ?? '', replyTopic: this.#replyTopic, replyPartition: this.#replyPartition,
      deadlineMs: now + budget, createdAtMs: now,
    };
    const attached = outbox?.attachments() ?? NO_ATTACHMENTS;
    const elapsed = () => Math.round(performance.now() - started);
    let arrived!: (v: Verdict) => void;
    const reply = new Promise<Verdict>((resolve) => (arrived = resolve));
    this.#waiting.set(proposal.proposalId, arrived);
    let verdict: AgentVerdict;
    let deadline: NodeJS.Timeout | undefined;
    try {
      type Step = { kind: 'sent' } | { kind: 'failed'; error: unknown } | { kind: 'verdict'; verdict: Verdict } | 'timeout';
      const sent: Promise<Step> = this.#producer.send([{
        topic: this.#topics.proposals.topic, partition: this.#sessionPartition(proposal.sessionId), key: proposal.sessionId, value: this.#serde.encode(this.#topics.proposals, proposalToWire(proposal, attached)),
        headers: correlationHeaders(proposal.proposalId, { topic: this.#replyTopic, partition: this.#replyPartition }),
      }]).then(() => ({ kind: 'sent' as const }), (error: unknown) => ({ kind: 'failed' as const, error }));
      const replied: Promise<Step> = reply.then((v) => ({ kind: 'verdict' as const, verdict: v }));
      // Not unref'd: a process whose only pending work is this call must wait for its verdict (or its deny).
      const timeout = new Promise<'timeout'>((resolve) => (deadline = setTimeout(() => resolve('timeout'), budget)));
      const first = await Promise.race([sent, replied, timeout]);
      const step = first !== 'timeout' && first.kind === 'sent' ? await Promise.race([replied, timeout]) : first;
      if (step === 'timeout') verdict = noVerdict(proposal.proposalId, call, budget, this.#s.lowRiskReads, 'ARB_SDK_NO_VERDICT');
      else if (step.kind === 'verdict') {
        verdict = fromVerdict(call, step.verdict, elapsed());
        if (!UNPROCESSED_PROPOSAL_CODES.has(step.verdict.errorCode)) outbox?.acknowledge(attached);
      }
      else verdict = noVerdict(proposal.proposalId, call, elapsed(), this.#s.lowRiskReads, 'ARB_SDK_SEND_FAILED', step.kind === 'failed' ? String(step.error) : '');
    } finally {
      clearTimeout(deadline);
      this.#waiting.delete(proposal.proposalId);
    }
    this.#remembered.set(proposal.proposalId, { session, call, verdict, outbox });
    const wait = options.approvalWaitMs ?? this.#s.approvalWaitMs;
    if (verdict.approval !== undefined && wait > 0) return this.awaitApproval(proposal.proposalId, wait, started);
    return verdict;
  }

  /** @internal Waits up to waitMs for the approval of an escalated proposal; returns it resolved or still pending. */
  async awaitApproval(proposalId: string, waitMs: number, started = performance.now()): Promise<AgentVerdict> {
    this.#open();
    const known = this.#remembered.get(proposalId);
    const approvalId = known?.verdict.approval?.approvalId;
    if (known === undefined || approvalId === undefined) {
      throw new ArbiterError('ARB_SDK_UNKNOWN_PROPOSAL', `proposal ${proposalId} is not an escalation this client proposed (or it was forgotten)`);
    }
    const expected = argsHash({ args: known.call.args } as ToolCallProposal);
    const resolved = (): LedgerEntry | undefined => {
      const e = this.#ledger.get(approvalId);
      // Scope: the request must be for this very proposal and arguments, whatever the topic says.
      return e !== undefined && e.request.proposalId === proposalId && e.request.argsHash === expected && e.resolution !== undefined ? e : undefined;
    };
    let wake!: () => void;
    const woken = () => new Promise<void>((resolve) => (wake = resolve));
    const waiters = this.#approvalWaiters.get(approvalId) ?? new Set<() => void>();
    this.#approvalWaiters.set(approvalId, waiters);
    const until = performance.now() + waitMs;
    try {
      while (resolved() === undefined && performance.now() < until && !this.#closed) {
        const next = woken();
        waiters.add(wake);
        await Promise.race([next, sleep(Math.min(250, Math.max(1, until - performance.now())))]);
        waiters.delete(wake);
      }
    } finally {
      if (waiters.size === 0) this.#approvalWaiters.delete(approvalId);
    }
    const entry = resolved() ?? this.#ledger.get(approvalId);
    const verdict = withApproval(known.verdict, entry?.request.argsHash === expected ? entry : undefined, Math.round(performance.now() - started));
    known.verdict = verdict;
    return verdict;
  }

  /** @internal The result also goes into `outbox` (before it is produced), so the session's next proposal carries it. */
  async reportResult(session: SessionIdentity, proposalId: string, reported: ReportedResult, outbox?: SessionOutbox): Promise<void> {
    this.#open();
    const known = this.#remembered.get(proposalId);
    if (known === undefined || known.session.sessionId !== session.sessionId) {
      throw new ArbiterError('ARB_SDK_UNKNOWN_PROPOSAL', `proposal ${proposalId} was not proposed by this client in session ${session.sessionId}`);
    }
    const result = resultOf(session, known.verdict, reported, this.#s.clock());
    const value = this.#serde.encode(this.#topics.results, resultToWire(result, reported.durationMs ?? 0, outbox?.nextOrder()));
    outbox?.addResult(value);
    await this.#producer.send([{ topic: this.#topics.results.topic, partition: this.#sessionPartition(session.sessionId), key: session.sessionId, value }]);
  }

  /** Set explicitly, never left to the client's partitioner: the clients disagree (partition-for.ts), and the verdict
   *  processor dead-letters a record that is not on its key's partition. */
  #sessionPartition(sessionId: string): number {
    return partitionFor(sessionId, this.#sessionPartitions);
  }

  /** @internal The client's clock (epoch ms). */
  now(): number {
    return this.#s.clock();
  }

  #open(): void {
    if (this.#closed) throw new ArbiterError('ARB_SDK_CLOSED', 'this ArbiterClient was closed');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiters of this.#approvalWaiters.values()) for (const wake of waiters) wake();
    await Promise.all(this.#tails.map((t) => t.close()));
    await this.#producer.close();
  }
}

/** One agent session: the calls an agent makes while working on one task. */
export class AgentSession {
  readonly #client: ArbiterClient;
  readonly #outbox = new SessionOutbox();
  readonly identity: SessionIdentity;

  constructor(client: ArbiterClient, identity: SessionIdentity) {
    this.#client = client;
    this.identity = identity;
  }

  /** Asks for a verdict. Run the tool only if `proceed`, with the returned `args`. Never throws on a missing verdict. */
  propose(call: ToolCall, options?: ProposeOptions): Promise<AgentVerdict> {
    return this.#client.propose(this.identity, call, options, this.#outbox);
  }

  /** Reports what the call did; acknowledges an applied modification; extracts destinations and values from outputText. */
  reportResult(verdict: AgentVerdict, result: ReportedResult): Promise<void> {
    return this.#client.reportResult(this.identity, verdict.proposalId, result, this.#outbox);
  }

  /**
   * Declares trusted context: what the agent's user wrote (the prompt, the task) and any destinations and values they
   * named. Destinations and named values in `text` are extracted here (the text itself is not sent); they count as
   * trusted in the session from the next proposal on, unless the session saw them first in untrusted content.
   * Returns the destinations.
   */
  declareTrusted(context: TrustedDeclaration): readonly string[] {
    const destinations = destinationsIn(context.text, context.destinations);
    const values = valuesIn(context.text, context.values);
    if (destinations.length > 0 || values.length > 0) this.#outbox.addTrusted({ destinations, values, declaredAtMs: this.#client.now() });
    return destinations;
  }

  /** Waits (up to waitMs) for the approval of an escalated verdict that came back pending. */
  awaitApproval(verdict: AgentVerdict, waitMs: number): Promise<AgentVerdict> {
    return this.#client.awaitApproval(verdict.proposalId, waitMs);
  }
}
