// The approvals ledger as read from the approvals topic, and resolutions written back to it. Shared by the approvals
// service (which keeps tailing) and `arbiter approvals` (which reads up to now, then writes one resolution).
import type { ArbiterError } from '../core/errors.ts';
import { partitionFor } from '../runtime/partition-for.ts';
import type { TopicSerde } from '../runtime/serde/topic-serde.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { KafkaTransport, TransportProducer } from '../runtime/transport/transport.ts';
import { TopicTail } from '../sdk/topic-tail.ts';
import { ApprovalLedger, type ApprovalResolved, type LedgerEntry, type Refusal } from './ledger.ts';
import { resolvedEvent } from './resolutions.ts';

export interface LedgerReaderOptions {
  readonly transport: KafkaTransport;
  readonly serde: TopicSerde;
  readonly topics: TopicMap;
  readonly groupPrefix: string;
  /** A resolution the ledger refused (late, duplicate, out of scope): logged by the caller. */
  readonly onRefused?: (resolution: ApprovalResolved, refusal: Refusal) => void;
  /** A record that could not be decoded (it stays on the topic; the verdict processor dead-letters it). */
  readonly onUndecodable?: (error: ArbiterError | Error) => void;
  /** Every accepted event, after the ledger applied it. */
  readonly onApplied?: (entry: LedgerEntry | undefined) => void;
}

/** Tails the approvals topic from the beginning into a ledger; resolves once the history present at start is read. */
export async function tailLedger(o: LedgerReaderOptions, ledger = new ApprovalLedger()): Promise<{ ledger: ApprovalLedger; tail: TopicTail }> {
  const tail = await TopicTail.start({
    transport: o.transport, topic: o.topics.approvals.topic, groupPrefix: o.groupPrefix, from: 'beginning',
    onRecord: async (r) => {
      const { event } = await o.serde.decode(o.topics.approvals, r);
      const refusal = ledger.apply(event, r.partition);
      if (refusal !== undefined && 'arbiter.v1.ApprovalResolved' in event) o.onRefused?.(event['arbiter.v1.ApprovalResolved'], refusal);
      const id = 'arbiter.v1.ApprovalResolved' in event ? event['arbiter.v1.ApprovalResolved'].approvalId : event['arbiter.v1.ApprovalRequested'].approvalId;
      if (refusal === undefined) o.onApplied?.(ledger.get(id));
    },
    onError: (error) => o.onUndecodable?.(error as Error),
  });
  await tail.caughtUp();
  return { ledger, tail };
}

/** Produces a resolution keyed by session id, to the request's partition (where the verdict processor decided the
 *  proposal, so its key's partition: partition-for.ts); a request read from nowhere gets the key's partition. Never
 *  left to the client's partitioner, which may disagree (docs/decisions.md, "One partition function"). */
export async function writeResolution(producer: TransportProducer, serde: TopicSerde, topics: TopicMap, entry: LedgerEntry, resolution: ApprovalResolved): Promise<void> {
  await producer.send([{
    topic: topics.approvals.topic, key: resolution.sessionId, value: serde.encode(topics.approvals, resolvedEvent(resolution)),
    partition: entry.partition >= 0 ? entry.partition : partitionFor(resolution.sessionId, topics.approvals.partitions),
  }]);
}
