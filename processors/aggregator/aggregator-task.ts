// The aggregator as a StreamTask over the proposals and results topics (its own consumer group): decode each record
// once, fold it into the Correlator, and turn what it emits into records — alerts (incl. quarantine signals) to the
// alerts topic keyed by agent or tenant id, and memory taints to the results topic keyed by the tainted session, as
// a ToolCallResult from the pseudo-tool TAINT_TOOL carrying the untrusted source. The verdict processor folds that
// result into the session like any other, so the taint reaches the policy in order with the session's own events.
// Undecodable records are counted and skipped: the verdict processor owns the DLQ of these topics.
import type { ToolCallResult } from '../core/types.ts';
import { fromWireArgs } from '../runtime/serde/args.ts';
import { resultToWire } from '../runtime/serde/records.ts';
import type { TopicSerde } from '../runtime/serde/topic-serde.ts';
import type { StreamTask } from '../runtime/stream/loop.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { Batch, OutRecord } from '../runtime/transport/transport.ts';
import { ALERT_KINDS, Correlator, type Emission, type TaintInjection } from './correlate.ts';
import type { Thresholds } from './thresholds.ts';

/** Tool name of the results the aggregator writes: no bundle declares it, so it books no cost and no verb. */
export const TAINT_TOOL = 'arbiter.aggregator.taint';

export interface AggregatorTaskOptions {
  readonly topics: TopicMap;
  readonly serde: TopicSerde;
  readonly thresholds: Thresholds;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export interface AggregatorCounts {
  events: number;
  alerts: number;
  quarantines: number;
  taints: number;
  skipped: number;
}

export function taintResult(t: TaintInjection): ToolCallResult {
  return {
    proposalId: `${TAINT_TOOL}:${t.source}:${t.sessionId}:${t.atMs}`, sessionId: t.sessionId, agentId: t.agentId, userId: t.userId,
    tenantId: t.tenantId, tool: TAINT_TOOL, outcome: 'success', recordsRead: {}, bytesRead: {}, untrustedSources: [t.source],
    destinationsSeen: [], modificationApplied: false, cost: 0, completedAtMs: t.atMs,
  };
}

export class AggregatorTask implements StreamTask {
  readonly counts: AggregatorCounts = { events: 0, alerts: 0, quarantines: 0, taints: 0, skipped: 0 };
  readonly correlator: Correlator;
  readonly #o: AggregatorTaskOptions;

  constructor(options: AggregatorTaskOptions) {
    this.#o = options;
    this.correlator = new Correlator(options.thresholds);
  }

  inputTopics(): string[] {
    return [this.#o.topics.proposals.topic, this.#o.topics.results.topic];
  }

  async process(batch: Batch): Promise<readonly OutRecord[]> {
    const t = this.#o.topics;
    const isProposal = batch.topic === t.proposals.topic;
    let out: OutRecord[] | undefined;
    for (const record of batch.records) {
      let emitted: readonly Emission[];
      try {
        // The decoded wire records are folded as they are; only memory tools' arguments are converted.
        if (isProposal) {
          const p = await this.#o.serde.decode(t.proposals, record);
          emitted = this.correlator.proposal(p, this.correlator.needsArgs(p.tool) ? fromWireArgs(p.args) : undefined);
        } else emitted = this.correlator.result(await this.#o.serde.decode(t.results, record));
      } catch (error) {
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

  #record(e: Emission): OutRecord {
    const t = this.#o.topics;
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

  committed(): void {}
  aborted(): void {}
  async onAssigned(): Promise<void> {}
  async onRevoked(): Promise<void> {}
}
