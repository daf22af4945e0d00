// The approvals service: tracks pending approval requests from the approvals topic and applies on_timeout. At a
// request's expiry it writes ApprovalResolved { resolution: expired } (the request's on_timeout says what that
// grants); a human answer arriving later is refused by every reader of the ledger. Expiries start only once the
// history present at start was read, so a request already resolved further down the topic is not expired again.
// Several instances may run: each reads every partition, so duplicate expiries can occur and are refused (first
// one on the topic wins) — harmless, counted in `refused`.
import type { TopicSerde } from '../runtime/serde/topic-serde.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { KafkaTransport, TransportProducer } from '../runtime/transport/transport.ts';
import type { ApprovalLedger, LedgerEntry } from './ledger.ts';
import { expiryFor } from './resolutions.ts';
import { tailLedger, writeResolution } from './topic-ledger.ts';

export interface ApprovalsServiceOptions {
  readonly transport: KafkaTransport;
  readonly serde: TopicSerde;
  readonly topics: TopicMap;
  readonly producer: TransportProducer;
  readonly groupPrefix?: string;
  /** How often due requests are looked for, ms (default 200). */
  readonly tickMs?: number;
  readonly clock?: () => number;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export interface RunningApprovals {
  readonly ledger: ApprovalLedger;
  /** Pending requests, oldest first. */
  pending(): LedgerEntry[];
  readonly stats: { expired: number; refused: number; failures: number };
  /** Settles when the approvals consumer stops; rejects when it failed (bin/approvals.ts then exits for a restart). */
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

export async function startApprovalsService(o: ApprovalsServiceOptions): Promise<RunningApprovals> {
  const clock = o.clock ?? Date.now;
  const stats = { expired: 0, refused: 0, failures: 0 };
  /** Expiries written and not yet read back resolved, so one tick does not write the same expiry twice. */
  const written = new Set<string>();
  const { ledger, tail } = await tailLedger({
    transport: o.transport, serde: o.serde, topics: o.topics, groupPrefix: o.groupPrefix ?? 'arbiter-approvals',
    onRefused: (r, refusal) => {
      stats.refused++;
      o.log?.('resolution-refused', { approvalId: r.approvalId, resolution: r.resolution, by: r.resolvedBy, code: refusal.code, message: refusal.message });
    },
    onUndecodable: (error) => o.log?.('undecodable', { error: String(error) }),
    onApplied: (e) => {
      if (e?.resolution !== undefined) written.delete(e.request.approvalId); // resolved on the topic: no longer ours to expire
      if (e?.resolution !== undefined) o.log?.('resolved', { approvalId: e.request.approvalId, resolution: e.resolution.resolution, by: e.resolution.resolvedBy });
      else if (e !== undefined) o.log?.('requested', { approvalId: e.request.approvalId, tool: e.request.tool, expiresAtMs: e.request.expiresAtMs });
    },
  });
  let ticking: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    for (const entry of ledger.due(clock())) {
      const id = entry.request.approvalId;
      if (written.has(id)) continue;
      written.add(id);
      try {
        await writeResolution(o.producer, o.serde, o.topics, entry, expiryFor(entry, clock()));
        stats.expired++;
        o.log?.('expired', { approvalId: id, onTimeout: entry.request.onTimeout });
      } catch (error) {
        written.delete(id); // retried on the next tick
        stats.failures++;
        o.log?.('expire-failed', { approvalId: id, error: String(error) });
      }
    }
  };
  const timer = setInterval(() => {
    ticking = ticking.then(tick);
  }, o.tickMs ?? 200);
  return {
    ledger, stats, stopped: tail.running,
    pending: () => ledger.pending(),
    async close() {
      clearInterval(timer);
      await ticking;
      await tail.close();
    },
  };
}
