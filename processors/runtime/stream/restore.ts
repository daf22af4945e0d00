// Restores state from a changelog before a partition is processed.
// The transport has no "read partition p up to its end" call, so restore uses a throwaway consumer group on the
// changelog topic (read_committed, from the beginning). "The end" is made exact with a barrier: for each wanted
// partition a tombstone with a unique key is produced first; the partition is restored once its barrier is read.
// (High watermarks are not enough: with transactions the last offsets are commit markers no consumer ever sees.)
// Barrier tombstones are compacted away. The throwaway group asks for the wanted partitions only (onlyPartitions:
// @platformatic/kafka assigns just those); with adapters that cannot, it reads every partition and skips the others.
import { randomUUID } from 'node:crypto';
import { ArbiterError } from '../../core/errors.ts';
import type { InRecord, KafkaTransport, TransportProducer } from '../transport/transport.ts';

/** Keys of barrier records start with this; stores must ignore them. Sent as Buffers: a client binding may pass
 *  string keys as C strings, which end at the NUL (seen with @confluentinc/kafka-javascript). */
export const BARRIER_KEY_PREFIX = '\u0000barrier:';

export function isBarrierKey(key: Buffer | null): boolean {
  return key !== null && key.subarray(0, BARRIER_KEY_PREFIX.length).toString('utf8') === BARRIER_KEY_PREFIX;
}

export interface RestoreOptions {
  readonly transport: KafkaTransport;
  /** Plain (non-transactional) producer for the barrier records. */
  readonly producer: TransportProducer;
  readonly topic: string;
  readonly partitions: readonly number[];
  /** Prefix of the throwaway group id. */
  readonly groupPrefix: string;
  readonly timeoutMs: number;
  /** Every non-barrier record of the wanted partitions, in offset order per partition. */
  readonly onRecord: (record: InRecord) => void;
}

export async function restorePartitions(opts: RestoreOptions): Promise<{ records: number }> {
  if (opts.partitions.length === 0) return { records: 0 };
  const barriers = new Map<number, string>(opts.partitions.map((p) => [p, `${BARRIER_KEY_PREFIX}${randomUUID()}`]));
  await opts.producer.send([...barriers].map(([partition, key]) => ({ topic: opts.topic, partition, key: Buffer.from(key), value: null })));
  const waiting = new Set(opts.partitions);
  let records = 0;
  const consumer = await opts.transport.consumer({
    groupId: `${opts.groupPrefix}-restore-${randomUUID()}`, topics: [opts.topic], fromBeginning: true, readCommitted: true,
    onlyPartitions: opts.partitions,
  });
  let timer: NodeJS.Timeout | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), opts.timeoutMs)));
  const running = consumer.run(async (batch) => {
    if (!waiting.has(batch.partition)) return;
    const barrier = barriers.get(batch.partition);
    for (const r of batch.records) {
      if (r.key !== null && r.key.toString('utf8') === barrier) {
        waiting.delete(batch.partition);
        if (waiting.size === 0) done();
        return;
      }
      if (isBarrierKey(r.key)) continue;
      opts.onRecord(r);
      records++;
    }
  });
  try {
    const outcome = await Promise.race([finished, timedOut, running.then(() => 'stopped' as const)]);
    if (outcome === 'timeout' || outcome === 'stopped') {
      throw new ArbiterError('ARB_STREAM_RESTORE_FAILED',
        `changelog ${opts.topic} partitions ${[...waiting].join(',')} not restored (${outcome === 'timeout' ? `no barrier within ${opts.timeoutMs} ms` : 'consumer stopped'})`,
        { topic: opts.topic });
    }
    return { records };
  } finally {
    clearTimeout(timer);
    await consumer.close();
    await running.catch(() => undefined);
  }
}
