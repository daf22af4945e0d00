// The active policy bundle. Bundles arrive on the compacted policy-bundles topic (key = bundle name); each is
// verified and compiled by the engine off the hot path (in the watcher's own consumer, never inside evaluate),
// then swapped in with one reference assignment, so a batch sees one bundle from start to end if it reads
// `current` once. A bundle that fails verification or compilation is refused: the previous one stays active
// and the refusal goes to the bundles DLQ with ARB_VERDICT_BUNDLE_REJECTED.
import { randomUUID } from 'node:crypto';
import type { PolicyBundle } from '../policy/model.ts';
import { deadLetter, failureOf, type Failure } from '../runtime/stream/dead-letter.ts';
import { poisonFailure } from '../runtime/stream/failure-kind.ts';
import type { TopicSerde } from '../runtime/serde/topic-serde.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { InRecord, KafkaTransport, TransportConsumer, TransportProducer } from '../runtime/transport/transport.ts';
import type { PolicyEngine } from './policy-port.ts';

export interface BundleEvent {
  readonly kind: 'activated' | 'rejected';
  readonly bundleName: string;
  readonly revision: string;
  readonly failure?: Failure;
}

export class BundleSlot {
  #current: PolicyBundle | undefined;
  readonly #engine: PolicyEngine;
  readonly #bundleName: string;
  readonly #listeners: ((e: BundleEvent) => void)[] = [];

  constructor(engine: PolicyEngine, bundleName: string) {
    this.#engine = engine;
    this.#bundleName = bundleName;
  }

  get current(): PolicyBundle | undefined {
    return this.#current;
  }

  onEvent(listener: (e: BundleEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Verifies, compiles and swaps in one activation; returns the failure when refused. */
  async offer(activated: Parameters<PolicyEngine['load']>[0]): Promise<Failure | undefined> {
    if (activated.bundleName !== this.#bundleName) return undefined;
    try {
      const bundle = await this.#engine.load(activated);
      this.#current = bundle;
      this.#emit({ kind: 'activated', bundleName: activated.bundleName, revision: bundle.revision });
      return undefined;
    } catch (error) {
      const cause = failureOf(error, 'ARB_VERDICT_BUNDLE_REJECTED');
      const failure: Failure = {
        code: 'ARB_VERDICT_BUNDLE_REJECTED',
        message: `bundle ${activated.bundleName} revision ${activated.revision} refused, ${this.#current ? `revision ${this.#current.revision} stays active` : 'no bundle is active'}: ${cause.message}`,
      };
      this.#emit({ kind: 'rejected', bundleName: activated.bundleName, revision: activated.revision, failure });
      return failure;
    }
  }

  #emit(e: BundleEvent): void {
    for (const l of this.#listeners) l(e);
  }
}

/**
 * Follows the bundles topic from the beginning with a group of its own (every instance sees every bundle). When its
 * consumer fails (e.g. the group coordinator is still loading after a broker restart, so the join is refused), the
 * failure is reported to `onError` and a new consumer (new group) takes over after a backoff, skipping what was
 * already applied: a watcher must never stop silently, or the processor would deny everything (ARB_VERDICT_NO_POLICY)
 * until restarted.
 */
export class BundleWatcher {
  readonly #slot: BundleSlot;
  readonly #serde: TopicSerde;
  readonly #topics: TopicMap;
  readonly #transport: KafkaTransport;
  readonly #producer: TransportProducer;
  readonly #groupPrefix: string;
  readonly #onError: (error: unknown, attempt: number) => void;
  /** Next offset to apply per partition: a replacement consumer skips records below it. */
  readonly #next = new Map<number, bigint>();
  #consumer: TransportConsumer | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(opts: {
    slot: BundleSlot; serde: TopicSerde; topics: TopicMap; transport: KafkaTransport; producer: TransportProducer; groupPrefix: string;
    onError?: (error: unknown, attempt: number) => void;
  }) {
    this.#slot = opts.slot;
    this.#serde = opts.serde;
    this.#topics = opts.topics;
    this.#transport = opts.transport;
    this.#producer = opts.producer;
    this.#groupPrefix = opts.groupPrefix;
    this.#onError = opts.onError ?? (() => undefined);
  }

  async start(): Promise<void> {
    this.#running = this.#supervise(await this.#open());
  }

  async #open(): Promise<TransportConsumer> {
    const consumer = await this.#transport.consumer({
      groupId: `${this.#groupPrefix}-bundles-${randomUUID()}`, topics: [this.#topics.policyBundles.topic],
      fromBeginning: true, readCommitted: true,
    });
    this.#consumer = consumer;
    return consumer;
  }

  /** Runs the consumer; after a failure, replaces it (backoff 0.5 s doubling to 10 s) until close(). */
  async #supervise(first: TransportConsumer): Promise<void> {
    let consumer: TransportConsumer | undefined = first;
    for (let attempt = 1; !this.#closed; attempt++) {
      try {
        if (consumer !== undefined) {
          await consumer.run(async (batch) => {
            for (const record of batch.records) {
              const offset = BigInt(record.offset);
              if (offset < (this.#next.get(record.partition) ?? 0n)) continue;
              await this.#apply(record);
              this.#next.set(record.partition, offset + 1n);
            }
          });
          if (this.#closed) return;
          throw new Error(`bundle watcher consumer of ${this.#topics.policyBundles.topic} stopped`);
        }
      } catch (error) {
        if (this.#closed) return;
        this.#onError(error, attempt);
      }
      await consumer?.close().catch(() => undefined);
      consumer = undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, Math.min(500 * 2 ** (attempt - 1), 10_000)).unref();
      });
      if (this.#closed) return;
      consumer = await this.#open().catch((error: unknown) => {
        this.#onError(error, attempt);
        return undefined;
      });
    }
  }

  async #apply(record: InRecord): Promise<void> {
    if (record.value === null) return;
    let failure: Failure | undefined;
    try {
      failure = await this.#slot.offer(await this.#serde.decode(this.#topics.policyBundles, record));
    } catch (error) {
      failure = poisonFailure(error, 'ARB_SERDE_DECODE_FAILED'); // an outage rethrows: the watcher re-reads the bundle
    }
    if (failure) await this.#producer.send([deadLetter(this.#serde, this.#topics, record, failure, Date.now())]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#consumer?.close();
    await this.#running?.catch(() => undefined);
  }
}

/** Resolves when the slot holds a bundle, or after timeoutMs (the processor then denies with ARB_VERDICT_NO_POLICY). */
export function firstBundle(slot: BundleSlot, timeoutMs: number): Promise<boolean> {
  if (slot.current) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    slot.onEvent((e) => {
      if (e.kind === 'activated') {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
}
