// The aggregator as a StreamTask over the proposals and results topics (its own consumer group): decode each record
// once, fold it into the Correlator, and turn what it emits into records — alerts (incl. quarantine signals) to the
// alerts topic keyed by agent or tenant id, and memory taints to the results topic keyed by the tainted session, as
// a ToolCallResult from the pseudo-tool TAINT_TOOL carrying the untrusted source. The verdict processor folds that
// result into the session like any other, so the taint reaches the policy in order with the session's own events.
// Rate signals go to the aggregator's rates topic keyed by subject (rate-signal.ts).
// Undecodable records are counted and skipped: the verdict processor owns the DLQ of these topics.
// Durable state: the correlator tracks what it changed; beforeCommit() writes it to the compacted changelog (one
// partition), which the StreamLoop sends in the same transaction as the outputs and input offsets. The changelog is
// read back (restorePartitions, barrier-exact) at the first assignment, before the first batch. The correlator
// mutates in place, so a failed commit leaves memory ahead of the log: aborted() marks the task broken, the loop stops
// and the restarted process restores. One instance (its state is global), so state is kept across rebalances.
import type { ToolCallResult } from '../core/types.ts';
import { fromWireArgs } from '../runtime/serde/args.ts';
import { resultToWire } from '../runtime/serde/records.ts';
import type { TopicSerde, WireTypes } from '../runtime/serde/topic-serde.ts';
import type { StreamTask } from '../runtime/stream/loop.ts';
import { restorePartitions } from '../runtime/stream/restore.ts';
import { rethrowTransient } from '../runtime/stream/failure-kind.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { Batch, InRecord, KafkaTransport, OutRecord, TransportProducer } from '../runtime/transport/transport.ts';
import { ArbiterError } from '../core/errors.ts';
import { ALERT_KINDS, Correlator, type Emission, type TaintInjection } from './correlate.ts';
import { ProjectedDecoder } from './projected-decode.ts';
import { encodeRateSignal, rateSignalKey } from './rate-signal.ts';
import type { Thresholds } from './thresholds.ts';
import type { AggregatorTopics } from './topics.ts';

/** Tool name of the results the aggregator writes: no bundle declares it, so it books no cost and no verb. */
export const TAINT_TOOL = 'arbiter.aggregator.taint';

export interface AggregatorTaskOptions {
  readonly topics: TopicMap;
  readonly serde: TopicSerde;
  readonly thresholds: Thresholds;
  readonly own: AggregatorTopics;
  /** Durable state: where the changelog is restored from (omitted: windows in memory only, e.g. a replay tool). */
  readonly durable?: {
    readonly transport: KafkaTransport;
    /** Plain producer for restore barriers. */
    readonly barrierProducer: TransportProducer;
    readonly groupId: string;
    readonly restoreTimeoutMs: number;
  };
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export interface AggregatorCounts {
  events: number;
  alerts: number;
  quarantines: number;
  taints: number;
  rateSignals: number;
  skipped: number;
  /** Changelog entries written, read back at restore, and skipped at restore as unreadable. */
  changelogWritten: number;
  restored: number;
  restoreSkipped: number;
}

export function taintResult(t: TaintInjection): ToolCallResult {
  return {
    proposalId: `${TAINT_TOOL}:${t.source}:${t.sessionId}:${t.atMs}`, sessionId: t.sessionId, agentId: t.agentId, userId: t.userId,
    tenantId: t.tenantId, tool: TAINT_TOOL, outcome: 'success', recordsRead: {}, bytesRead: {}, untrustedSources: [t.source],
    destinationsSeen: [], modificationApplied: false, cost: 0, completedAtMs: t.atMs,
  };
}

export class AggregatorTask implements StreamTask {
  readonly counts: AggregatorCounts = {
    events: 0, alerts: 0, quarantines: 0, taints: 0, rateSignals: 0, skipped: 0, changelogWritten: 0, restored: 0, restoreSkipped: 0,
  };
  readonly correlator: Correlator;
  readonly #o: AggregatorTaskOptions;
  #restored = false;
  #broken: ArbiterError | undefined;
  readonly #decoder: ProjectedDecoder;

  constructor(options: AggregatorTaskOptions) {
    this.#o = options;
    this.correlator = new Correlator(options.thresholds, { trackChanges: options.durable !== undefined });
    this.#decoder = new ProjectedDecoder(options.serde, options.topics);
  }

  inputTopics(): string[] {
    return [this.#o.topics.proposals.topic, this.#o.topics.results.topic];
  }

  async process(batch: Batch): Promise<readonly OutRecord[]> {
    if (this.#broken !== undefined) throw this.#broken;
    const t = this.#o.topics;
    const isProposal = batch.topic === t.proposals.topic;
    let out: OutRecord[] | undefined;
    for (const record of batch.records) {
      let emitted: readonly Emission[];
      try {
        // Only the fields the correlator reads are decoded (projected-decode.ts; the full decode is the fallback);
        // only memory tools' arguments are decoded and converted.
        if (isProposal) {
          const p = this.#decoder.proposal(record) ?? await this.#o.serde.decode(t.proposals, record);
          emitted = this.correlator.proposal(p, this.correlator.needsArgs(p.tool) ? fromWireArgs(await this.#wireArgs(record)) : undefined);
        } else emitted = this.correlator.result(this.#decoder.result(record) ?? await this.#o.serde.decode(t.results, record));
      } catch (error) {
        rethrowTransient(error); // a registry outage stops the loop uncommitted: a skipped result would lose its taint
        this.counts.skipped++;
        this.#o.log?.('skipped', { code: 'ARB_AGG_DECODE_FAILED', topic: record.topic, partition: record.partition, offset: record.offset, error: String(error) });
        continue;
      }
      this.counts.events++;
      if (emitted.length === 0) continue;
      out ??= [];
      for (const e of emitted) out.push(this.#record(e));
    }
    return out ?? [];
  }

  async #wireArgs(record: InRecord): Promise<WireTypes['ToolCallProposal']['args']> {
    return this.#decoder.args(record) ?? (await this.#o.serde.decode(this.#o.topics.proposals, record)).args;
  }

  #record(e: Emission): OutRecord {
    const t = this.#o.topics;
    if (e.kind === 'rate') {
      this.counts.rateSignals++;
      return { topic: this.#o.own.rates.topic, key: rateSignalKey(e.rate), value: encodeRateSignal(e.rate) };
    }
    if (e.kind === 'taint') {
      this.counts.taints++;
      return { topic: t.results.topic, key: e.taint.sessionId, value: this.#o.serde.encode(t.results, resultToWire(taintResult(e.taint))) };
    }
    const a = e.alert;
    const quarantine = a.kind === ALERT_KINDS.quarantine;
    if (quarantine) this.counts.quarantines++;
    else this.counts.alerts++;
    this.#o.log?.(quarantine ? 'quarantine' : 'alert', { alertId: a.alertId, kind: a.kind, tenantId: a.tenantId, agentId: a.agentId });
    const key = quarantine && a.facts['scope'] === 'tenant' ? a.tenantId : a.agentId || a.tenantId;
    return { topic: t.alerts.topic, key, value: this.#o.serde.encode(t.alerts, a) };
  }

  /** The correlator's entries changed since the last commit, for the changelog (sent with the offsets). */
  beforeCommit(): readonly OutRecord[] {
    const topic = this.#o.own.changelog.topic;
    const changes = this.correlator.state.changes();
    this.counts.changelogWritten += changes.length;
    return changes.map((c) => ({ topic, partition: 0, key: Buffer.from(c.key), value: c.value === null ? null : Buffer.from(c.value) }));
  }

  /** Pipelined commits: beforeCommit() already started a new generation of changes; nothing else to seal. */
  sealed(): void {}
  committed(): void {}

  aborted(): void {
    this.#broken ??= new ArbiterError('ARB_AGG_STATE_ABORTED', 'a commit of the aggregator failed after its windows changed in memory; restart to restore them from the changelog');
  }

  /** Restores the changelog once, at the first assignment (before any batch). */
  async onAssigned(): Promise<void> {
    const d = this.#o.durable;
    if (d === undefined || this.#restored) return;
    const started = performance.now();
    const records: { key: string; value: string | null; offset: string }[] = [];
    await restorePartitions({
      transport: d.transport, producer: d.barrierProducer, topic: this.#o.own.changelog.topic, partitions: [0],
      groupPrefix: d.groupId, timeoutMs: d.restoreTimeoutMs,
      onRecord: (r) => records.push({ key: r.key?.toString('utf8') ?? '', value: r.value === null ? null : r.value.toString('utf8'), offset: r.offset }),
    });
    for (const r of records) {
      try {
        this.correlator.state.restore(r.key, r.value);
        this.counts.restored++;
      } catch (error) {
        this.counts.restoreSkipped++;
        this.#o.log?.('restore-skipped', { code: 'ARB_AGG_STATE_INVALID', offset: r.offset, error: String(error) });
      }
    }
    this.correlator.state.restoreDone();
    this.#restored = true;
    this.#o.log?.('restored', { records: records.length, skipped: this.counts.restoreSkipped, ms: Math.round(performance.now() - started), ...this.correlator.stats });
  }

  async onRevoked(): Promise<void> {}
}
