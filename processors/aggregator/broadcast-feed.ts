// A topic every instance reads whole, from the beginning, with a throwaway group of its own (a TopicTail), folding
// each record into in-memory state off the hot path: the base of the quarantine feed (alerts topic) and the rate
// feed (rates topic). caughtUp() settles once the records present at start were read, so a starting processor can
// wait for it before its first decision. A record that fails to apply is counted and reported, never stops the feed.
import type { InRecord, KafkaTransport } from '../runtime/transport/transport.ts';
import { TopicTail } from '../sdk/topic-tail.ts';

export interface BroadcastFeedOptions {
  readonly transport: KafkaTransport;
  readonly topic: string;
  /** Prefix of the per-instance group id. */
  readonly groupPrefix: string;
  /** Folds one record in; returns true when it was a signal (counted), false when it was ignored. May throw. */
  readonly apply: (record: InRecord) => boolean | Promise<boolean>;
  /** Told about each record that failed to apply (after it was counted as skipped). */
  readonly onSkipped?: (error: unknown, record: InRecord) => void;
}

/** Quiet period after which a partition whose last offsets are transaction markers counts as read. */
const IDLE_MS = 300;

export class BroadcastFeed {
  #signals = 0;
  #skipped = 0;
  readonly #o: BroadcastFeedOptions;
  #tail: TopicTail | undefined;

  constructor(options: BroadcastFeedOptions) {
    this.#o = options;
  }

  get signals(): number {
    return this.#signals;
  }

  get skipped(): number {
    return this.#skipped;
  }

  async start(): Promise<void> {
    this.#tail = await TopicTail.start({
      transport: this.#o.transport, topic: this.#o.topic, groupPrefix: this.#o.groupPrefix, from: 'beginning', idleMs: IDLE_MS,
      onRecord: async (record) => {
        if (record.value !== null && (await this.#o.apply(record))) this.#signals++;
      },
      onError: (error, record) => {
        this.#skipped++;
        this.#o.onSkipped?.(error, record);
      },
    });
  }

  /** Settles once the records present at start were read; rejects after timeoutMs. */
  caughtUp(timeoutMs: number): Promise<void> {
    return this.#tail === undefined ? Promise.reject(new Error(`feed of ${this.#o.topic} not started`)) : this.#tail.caughtUp(timeoutMs);
  }

  async close(): Promise<void> {
    await this.#tail?.close();
  }
}
