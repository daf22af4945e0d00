// The SIEM forwarder core, the same for every format: decode -> filter -> format -> bounded queue -> one delivery
// worker (batches, bounded retries with backoff + jitter) -> delivered, or DLQ after N failures.
//
// Guarantees:
// - At-least-once: a Kafka batch's offset is returned for commit only once every record in it was delivered,
//   filtered (counted) or written to the DLQ. If the DLQ write fails, processBatch() rejects, nothing is committed
//   and Kafka redelivers the batch (records delivered before that are sent again: duplicates, never loss).
// - Nothing vanishes uncounted: received = delivered + filtered + dlq + dropped + in flight, per format, all exported
//   as Prometheus counters (arbiter_siem_*). Only offer() (in-process producers, not Kafka) can drop, and each drop
//   is counted by reason (queue_full, dlq_failed).
// - The Kafka path never drops on a full queue: put() waits, so a slow or down SIEM backs pressure up into Kafka.
import type { MetricsRegistry, Counter, Gauge, Histogram } from '../../core/metrics.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { Batch, InRecord, TopicPartitionOffset, TransportConsumer } from '../../runtime/transport/transport.ts';
import { rethrowTransient } from '../../runtime/stream/failure-kind.ts';
import { backoffDelayMs } from './backoff.ts';
import type { SiemForwarderConfig } from './config.ts';
import type { DeadLetter, DlqWriter } from './dlq.ts';
import { compileFilter, type SiemFilter } from './filter.ts';
import { formatterFor, type Formatter } from './formats.ts';
import type { SiemInput } from './input.ts';
import { BoundedQueue } from './queue.ts';
import { failAll, type ItemOutcome, type OutItem, type SiemSink } from './sink.ts';

export interface ForwarderDeps {
  readonly config: SiemForwarderConfig;
  /** Avro (registry) decoding lives in the serde module; it is injected. Throwing sends the record to the DLQ. */
  readonly decode: (record: InRecord) => SiemInput | Promise<SiemInput>;
  readonly sink: SiemSink;
  readonly dlq: DlqWriter;
  readonly metrics: MetricsRegistry;
  readonly format?: Formatter;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** Where an event came from, kept so a dead letter carries the raw record and its position. */
interface Source {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

interface Entry {
  readonly out: OutItem;
  readonly source: Source;
  /** Kafka-sourced entries must fail loudly (no commit); offered ones can only be counted. */
  readonly fromKafka: boolean;
  attempts: number;
  readonly settle: (err?: Error) => void;
}

interface SiemMetrics {
  readonly received: Counter;
  readonly delivered: Counter;
  readonly filtered: Counter;
  readonly dlq: Counter;
  readonly dlqFailed: Counter;
  readonly dropped: Counter;
  readonly retries: Counter;
  readonly requests: Counter;
  readonly queueDepth: Gauge;
  readonly requestSeconds: Histogram;
}

export function siemMetrics(registry: MetricsRegistry): SiemMetrics {
  return {
    received: registry.counter('arbiter_siem_received_total', 'Events a SIEM forwarder took in (Kafka records and offers).', ['format']),
    delivered: registry.counter('arbiter_siem_delivered_total', 'Events the SIEM peer accepted.', ['format']),
    filtered: registry.counter('arbiter_siem_filtered_total', 'Events not forwarded because the filter excluded them.', ['format', 'reason']),
    dlq: registry.counter('arbiter_siem_dlq_total', 'Events written to the SIEM dead-letter topic, by error code.', ['format', 'code']),
    dlqFailed: registry.counter('arbiter_siem_dlq_failures_total', 'Failed DLQ writes (the Kafka batch is then redelivered, not committed).', ['format']),
    dropped: registry.counter('arbiter_siem_dropped_total', 'Events dropped, by reason (only non-Kafka offers can drop).', ['format', 'reason']),
    retries: registry.counter('arbiter_siem_retries_total', 'Event re-sends after a retryable failure.', ['format']),
    requests: registry.counter('arbiter_siem_requests_total', 'Requests (batches) sent to the SIEM peer, by outcome.', ['format', 'outcome']),
    queueDepth: registry.gauge('arbiter_siem_queue_depth', 'Events waiting in the bounded queue.', ['format']),
    requestSeconds: registry.histogram('arbiter_siem_request_seconds', 'Time for one request to the SIEM peer.', ['format']),
  };
}

/** Settlement happens once; a later call (e.g. the worker's bug guard after a delivery) is ignored. */
function once(settle: (err?: Error) => void): (err?: Error) => void {
  let done = false;
  return (err) => {
    if (done) return;
    done = true;
    settle(err);
  };
}

function sourceOf(r: InRecord): Source {
  return { key: r.key, value: r.value, topic: r.topic, partition: r.partition, offset: r.offset };
}

export class SiemForwarder {
  readonly config: SiemForwarderConfig;
  private readonly deps: ForwarderDeps;
  private readonly filter: SiemFilter;
  private readonly format: Formatter;
  private readonly queue: BoundedQueue<Entry>;
  private readonly m: SiemMetrics;
  private readonly labels: { format: string };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private worker: Promise<void> | undefined;

  constructor(deps: ForwarderDeps) {
    this.deps = deps;
    this.config = deps.config;
    this.filter = compileFilter(deps.config.filter);
    this.format = deps.format ?? formatterFor(deps.config);
    this.queue = new BoundedQueue<Entry>(deps.config.delivery.queueCapacity);
    this.m = siemMetrics(deps.metrics);
    this.labels = { format: deps.config.format };
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
  }

  /** Starts the delivery worker (idempotent). */
  start(): void {
    this.worker ??= this.runWorker();
  }

  /** Consumes until the consumer is closed, committing each batch only after all its records are settled. */
  async run(consumer: TransportConsumer): Promise<void> {
    this.start();
    await consumer.run(async (batch) => {
      const offset = await this.processBatch(batch);
      if (offset !== undefined) await consumer.commit([offset]);
    });
  }

  /**
   * Settles every record of one partition batch (delivered, filtered or dead-lettered) and returns the offset to
   * commit (last offset + 1). Rejects, committing nothing, if a dead letter could not be written.
   */
  async processBatch(batch: Batch): Promise<TopicPartitionOffset | undefined> {
    const last = batch.records[batch.records.length - 1];
    if (last === undefined) return undefined;
    this.start();
    const letters: [Source, ErrorCode, string][] = [];
    const ready: [OutItem, Source][] = [];
    // Stage 1: decode, filter and format the whole batch. Stage 2 enqueues it contiguously, so one peer request
    // tends to settle one partition's batch and that partition can fetch its next batch while others are sent.
    for (const rec of batch.records) {
      this.m.received.inc(this.labels);
      let input: SiemInput;
      try {
        const decoded = this.deps.decode(rec);
        input = decoded instanceof Promise ? await decoded : decoded;
      } catch (e) {
        rethrowTransient(e); // a registry outage: nothing of the batch is committed, it comes back after the restart
        letters.push([sourceOf(rec), 'ARB_SIEM_DECODE_FAILED', (e as Error).message]);
        continue;
      }
      const out = this.prepare(input);
      if (out === undefined) continue;
      if (typeof out === 'string') {
        letters.push([sourceOf(rec), 'ARB_SIEM_FORMAT_INVALID', out]);
        continue;
      }
      ready.push([out, sourceOf(rec)]);
    }
    const pending: Promise<void>[] = [];
    for (const [out, source] of ready) {
      const { entry, settled } = this.kafkaEntry(out, source);
      if (!this.queue.offer(entry)) await this.queue.put(entry);
      pending.push(settled);
    }
    this.m.queueDepth.set(this.labels, this.queue.size);
    const dlqWritten = letters.length === 0 ? Promise.resolve() : this.writeLetters(letters);
    const results = await Promise.allSettled([dlqWritten, ...pending]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() };
  }

  /**
   * For in-process producers (no Kafka record behind the event): never waits. Returns false, counting the drop
   * as arbiter_siem_dropped_total{reason="queue_full"}, when the queue is full.
   */
  offer(input: SiemInput): boolean {
    this.start();
    this.m.received.inc(this.labels);
    const out = this.prepare(input);
    const source: Source = { key: null, value: Buffer.from(JSON.stringify(input)), topic: '', partition: -1, offset: '-1' };
    if (out === undefined) return true;
    if (typeof out === 'string') {
      this.writeLetters([[source, 'ARB_SIEM_FORMAT_INVALID', out]]).catch(() => this.m.dropped.inc({ ...this.labels, reason: 'dlq_failed' }));
      return true;
    }
    const ok = this.queue.offer({
      out, source, fromKafka: false, attempts: 0,
      settle: once((err) => { if (err !== undefined) this.m.dropped.inc({ ...this.labels, reason: 'dlq_failed' }); }),
    });
    if (!ok) this.m.dropped.inc({ ...this.labels, reason: 'queue_full' });
    this.m.queueDepth.set(this.labels, this.queue.size);
    return ok;
  }

  /** Stops taking events, delivers (or dead-letters) what is queued, then closes the sink. */
  async close(): Promise<void> {
    this.queue.close();
    await this.worker;
    await this.deps.sink.close();
  }

  /** undefined = filtered out (counted); string = format failure reason; OutItem = ready to send. */
  private prepare(input: SiemInput): OutItem | string | undefined {
    const reason = this.filter(input);
    if (reason !== undefined) {
      this.m.filtered.inc({ ...this.labels, reason });
      return undefined;
    }
    try {
      return this.format(input);
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** A queue entry for a Kafka-sourced event and the promise of its settlement (rejects if its DLQ write fails). */
  private kafkaEntry(out: OutItem, source: Source): { entry: Entry; settled: Promise<void> } {
    let settle!: (err?: Error) => void;
    const settled = new Promise<void>((resolve, reject) => {
      settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    settled.catch(() => {}); // observed later by processBatch's allSettled; this only stops an early "unhandled" crash
    return { entry: { out, source, fromKafka: true, attempts: 0, settle: once(settle) }, settled };
  }

  private async runWorker(): Promise<void> {
    for (;;) {
      const max = this.config.delivery.batchSize;
      const entries = await this.queue.take(max);
      if (entries.length === 0) return;
      if (entries.length < max) {
        // Linger one macrotask: producers enqueue a whole Kafka batch in microtasks, so this fills the request.
        await new Promise((resolve) => setImmediate(resolve));
        entries.push(...this.queue.takeNow(max - entries.length));
      }
      this.m.queueDepth.set(this.labels, this.queue.size);
      try {
        await this.deliver(entries);
      } catch (e) {
        // A bug, not a peer failure: fail these entries (Kafka batches are then not committed and come back)
        // rather than leave processBatch waiting forever, and keep the worker alive for the next ones.
        const err = e instanceof Error ? e : new Error(String(e));
        for (const entry of entries) entry.settle(err);
      }
    }
  }

  /** Sends until every entry is delivered or dead-lettered; waits (backoff) between rounds of retryable failures. */
  private async deliver(entries: readonly Entry[]): Promise<void> {
    const { maxAttempts, baseBackoffMs, maxBackoffMs } = this.config.delivery;
    let pending = entries;
    while (pending.length > 0) {
      const t0 = this.now();
      let outcomes: ItemOutcome[];
      try {
        outcomes = await this.deps.sink.deliver(pending.map((e) => e.out));
        if (outcomes.length !== pending.length) {
          outcomes = failAll(pending.length, true, 'ARB_SIEM_PEER_UNAVAILABLE', `sink answered ${outcomes.length} outcomes for ${pending.length} events`);
        }
      } catch (e) {
        outcomes = failAll(pending.length, true, 'ARB_SIEM_PEER_UNAVAILABLE', (e as Error).message);
      }
      this.m.requestSeconds.observe(this.labels, (this.now() - t0) / 1000);
      const retry: Entry[] = [];
      const dead: [Entry, ErrorCode, string][] = [];
      let okCount = 0;
      for (let i = 0; i < pending.length; i++) {
        const e = pending[i] as Entry;
        const o = outcomes[i] as ItemOutcome;
        e.attempts += 1;
        if (o.ok) {
          okCount += 1;
          this.m.delivered.inc(this.labels);
          e.settle();
        } else if (!o.retryable) {
          dead.push([e, o.code, o.detail]);
        } else if (e.attempts >= maxAttempts) {
          dead.push([e, 'ARB_SIEM_RETRIES_EXHAUSTED', `${e.attempts} attempts; last ${o.code}: ${o.detail}`]);
        } else {
          retry.push(e);
        }
      }
      this.m.requests.inc({ ...this.labels, outcome: okCount === pending.length ? 'ok' : okCount === 0 ? 'failed' : 'partial' });
      if (dead.length > 0) await this.deadLetter(dead);
      if (retry.length > 0) {
        this.m.retries.inc(this.labels, retry.length);
        const attempts = Math.max(...retry.map((e) => e.attempts));
        await this.sleep(backoffDelayMs(attempts, baseBackoffMs, maxBackoffMs, this.random));
      }
      pending = retry;
    }
  }

  private async deadLetter(dead: readonly [Entry, ErrorCode, string][]): Promise<void> {
    try {
      await this.writeLetters(dead.map(([e, code, detail]) => [e.source, code, `${e.out.id}: ${detail}`]));
      for (const [e] of dead) e.settle();
    } catch (err) {
      for (const [e] of dead) e.settle(e.fromKafka ? (err as Error) : new Error('dlq write failed'));
    }
  }

  /** Writes dead letters with a few quick retries; counts them by code once durable. */
  private async writeLetters(letters: readonly [Source, ErrorCode, string][]): Promise<void> {
    const atMs = this.now();
    const batch: DeadLetter[] = letters.map(([s, errorCode, message]) => ({
      key: s.key, value: s.value, errorCode, message, sourceTopic: s.topic, sourcePartition: s.partition, sourceOffset: s.offset, atMs,
    }));
    const { baseBackoffMs, maxBackoffMs } = this.config.delivery;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.dlq.write(batch);
        for (const l of batch) this.m.dlq.inc({ ...this.labels, code: l.errorCode });
        return;
      } catch (e) {
        this.m.dlqFailed.inc(this.labels);
        if (attempt >= 3) throw new Error(`ARB_SIEM_DLQ_FAILED: ${batch.length} dead letter(s) not written to ${this.config.dlqTopic}: ${(e as Error).message}`);
        await this.sleep(backoffDelayMs(attempt, baseBackoffMs, maxBackoffMs, this.random));
      }
    }
  }
}
