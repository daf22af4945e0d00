// A TopicTail that is replaced when its consumer stops (the broker was down longer than the client retries, a group
// join refused by a loading coordinator): restarted from where it stopped, with backoff (0.5 s doubling to 10 s),
// until close(). Used by the SDK's reply and approval tails and by the processors' broadcast feeds (quarantine,
// rates), which would otherwise stop silently and leave their state frozen.
import { TopicTail, type TopicTailOptions } from './topic-tail.ts';

export interface SupervisedTailHooks {
  /** The running tail stopped (error: why, undefined when it ended without one); a restart follows. */
  readonly onStopped?: (error: unknown) => void;
  /** A restart failed (it is retried after the next backoff). */
  readonly onRestartFailed?: (error: unknown, attempt: number) => void;
  /** A replacement tail is running again. */
  readonly onRestarted?: (attempt: number) => void;
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** Unref'd: a pending restart never keeps a finished process alive. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class SupervisedTail {
  #tail: TopicTail;
  #closed = false;
  readonly #start: (from: TopicTailOptions['from']) => Promise<TopicTail>;
  readonly #hooks: SupervisedTailHooks;

  private constructor(first: TopicTail, start: (from: TopicTailOptions['from']) => Promise<TopicTail>, hooks: SupervisedTailHooks) {
    this.#tail = first;
    this.#start = start;
    this.#hooks = hooks;
    void this.#watch();
  }

  /** Starts the first tail from `from` (a failure here is the caller's); later stops are restarted. */
  static async start(from: TopicTailOptions['from'], start: (from: TopicTailOptions['from']) => Promise<TopicTail>, hooks: SupervisedTailHooks = {}): Promise<SupervisedTail> {
    return new SupervisedTail(await start(from), start, hooks);
  }

  /** The tail running now (or the stopped one while a restart is pending). */
  get current(): TopicTail {
    return this.#tail;
  }

  async #watch(): Promise<void> {
    for (;;) {
      const tail = this.#tail;
      const error = await tail.running.then(() => undefined, (e: unknown) => e);
      if (this.#closed) return;
      this.#hooks.onStopped?.(error);
      await tail.close();
      for (let attempt = 1, delay = FIRST_DELAY_MS; ; attempt++, delay = Math.min(delay * 2, MAX_DELAY_MS)) {
        await sleep(delay);
        if (this.#closed) return;
        try {
          const next = await this.#start(tail.resumePoint());
          if (this.#closed) {
            await next.close();
            return;
          }
          this.#tail = next;
          this.#hooks.onRestarted?.(attempt);
          break;
        } catch (e) {
          this.#hooks.onRestartFailed?.(e, attempt);
        }
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail.close();
  }
}
