// The verdict processor as a StreamTask over the proposals topic. Per proposal: decode once, dedup by proposal id
// (a retry gets the verdict already sent, and no second decision), decide (pure), then emit the Verdict to the
// proposal's reply address, the hash-chained DecisionRecord to the decisions partition equal to the input
// partition (so one owner appends to each chain), an ApprovalRequested for escalations, and, once per commit, the
// sent verdicts with the changed session states plus the chain head to the changelog (session-store.ts). StreamLoop
// sends all of it with the input offsets in one transaction. Poison records go to the DLQ with the source offset;
// when the correlation headers are readable the agent gets a deny with ARB_VERDICT_UNDECODABLE. A record on a
// session-keyed input topic that is not on the partition its key maps to (partition-for.ts) is poison too
// (ARB_VERDICT_WRONG_PARTITION), checked before decoding. Results and approval
// resolutions (co-partitioned topics, same session key) are folded into the same session state, so the facts the
// policy reads include taint and volume. A proposal also carries the results its SDK handle reported that no verdict
// acknowledged yet (and any declared trusted context); they are folded before deciding, so a result produced just
// before the proposal on the other topic cannot be missed, and sequence numbers make the results-topic copy a no-op
// (trajectory/sequence.ts).
// Restore: when a partition number is first assigned (on any of the three topics), its sessions and chain head
// are read back from the changelog before its first batch; they are dropped when no topic holds it any more.
import { chainNext, genesisHead, type ChainHead } from '../core/chain.ts';
import { ArbiterError, type ErrorCode } from '../core/errors.ts';
import type { ToolCallProposal } from '../core/types.ts';
import type { PolicyBundle } from '../policy/model.ts';
import { partitionFor } from '../runtime/partition-for.ts';
import { decodeAttachments, type DecodedAttachments } from '../runtime/serde/attachments.ts';
import { proposalFromWire, resultFromWire, resultOrderOf } from '../runtime/serde/records.ts';
import type { TopicSerde } from '../runtime/serde/topic-serde.ts';
import { deadLetter, failureOf, type Failure } from '../runtime/stream/dead-letter.ts';
import { poisonFailure, rethrowTransient } from '../runtime/stream/failure-kind.ts';
import type { StreamTask } from '../runtime/stream/loop.ts';
import { OverlayStore } from '../runtime/stream/overlay-store.ts';
import { restorePartitions } from '../runtime/stream/restore.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { Batch, InRecord, KafkaTransport, OutRecord, TransportProducer } from '../runtime/transport/transport.ts';
import { evolve, fold, inTimeOrder, resultReported, trustedInput, type SessionEvent, type SessionState } from '../trajectory/index.ts';
import { verdictMetrics, type VerdictMetrics } from './metrics.ts';
import type { BundleSlot } from './bundle-slot.ts';
import { HEADER_PROPOSAL_ID, readCorrelation, type Correlation, type ReplyAddress } from './correlation.ts';
import { decide, denyFor } from './decide.ts';
import { approvalRequestFor, decisionRecordFor, verdictFor } from './outcome.ts';
import { reviewContextFor } from '../approvals/review-context.ts';
import { resolutionGrants } from '../approvals/ledger.ts';
import type { PolicyEngine } from './policy-port.ts';
import {
  CHAIN_HEAD_KEY, EMPTY_ENTRY, SessionRestore, chainHeadFromSnapshot, chainHeadToSnapshot, entryToSnapshot, findRecent, verdictSlotKey,
  verdictToSnapshot, withVerdict, type RecentVerdict, type SessionEntry,
} from './session-store.ts';

export interface VerdictTaskOptions {
  readonly topics: TopicMap;
  readonly serde: TopicSerde;
  readonly engine: PolicyEngine;
  readonly slot: BundleSlot;
  readonly transport: KafkaTransport;
  /** Plain producer for restore barriers. */
  readonly barrierProducer: TransportProducer;
  readonly groupId: string;
  /** Partitions of the session-keyed topics as the broker has them (default topics.proposals.partitions): a record
   *  on them must be on the partition its key maps to (partition-for.ts). */
  readonly sessionPartitions?: number;
  /** Reply topics the processor answers on, with their partition counts (the verdicts topic is always one). */
  readonly replyTopics: ReadonlyMap<string, number>;
  readonly restoreTimeoutMs: number;
  readonly clock: () => number;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  readonly metrics?: VerdictMetrics;
  /** Agent/tenant quarantines from the aggregator (read only; a broadcast feed fills it). */
  readonly quarantine?: { untilFor(agentId: string, tenantId: string, nowMs: number): number };
  /** Agent/tenant proposals per minute across sessions, from the aggregator (read only; rate-feed.ts fills it). */
  readonly rates?: { ratesFor(agentId: string, tenantId: string, nowMs: number): { agentRatePerMinute: number; tenantRatePerMinute: number } };
}

export interface VerdictStats {
  readonly decided: number;
  readonly duplicates: number;
  readonly folded: number;
  readonly deadLettered: number;
  readonly restoredSessions: number;
  readonly restoreSkipped: number;
}

const HEAD = 'head';

/** Session-keyed topics are co-partitioned by key: a record keyed otherwise would put its state on the wrong partition. */
function keyedBySession(record: InRecord, sessionId: string): void {
  const key = record.key?.toString('utf8');
  if (key !== sessionId) {
    throw new ArbiterError('ARB_VERDICT_KEY_MISMATCH', `record key ${JSON.stringify(key ?? null)} is not its session id ${JSON.stringify(sessionId)}`,
      { topic: record.topic, partition: record.partition, offset: record.offset });
  }
}

/**
 * A proposal's attached trusted context, results and approval rejections as session events, in the order they
 * happened. Only carried resolutions that do not grant are folded: the agent carries them, so they may make the
 * session's facts stricter (a rejected call counts as denied), never looser; grants come from the approvals topic.
 */
function attachedEvents(record: InRecord, a: DecodedAttachments, bundle: PolicyBundle | undefined): SessionEvent[] {
  for (const r of a.results) keyedBySession(record, r.result.sessionId);
  for (const r of a.resolutions) keyedBySession(record, r.sessionId);
  return inTimeOrder([
    ...a.trusted.map((t) => trustedInput(t.destinations, t.declaredAtMs, t.values)),
    ...a.results.map((r) => resultReported(r.result, bundle?.tools.get(r.result.tool), r.order)),
    ...a.resolutions.filter((r) => !resolutionGrants(r))
      .map((r): SessionEvent => ({ kind: 'approval', atMs: r.resolvedAtMs, proposalId: r.proposalId, approved: false })),
  ]);
}

/**
 * A record on a session-keyed topic that is not on the partition its key maps to (its producer's partitioner is not
 * Java's): the session's state lives on the key's partition, so folding it here would be silently lost. A record with
 * no key is left to keyedBySession, which refuses it once its session id is decoded.
 */
function misplaced(record: InRecord, partitions: number): Failure | undefined {
  if (record.key === null) return undefined;
  const home = partitionFor(record.key, partitions);
  if (home === record.partition) return undefined;
  return { code: 'ARB_VERDICT_WRONG_PARTITION', message: `${record.topic} record key ${JSON.stringify(record.key.toString('utf8'))} came on partition ` +
    `${record.partition} but belongs on partition ${home} of ${partitions} (Java's murmur2 partitioner; docs/operations.md, "Producing from other clients")` };
}

/** Buffer, not string: the key starts with NUL, which a C-string conversion in a client would cut off. */
const CHAIN_HEAD_KEY_BYTES = Buffer.from(CHAIN_HEAD_KEY);

export class VerdictTask implements StreamTask {
  readonly metrics: VerdictMetrics;
  readonly #o: VerdictTaskOptions;
  readonly #sessionPartitions: number;
  readonly #sessions = new OverlayStore<SessionEntry>();
  readonly #heads = new OverlayStore<ChainHead>();
  /** Assigned input topic-partitions ("topic/partition"), to know when a partition number is held at all. */
  readonly #assigned = new Set<string>();

  constructor(options: VerdictTaskOptions) {
    this.#o = options;
    this.#sessionPartitions = options.sessionPartitions ?? options.topics.proposals.partitions;
    this.metrics = options.metrics ?? verdictMetrics();
  }

  /** Totals since start (from the metrics). */
  get stats(): VerdictStats {
    const m = this.metrics;
    return {
      decided: m.decisions.total(), duplicates: m.duplicates.total(), folded: m.folded.total(), deadLettered: m.deadLetters.total(),
      restoredSessions: m.restoredSessions.total(), restoreSkipped: m.restoreSkipped.total(),
    };
  }

  /** The topics this task consumes: proposals, and the co-partitioned results and approvals it folds. */
  inputTopics(): string[] {
    const t = this.#o.topics;
    return [t.proposals.topic, t.results.topic, t.approvals.topic];
  }

  async process(batch: Batch): Promise<readonly OutRecord[]> {
    const out: OutRecord[] = [];
    if (batch.topic === this.#o.topics.proposals.topic) await this.#proposals(batch, out);
    else await this.#fold(batch, out);
    return out;
  }

  /** The changelog of every session and chain head changed since the last commit (once per commit, latest value). */
  beforeCommit(): readonly OutRecord[] {
    const out: OutRecord[] = [];
    this.#changelog(out);
    return out;
  }

  /** Results and approval resolutions: decode, evolve the session's state; no verdict, no decision. */
  async #fold(batch: Batch, out: OutRecord[]): Promise<void> {
    const bundle = this.#o.slot.current;
    for (const record of batch.records) {
      const wrong = misplaced(record, this.#sessionPartitions);
      if (wrong !== undefined) {
        this.#deadLetterOnly(record, wrong, out);
        continue;
      }
      try {
        const event = await this.#eventOf(record, bundle);
        if (event === undefined) continue;
        const entry = this.#sessions.get(record.partition, event.sessionId) ?? EMPTY_ENTRY;
        this.#sessions.put(record.partition, event.sessionId, { ...entry, state: evolve(entry.state, event.event) });
        this.metrics.folded.inc({ kind: event.event.kind });
      } catch (error) {
        // A registry outage rethrows (the batch is read again): a result dropped here would drop the session's taint.
        this.#deadLetterOnly(record, poisonFailure(error, 'ARB_SERDE_DECODE_FAILED'), out);
      }
    }
  }

  async #eventOf(record: InRecord, bundle: PolicyBundle | undefined): Promise<{ sessionId: string; event: SessionEvent } | undefined> {
    const t = this.#o.topics;
    if (record.topic === t.results.topic) {
      const wire = await this.#o.serde.decode(t.results, record);
      const result = resultFromWire(wire);
      keyedBySession(record, result.sessionId);
      return { sessionId: result.sessionId, event: resultReported(result, bundle?.tools.get(result.tool), resultOrderOf(wire)) };
    }
    const { event } = await this.#o.serde.decode(t.approvals, record);
    if (!('arbiter.v1.ApprovalResolved' in event)) return undefined; // requests are our own output
    const r = event['arbiter.v1.ApprovalResolved'];
    keyedBySession(record, r.sessionId);
    return { sessionId: r.sessionId, event: { kind: 'approval', atMs: r.resolvedAtMs, proposalId: r.proposalId, approved: resolutionGrants(r) } };
  }

  async #proposals(batch: Batch, out: OutRecord[]): Promise<void> {
    const bundle = this.#o.slot.current; // one bundle for the whole batch
    for (const record of batch.records) {
      const wrong = misplaced(record, this.#sessionPartitions);
      if (wrong !== undefined) {
        this.#poison(record, wrong, out); // denied with ARB_VERDICT_WRONG_PARTITION: the SDK keeps what it carried
        continue;
      }
      let proposal: ToolCallProposal;
      let attached: readonly SessionEvent[];
      try {
        const wire = await this.#o.serde.decode(this.#o.topics.proposals, record);
        proposal = proposalFromWire(wire);
        keyedBySession(record, proposal.sessionId);
        attached = attachedEvents(record, await decodeAttachments(this.#o.serde, this.#o.topics, record, wire), bundle);
      } catch (error) {
        this.#poison(record, poisonFailure(error, 'ARB_SERDE_DECODE_FAILED'), out); // an outage rethrows: not the agent's fault
        continue;
      }
      try {
        this.#decideOne(record, proposal, attached, bundle, out);
      } catch (error) {
        this.#poison(record, failureOf(error, 'ARB_STREAM_PROCESS_FAILED'), out);
      }
    }
  }

  /** Pipelined commits (StreamLoop): the changes so far are being committed; later batches start a new generation. */
  sealed(): void {
    this.#sessions.seal();
    this.#heads.seal();
  }

  committed(): void {
    this.#sessions.commit();
    this.#heads.commit();
    this.#countSessions();
  }

  aborted(): void {
    this.#sessions.abort();
    this.#heads.abort();
  }

  async onAssigned(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    const inputs = new Set(this.inputTopics());
    const held = this.#heldPartitions();
    const mine = [...new Set(partitions.filter((p) => inputs.has(p.topic)).map((p) => p.partition))].filter((p) => !held.has(p));
    for (const p of partitions) if (inputs.has(p.topic)) this.#assigned.add(`${p.topic}/${p.partition}`);
    if (mine.length === 0) return;
    const records: InRecord[] = [];
    const started = performance.now();
    await restorePartitions({
      transport: this.#o.transport, producer: this.#o.barrierProducer, topic: this.#o.topics.sessionState.topic,
      partitions: mine, groupPrefix: this.#o.groupId, timeoutMs: this.#o.restoreTimeoutMs, onRecord: (r) => records.push(r),
    });
    for (const p of mine) {
      this.#sessions.dropPartition(p);
      this.#heads.dropPartition(p);
    }
    const restoring = new Map(mine.map((p) => [p, new SessionRestore()]));
    for (const r of records) await this.#restoreOne(r, restoring.get(r.partition) as SessionRestore);
    for (const [p, restore] of restoring) {
      for (const [sessionId, entry] of restore.entries()) {
        this.#sessions.restore(p, sessionId, entry);
        this.metrics.restoredSessions.inc();
      }
    }
    this.metrics.restoreSeconds.observe(undefined, (performance.now() - started) / 1000);
    this.#countSessions();
    this.#o.log?.('restored', { partitions: mine, records: records.length, sessions: mine.map((p) => this.#sessions.size(p)) });
  }

  async onRevoked(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    for (const p of partitions) this.#assigned.delete(`${p.topic}/${p.partition}`);
    const held = this.#heldPartitions();
    for (const p of new Set(partitions.map((x) => x.partition))) {
      if (held.has(p)) continue;
      this.#sessions.dropPartition(p);
      this.#heads.dropPartition(p);
    }
  }

  #countSessions(): void {
    this.metrics.sessions.set(undefined, this.#sessions.partitions().reduce((n, p) => n + this.#sessions.size(p), 0));
  }

  #heldPartitions(): Set<number> {
    return new Set([...this.#assigned].map((tp) => Number(tp.slice(tp.lastIndexOf('/') + 1))));
  }

  /** One changelog record, in log order: chain heads go to the store, sessions and verdict slots to `into`. */
  async #restoreOne(r: InRecord, into: SessionRestore): Promise<void> {
    const key = r.key?.toString('utf8') ?? '';
    if (r.value === null) {
      if (key === CHAIN_HEAD_KEY) this.#heads.restore(r.partition, HEAD, undefined);
      else into.record(key, undefined);
      return;
    }
    try {
      const snapshot = await this.#o.serde.decode(this.#o.topics.sessionState, r);
      if (key === CHAIN_HEAD_KEY) this.#heads.restore(r.partition, HEAD, chainHeadFromSnapshot(r.partition, snapshot));
      else into.record(key, snapshot);
    } catch (error) {
      rethrowTransient(error); // a registry outage is not a corrupt entry: skipping would forget the session's taint
      // A corrupt changelog entry: the session starts over (fails open on history, never on policy). Counted.
      this.metrics.restoreSkipped.inc();
      this.#o.log?.('restore-skipped', { topic: r.topic, partition: r.partition, offset: r.offset, error: String(error) });
    }
  }

  /** `attached`: the proposal's unacknowledged results and trusted context, folded before deciding (copies of
   *  results already folded from the results topic are skipped by their sequence). */
  #decideOne(record: InRecord, proposal: ToolCallProposal, attached: readonly SessionEvent[], bundle: PolicyBundle | undefined, out: OutRecord[]): void {
    const p = record.partition;
    const replyTo = { topic: proposal.replyTopic, partition: proposal.replyPartition };
    if (!this.#canReply(replyTo)) {
      const failure: Failure = { code: 'ARB_VERDICT_BAD_REPLY_TO', message: `proposal ${proposal.proposalId} asks for a reply on ${replyTo.topic}/${replyTo.partition}, which is not a configured reply topic partition` };
      this.#deadLetterOnly(record, failure, out);
      return;
    }
    const stored = this.#sessions.get(p, proposal.sessionId) ?? EMPTY_ENTRY;
    const seen = findRecent(stored, proposal.proposalId);
    if (seen) {
      out.push(this.#reply(replyTo, proposal.sessionId, proposal.proposalId, seen.verdict));
      this.metrics.duplicates.inc();
      return;
    }
    const entry = attached.length === 0 ? stored : { ...stored, state: fold(attached, stored.state) };
    for (const e of attached) this.metrics.folded.inc({ kind: e.kind });
    const now = this.#o.clock();
    const started = performance.now();
    const quarantine = this.#o.quarantine;
    const rates = this.#o.rates?.ratesFor(proposal.agentId, proposal.tenantId, now);
    const decided = decide(this.#o.engine, bundle, proposal, entry.state, now, quarantine === undefined && rates === undefined ? undefined
      : { quarantineUntilMs: quarantine?.untilFor(proposal.agentId, proposal.tenantId, now) ?? entry.state.quarantineUntilMs, ...rates });
    this.metrics.decideSeconds.observe(undefined, (performance.now() - started) / 1000);
    this.metrics.proposalAgeSeconds.observe(undefined, Math.max(0, now - proposal.createdAtMs) / 1000);
    const verdict = this.#o.serde.encode(this.#o.topics.verdicts, verdictFor(proposal, decided.decision, now));
    const head = this.#heads.get(p, HEAD) ?? genesisHead(p);
    const chained = chainNext(head, decisionRecordFor(proposal, decided.decision, decided.tool, decided.facts, now));
    const approval = approvalRequestFor(proposal, decided.decision, now, decided.decision.effect === 'escalate'
      ? reviewContextFor(proposal, decided.decision, decided.tool, decided.facts, entry.recent) : null);

    out.push(this.#reply(replyTo, proposal.sessionId, proposal.proposalId, verdict));
    out.push({ topic: this.#o.topics.decisions.topic, partition: p, key: proposal.sessionId,
      value: this.#o.serde.encode(this.#o.topics.decisions, chained.record) });
    if (approval) {
      out.push({ topic: this.#o.topics.approvals.topic, partition: p, key: proposal.sessionId,
        value: this.#o.serde.encode(this.#o.topics.approvals, { event: { 'arbiter.v1.ApprovalRequested': approval } }) });
    }
    this.#heads.put(p, HEAD, chained.head);
    const next = withVerdict(entry, decided.nextState, { proposalId: proposal.proposalId, verdict });
    this.#sessions.put(p, proposal.sessionId, next);
    this.metrics.decisions.inc({ effect: decided.decision.effect, error_code: decided.decision.errorCode ?? '' });
  }

  #canReply(to: ReplyAddress): boolean {
    const partitions = to.topic === this.#o.topics.verdicts.topic ? this.#o.topics.verdicts.partitions : this.#o.replyTopics.get(to.topic);
    return partitions !== undefined && Number.isInteger(to.partition) && to.partition >= 0 && to.partition < partitions;
  }

  #reply(to: ReplyAddress, sessionId: string, proposalId: string, verdict: Buffer): OutRecord {
    return { topic: to.topic, partition: to.partition, key: sessionId, value: verdict, headers: { [HEADER_PROPOSAL_ID]: Buffer.from(proposalId) } };
  }

  /** DLQ the record and, when its correlation headers are readable, deny the agent with the failure's code. */
  #poison(record: InRecord, failure: Failure, out: OutRecord[]): void {
    this.#deadLetterOnly(record, failure, out);
    const c: Correlation | undefined = readCorrelation(record);
    if (c === undefined || !this.#canReply(c.replyTo)) return;
    const now = this.#o.clock();
    const code: ErrorCode = failure.code === 'ARB_STREAM_PROCESS_FAILED' ? 'ARB_VERDICT_EVALUATE_FAILED'
      : failure.code === 'ARB_VERDICT_WRONG_PARTITION' ? failure.code : 'ARB_VERDICT_UNDECODABLE';
    const deny = denyFor(code, `proposal ${c.proposalId} could not be processed (${failure.code}): ${failure.message}`, this.#o.slot.current?.revision ?? '');
    const stub = { proposalId: c.proposalId, sessionId: c.sessionId } as ToolCallProposal;
    out.push(this.#reply(c.replyTo, c.sessionId, c.proposalId, this.#o.serde.encode(this.#o.topics.verdicts, verdictFor(stub, deny, now))));
  }

  #deadLetterOnly(record: InRecord, failure: Failure, out: OutRecord[]): void {
    out.push(deadLetter(this.#o.serde, this.#o.topics, record, failure, this.#o.clock()));
    this.metrics.deadLetters.inc({ topic: record.topic, code: failure.code });
    this.#o.log?.('dead-letter', { code: failure.code, topic: record.topic, partition: record.partition, offset: record.offset });
  }

  /** A verdict slot record, with the session's state when given (session-store.ts). The key is a Buffer for the
   *  reason CHAIN_HEAD_KEY_BYTES is. */
  #verdictSlot(partition: number, sessionId: string, sent: RecentVerdict, nowMs: number, state: SessionState | undefined, out: OutRecord[]): void {
    const topic = this.#o.topics.sessionState;
    out.push({ topic: topic.topic, partition, key: Buffer.from(verdictSlotKey(sessionId, sent.seq)),
      value: this.#o.serde.encode(topic, verdictToSnapshot(sessionId, sent, nowMs, state)) });
  }

  /**
   * The changelog of what changed since the last commit, to the changelog partition of its input partition: per
   * changed session the verdicts sent since (each once in its slot; the last one with the session's state), or, with
   * no new verdict, its latest verdict's slot again with the new state (a plain state record while it has none);
   * then the chain heads.
   */
  #changelog(out: OutRecord[]): void {
    const now = this.#o.clock();
    const topic = this.#o.topics.sessionState;
    for (const { partition, key, value } of this.#sessions.changes()) {
      if (value === undefined) {
        out.push({ topic: topic.topic, partition, key, value: null });
        continue;
      }
      const written = this.#sessions.beneath(partition, key)?.nextSeq ?? 0;
      const recent = value.recent;
      const last = recent[recent.length - 1];
      if (last === undefined) {
        out.push({ topic: topic.topic, partition, key, value: this.#o.serde.encode(topic, entryToSnapshot(key, value, now)) });
        continue;
      }
      for (const sent of recent) {
        if (sent.seq >= written && sent !== last) this.#verdictSlot(partition, key, sent, now, undefined, out);
      }
      this.#verdictSlot(partition, key, last, now, value.state, out);
    }
    for (const { partition, value } of this.#heads.changes()) {
      if (value === undefined) continue;
      out.push({ topic: topic.topic, partition, key: CHAIN_HEAD_KEY_BYTES, value: this.#o.serde.encode(topic, chainHeadToSnapshot(value, now)) });
    }
  }
}
