// Follows the aggregator's rates topic (compacted, processors/aggregator/rate-signal.ts) from the beginning with a
// throwaway group per instance (a TopicTail: every verdict instance sees every agent's and tenant's rate, because an
// agent's sessions are spread over all partitions) into a RateTable, which the verdict task reads as the facts
// session.rate.agent and session.rate.tenant. Off the hot path. caughtUp() settles once the signals present at start
// were read. Propagation is asynchronous: a decision sees the rate as of the last signal read (at most
// ARBITER_AGG_RATE_SIGNAL_MS of event time plus the aggregator's commit and this tail's fetch behind).
// Unreadable signals are counted and skipped (ARB_RATE_SIGNAL_INVALID).
import { decodeRateSignal, RateTable } from '../aggregator/rate-signal.ts';
import type { KafkaTransport, TopicSpec } from '../runtime/transport/transport.ts';
import { TopicTail } from '../sdk/topic-tail.ts';

export interface RateFeedOptions {
  readonly transport: KafkaTransport;
  /** The rates topic (processors/aggregator/topics.ts); created when missing, the aggregator may start later. */
  readonly topic: TopicSpec;
  /** Prefix of the per-instance group id. */
  readonly groupPrefix: string;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

/** Quiet period after which a partition whose last offsets are transaction markers counts as read. */
const IDLE_MS = 300;

export class RateFeed {
  readonly table = new RateTable();
  #signals = 0;
  #skipped = 0;
  readonly #o: RateFeedOptions;
  #tail: TopicTail | undefined;

  constructor(options: RateFeedOptions) {
    this.#o = options;
  }

  get signals(): number {
    return this.#signals;
  }

  get skipped(): number {
    return this.#skipped;
  }

  async start(): Promise<void> {
    const admin = await this.#o.transport.admin();
    try {
      await admin.ensureTopics([this.#o.topic]);
    } finally {
      await admin.close();
    }
    this.#tail = await TopicTail.start({
      transport: this.#o.transport, topic: this.#o.topic.topic, groupPrefix: `${this.#o.groupPrefix}-rates`, from: 'beginning', idleMs: IDLE_MS,
      onRecord: (record) => {
        if (record.value === null) return;
        this.table.apply(decodeRateSignal(record.value));
        this.#signals++;
      },
      onError: (error, record) => {
        this.#skipped++;
        this.#o.log?.('rate-signal-skipped', { code: 'ARB_RATE_SIGNAL_INVALID', partition: record.partition, offset: record.offset, error: String(error) });
      },
    });
  }

  /** Settles once the signals present at start were read; rejects after timeoutMs. */
  caughtUp(timeoutMs: number): Promise<void> {
    return this.#tail === undefined ? Promise.reject(new Error('rate feed not started')) : this.#tail.caughtUp(timeoutMs);
  }

  async close(): Promise<void> {
    await this.#tail?.close();
  }
}
