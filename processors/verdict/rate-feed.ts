// Follows the aggregator's rates topic (compacted, processors/aggregator/rate-signal.ts) on every verdict instance
// (a BroadcastFeed: an agent's sessions are spread over all partitions, so every instance needs every agent's and
// tenant's rate) into a RateTable, which the verdict task reads as the facts session.rate.agent and
// session.rate.tenant. Off the hot path; the processor waits for caughtUp() before its first decision. Propagation is
// asynchronous: a decision sees the rate as of the last signal read (at most ARBITER_AGG_RATE_SIGNAL_MS of event
// time plus the aggregator's commit and this feed's fetch behind). Unreadable signals are counted and skipped
// (ARB_RATE_SIGNAL_INVALID).
import { BroadcastFeed, loggedSupervision } from '../aggregator/broadcast-feed.ts';
import { decodeRateSignal, RateTable } from '../aggregator/rate-signal.ts';
import type { KafkaTransport, TopicSpec } from '../runtime/transport/transport.ts';

export interface RateFeedOptions {
  readonly transport: KafkaTransport;
  /** The rates topic (processors/aggregator/topics.ts); created when missing, the aggregator may start later. */
  readonly topic: TopicSpec;
  /** Prefix of the per-instance group id. */
  readonly groupPrefix: string;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export class RateFeed extends BroadcastFeed {
  readonly table: RateTable;
  readonly #o: RateFeedOptions;

  constructor(o: RateFeedOptions) {
    const table = new RateTable();
    super({
      transport: o.transport, topic: o.topic.topic, groupPrefix: `${o.groupPrefix}-rates`,
      apply: (record) => {
        table.apply(decodeRateSignal(record.value as Buffer));
        return true;
      },
      onSkipped: (error, record) =>
        o.log?.('rate-signal-skipped', { code: 'ARB_RATE_SIGNAL_INVALID', partition: record.partition, offset: record.offset, error: String(error) }),
      supervision: loggedSupervision('rates', o.log),
    });
    this.table = table;
    this.#o = o;
  }

  override async start(): Promise<void> {
    const admin = await this.#o.transport.admin();
    try {
      await admin.ensureTopics([this.#o.topic]);
    } finally {
      await admin.close();
    }
    await super.start();
  }
}
