// The exactly-once echo on the processors' own runtime: a no-op StreamTask (one reply per request, no state) run by
// StreamLoop with the verdict processor's settings (transaction per group commit, pipelined commits, 20 ms fetch
// wait). Verdict / this echo isolates the cost of the verdict work (decode, decide, chain, encode, changelog) from
// the cost of the exactly-once runtime both share (bench/verdict).
// Experiment (`extraTopics`): each request also writes one copy of itself to each of these topics, on the request's
// partition (as the verdict writes its decision and changelog records to the input partition): what each output
// partition added to a transaction costs in latency and CPU, without any verdict work.
import { StreamLoop, type StreamTask } from '../../processors/runtime/stream/loop.ts';
import type { Batch, KafkaTransport, OutRecord } from '../../processors/runtime/transport/index.ts';
import { replyFor, type EchoService, type EchoServiceOptions } from './echo-service.ts';

/** Replies only; nothing to seal, commit or abort. */
class EchoTask implements StreamTask {
  replied = 0;
  #pending = 0;
  #sealed = 0;
  #assigned = 0;
  readonly #onReady: (() => void) | undefined;
  readonly #partitions: number;
  readonly #extraTopics: readonly string[];

  constructor(partitions: number, onReady: (() => void) | undefined, extraTopics: readonly string[]) {
    this.#partitions = partitions;
    this.#onReady = onReady;
    this.#extraTopics = extraTopics;
  }

  async process(batch: Batch): Promise<readonly OutRecord[]> {
    this.#pending += batch.records.length;
    if (this.#extraTopics.length === 0) return batch.records.map(replyFor);
    return batch.records.flatMap((r) => [replyFor(r),
      ...this.#extraTopics.map((topic): OutRecord => ({ topic, partition: r.partition, key: r.key, value: r.value }))]);
  }
  sealed(): void {
    this.#sealed += this.#pending;
    this.#pending = 0;
  }
  committed(): void {
    this.replied += this.#sealed;
    this.#sealed = 0;
  }
  aborted(): void {
    this.#sealed = 0;
  }
  async onAssigned(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    this.#assigned += partitions.length;
    if (this.#assigned >= this.#partitions) this.#onReady?.();
  }
  async onRevoked(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    this.#assigned -= partitions.length;
  }
}

export async function startStreamEcho(transport: KafkaTransport, options: EchoServiceOptions, extraTopics: readonly string[] = []): Promise<EchoService> {
  if (options.transactionalId === undefined) throw new Error('stream echo: a transactional id is required (exactly-once)');
  const task = new EchoTask(options.requestPartitions, options.onReady, extraTopics);
  const loop = new StreamLoop(transport, {
    groupId: options.groupId, topics: [options.requestTopic], transactionalId: options.transactionalId, groupCommit: true,
    sessionTimeoutMs: 10_000, ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
  }, task);
  const { stopped } = await loop.start();
  stopped.catch((error: unknown) => options.onFailure?.(error));
  return { replied: () => task.replied, stop: () => loop.close() };
}
