// A topic every instance reads whole, from the beginning, with a throwaway group of its own (a TopicTail), folding
// each record into in-memory state off the hot path: the base of the quarantine feed (alerts topic) and the rate
// feed (rates topic). caughtUp() settles once the records present at start were read, so a starting processor can
// wait for it before its first decision. A record that fails to apply is counted and reported, never stops the feed;
// a consumer that stops (broker away, a refused group join) is restarted from where it stopped (SupervisedTail).
import type { InRecord, KafkaTransport } from '../runtime/transport/transport.ts';
import { SupervisedTail, type SupervisedTailHooks } from '../sdk/supervised-tail.ts';
import { TopicTail, type TopicTailOptions } from '../sdk/topic-tail.ts';

export interface BroadcastFeedOptions {
  readonly transport: KafkaTransport;
  readonly topic: string;
  /** Prefix of the per-instance group id. */
  readonly groupPrefix: string;
  /** Folds one record in; returns true when it was a signal (counted), false when it was ignored. May throw. */
  readonly apply: (record: InRecord) => boolean | Promise<boolean>;
  /** Told about each record that failed to apply (after it was counted as skipped). */
  readonly onSkipped?: (error: unknown, record: InRecord) => void;
  /** Told when the feed's consumer stopped and when it runs again (it is restarted from where it stopped). */
  readonly supervision?: SupervisedTailHooks;
}

/** Quiet period after which a partition whose last offsets are transaction markers counts as read. */
const IDLE_MS = 300;

export class BroadcastFeed {
  #signals = 0;
  #skipped = 0;
  readonly #o: BroadcastFeedOptions;
  #tail: SupervisedTail | undefined;

  constructor(options: BroadcastFeedOptions) {
    this.#o = options;
  }

  get signals(): number {
    return this.#signals;
  }

  get skipped(): number {
    return this.#skipped;
  }

  /** Starts reading from the beginning; a consumer that stops later is restarted from where it stopped. */
  async start(): Promise<void> {
    const tail = (from: TopicTailOptions['from']) => TopicTail.start({
      transport: this.#o.transport, topic: this.#o.topic, groupPrefix: this.#o.groupPrefix, from, idleMs: IDLE_MS,
      onRecord: async (record) => {
        if (record.value !== null && (await this.#o.apply(record))) this.#signals++;
      },
      onError: (error, record) => {
        this.#skipped++;
        this.#o.onSkipped?.(error, record);
      },
    });
    this.#tail = await SupervisedTail.start('beginning', tail, this.#o.supervision);
  }

  /** Settles once the records present at start were read; rejects after timeoutMs. */
  caughtUp(timeoutMs: number): Promise<void> {
    return this.#tail === undefined ? Promise.reject(new Error(`feed of ${this.#o.topic} not started`)) : this.#tail.current.caughtUp(timeoutMs);
  }

  async close(): Promise<void> {
    await this.#tail?.close();
  }
}

/** Supervision hooks that log a feed's stops and restarts (events feed-stopped, feed-restart-failed, feed-restarted). */
export function loggedSupervision(feed: string, log: ((event: string, detail: Record<string, unknown>) => void) | undefined): SupervisedTailHooks {
  if (log === undefined) return {};
  return {
    onStopped: (error) => log('feed-stopped', { code: 'ARB_FEED_STOPPED', feed, error: String(error) }),
    onRestartFailed: (error, attempt) => log('feed-restart-failed', { code: 'ARB_FEED_STOPPED', feed, attempt, error: String(error) }),
    onRestarted: (attempt) => log('feed-restarted', { feed, attempt }),
  };
}
