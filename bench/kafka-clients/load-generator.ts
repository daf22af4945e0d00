// The requester side of the request/reply benches: produces requests (key, reply topic/partition, request id headers)
// and measures the round trip until its reply arrives on its own reply partition. Reusable by bench/verdict: give it
// any service that answers on the reply topic/partition named in the headers (or adapt `makeRequest`).
// Two load shapes, both bounded in time:
//  - closed loop: a fixed number of requests in flight, a new one sent as each reply arrives;
//  - open loop: a fixed offered rate, paced by the intended send times. Latency counts from the moment the request
//    is handed to the client; how late the generator itself was against its schedule (its own event-loop lag on a
//    busy machine) is reported separately as scheduleLagP99Ms, so it is not charged to the client under test.
// Sends issued in the same event-loop turn are coalesced into one send() call (same for every client).
import { performance } from 'node:perf_hooks';
import type { InRecord, KafkaTransport, OutRecord, TransportConsumer, TransportProducer } from '../../processors/runtime/transport/index.ts';
import { summarize, type LatencySummary } from './latency-stats.ts';
import { withTimeout } from './with-timeout.ts';
import { REPLY_PARTITION_HEADER, REPLY_TOPIC_HEADER, REQUEST_ID_HEADER } from './request-reply.ts';

export interface RequesterOptions {
  readonly requestTopic: string;
  readonly replyTopic: string;
  readonly replyPartition: number;
  readonly groupId: string;
  readonly payloadBytes: number;
  /** Distinct keys (session ids) cycled through. */
  readonly sessions: number;
  readonly maxWaitMs?: number;
  readonly lingerMs?: number;
  /** Builds the request; default: the echo convention (headers name the reply topic/partition). */
  readonly makeRequest?: (seq: number, options: RequesterOptions) => OutRecord;
  /** Extracts the request id from a reply; default: the request-id header. */
  readonly requestIdOf?: (reply: InRecord) => string | undefined;
}

export interface PhaseResult {
  readonly label: string;
  readonly offeredPerSec: number;
  readonly sent: number;
  readonly completed: number;
  /** Requests without a reply when the phase's drain time ran out. */
  readonly lost: number;
  readonly achievedPerSec: number;
  readonly latency: LatencySummary;
  /** Open loop only: the backlog passed its bound and the step was cut short. */
  readonly overloaded: boolean;
  /** CPU time of this (requester) process per answered request, µs: client overhead, far less noise-prone than latency. */
  readonly cpuMicrosPerRequest: number;
  /** Open loop only: p99 of (actual send time - intended send time), ms. */
  readonly scheduleLagP99Ms: number;
}

interface Pending {
  readonly startMs: number;
  readonly record: boolean;
}

const DRAIN_MS = 3_000;

export function echoRequest(seq: number, o: RequesterOptions, payload: Buffer): OutRecord {
  return {
    topic: o.requestTopic,
    key: `session-${seq % o.sessions}`,
    value: payload,
    headers: {
      [REPLY_TOPIC_HEADER]: Buffer.from(o.replyTopic),
      [REPLY_PARTITION_HEADER]: Buffer.from(String(o.replyPartition)),
      [REQUEST_ID_HEADER]: Buffer.from(String(seq)),
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Requester {
  readonly #options: RequesterOptions;
  readonly #producer: TransportProducer;
  readonly #consumer: TransportConsumer;
  readonly #running: Promise<void>;
  readonly #payload: Buffer;
  readonly #pending = new Map<string, Pending>();
  #queue: OutRecord[] = [];
  #flushScheduled = false;
  #seq = 0;
  #latencies: number[] = [];
  #completed = 0;
  #onReply: (() => void) | undefined;
  #sendError: unknown;
  #cpuAtStart: NodeJS.CpuUsage = process.cpuUsage();

  private constructor(options: RequesterOptions, producer: TransportProducer, consumer: TransportConsumer) {
    this.#options = options;
    this.#producer = producer;
    this.#consumer = consumer;
    this.#payload = Buffer.alloc(options.payloadBytes, 0x61);
    this.#running = consumer.run(async (batch) => this.#receive(batch.records));
    this.#running.catch(() => undefined);
  }

  static async start(transport: KafkaTransport, options: RequesterOptions): Promise<Requester> {
    const producer = await transport.producer(options.lingerMs !== undefined ? { lingerMs: options.lingerMs } : {});
    let resolveReady!: () => void;
    const ready = new Promise<void>((resolve) => (resolveReady = resolve));
    const consumer = await transport.consumer({
      groupId: options.groupId,
      topics: [options.replyTopic],
      // The reply topic is the requester's own: reading it from the start loses no reply sent while the
      // consumer's position was still being resolved (stale replies are ignored by request id).
      fromBeginning: true,
      sessionTimeoutMs: 10_000,
      ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
      onAssigned: async () => resolveReady(),
    });
    const requester = new Requester(options, producer, consumer);
    await withTimeout(ready, 30_000, `${transport.name}: reply partition assignment`);
    await withTimeout(requester.#ping(), 30_000, `${transport.name}: first request/reply`);
    return requester;
  }

  /** One request answered end to end: the service and both consumers are live. */
  async #ping(): Promise<void> {
    this.#beginPhase();
    this.#send(performance.now(), false);
    while (this.#completed === 0) await sleep(5);
  }

  #receive(records: readonly InRecord[]): void {
    const now = performance.now();
    const idOf = this.#options.requestIdOf ?? ((r: InRecord) => r.headers[REQUEST_ID_HEADER]?.toString());
    for (const r of records) {
      const id = idOf(r);
      if (id === undefined) continue;
      const p = this.#pending.get(id);
      if (p === undefined) continue; // a straggler from an earlier phase
      this.#pending.delete(id);
      this.#completed++;
      if (p.record) this.#latencies.push(now - p.startMs);
      this.#onReply?.();
    }
  }

  #send(startMs: number, record: boolean): void {
    const seq = this.#seq++;
    const request = this.#options.makeRequest?.(seq, this.#options) ?? echoRequest(seq, this.#options, this.#payload);
    this.#pending.set(String(seq), { startMs, record });
    this.#queue.push(request);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    // The transport splits calls too large for one request; sends of different turns may overlap.
    if (batch.length > 0) this.#producer.send(batch).catch((error) => (this.#sendError ??= error));
  }

  #beginPhase(): void {
    this.#pending.clear();
    this.#latencies = [];
    this.#completed = 0;
    this.#sendError = undefined;
    this.#cpuAtStart = process.cpuUsage();
  }

  async #endPhase(label: string, offeredPerSec: number, sent: number, measuredMs: number): Promise<PhaseResult> {
    const deadline = performance.now() + DRAIN_MS;
    while (this.#pending.size > 0 && performance.now() < deadline) await sleep(5);
    this.#onReply = undefined;
    const cpu = process.cpuUsage(this.#cpuAtStart);
    if (this.#sendError !== undefined) throw this.#sendError;
    const latency = summarize(this.#latencies);
    return {
      label,
      offeredPerSec,
      sent,
      completed: this.#completed,
      lost: this.#pending.size,
      achievedPerSec: (latency.count / measuredMs) * 1000,
      latency,
      overloaded: false,
      cpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, this.#completed),
      scheduleLagP99Ms: 0,
    };
  }

  /** `inFlight` requests outstanding at all times for warmupMs + measureMs; latencies of the last measureMs. */
  async closedLoop(inFlight: number, warmupMs: number, measureMs: number): Promise<PhaseResult> {
    this.#beginPhase();
    const t0 = performance.now();
    const recordFrom = t0 + warmupMs;
    const stopAt = recordFrom + measureMs;
    let sent = 0;
    this.#onReply = () => {
      const now = performance.now();
      if (now < stopAt) {
        this.#send(now, now >= recordFrom);
        sent++;
      }
    };
    for (let i = 0; i < inFlight; i++) {
      this.#send(t0, false);
      sent++;
    }
    await sleep(stopAt - performance.now());
    return this.#endPhase(`closed loop, ${inFlight} in flight`, 0, sent, measureMs);
  }

  /**
   * Offers `ratePerSec` for warmupMs + measureMs. Stops early (the step is then not sustained) when more than
   * `maxOutstanding` requests are waiting.
   */
  async openLoop(ratePerSec: number, warmupMs: number, measureMs: number, maxOutstanding = 50_000): Promise<PhaseResult> {
    this.#beginPhase();
    const t0 = performance.now();
    const intervalMs = 1000 / ratePerSec;
    const recordFrom = t0 + warmupMs;
    const stopAt = recordFrom + measureMs;
    let issued = 0;
    let overloaded = false;
    const lags: number[] = [];
    while (performance.now() < stopAt) {
      const now = performance.now();
      const due = Math.floor((now - t0) / intervalMs);
      for (; issued < due; issued++) {
        const intended = t0 + issued * intervalMs;
        const measured = intended >= recordFrom;
        if (measured) lags.push(now - intended);
        this.#send(now, measured);
      }
      if (this.#pending.size > maxOutstanding) {
        overloaded = true;
        break;
      }
      await sleep(1);
    }
    const result = await this.#endPhase(`open loop, ${ratePerSec}/s offered`, ratePerSec, issued, measureMs);
    return { ...result, overloaded, scheduleLagP99Ms: summarize(lags).p99 };
  }

  async stop(): Promise<void> {
    await this.#consumer.close();
    await this.#running;
    await this.#producer.close();
  }
}
