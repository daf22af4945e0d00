// IntervalCommitLoop's contract against an in-memory transport twin (no broker): offsets are committed only after
// the outputs of the records before them were acknowledged, commits go in order, and a failed send stops the loop
// before anything after it is committed.
import { describe, expect, it } from 'vitest';
import { IntervalCommitLoop } from '../../../processors/aggregator/commit-loop.ts';
import type { StreamTask } from '../../../processors/runtime/stream/loop.ts';
import type {
  Batch, ConsumerOptions, KafkaTransport, OutRecord, TopicPartitionOffset, TransportConsumer, TransportProducer,
} from '../../../processors/runtime/transport/transport.ts';

interface Twin {
  transport: KafkaTransport;
  feed: (batch: Batch) => Promise<void>;
  commits: TopicPartitionOffset[][];
  sends: { records: readonly OutRecord[]; ack: () => void; fail: (e: Error) => void }[];
  events: string[];
}

function twin(): Twin {
  const t: Twin = { commits: [], sends: [], events: [], feed: async () => undefined, transport: undefined as unknown as KafkaTransport };
  let each: ((b: Batch) => Promise<void>) | undefined;
  let stop!: () => void;
  const consumer: TransportConsumer = {
    run: (eachBatch) => {
      each = eachBatch;
      return new Promise<void>((resolve) => (stop = resolve));
    },
    commit: async (offsets) => {
      t.commits.push([...offsets]);
      t.events.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`);
    },
    close: async () => stop(),
  };
  const producer: TransportProducer = {
    send: (records) => new Promise<void>((resolve, reject) => {
      t.sends.push({ records, ack: () => { t.events.push(`ack ${records.length}`); resolve(); }, fail: reject });
    }),
    close: async () => undefined,
  };
  t.transport = {
    name: 'twin', supportsTransactions: false,
    admin: async () => { throw new Error('not used'); },
    producer: async () => producer,
    consumer: async (_o: ConsumerOptions) => consumer,
  };
  t.feed = async (b) => (each as (b: Batch) => Promise<void>)(b);
  return t;
}

/** A task that emits one output per record whose value is "alert". */
const task: StreamTask = {
  process: async (b) => b.records.filter((r) => r.value?.toString() === 'alert').map(() => ({ topic: 'alerts', key: 'a', value: Buffer.from('x') })),
  committed: () => undefined, aborted: () => undefined, onAssigned: async () => undefined, onRevoked: async () => undefined,
};

const batch = (partition: number, from: number, values: string[]): Batch => ({
  topic: 'in', partition,
  records: values.map((v, i) => ({ topic: 'in', partition, offset: String(from + i), key: null, value: Buffer.from(v), headers: {}, timestampMs: 0 })),
});
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('IntervalCommitLoop', () => {
  it('commits the offsets only after the outputs before them were acknowledged', async () => {
    const t = twin();
    const loop = new IntervalCommitLoop(t.transport, { groupId: 'g', topics: ['in'], commitIntervalMs: 0, lingerMs: 1 }, task);
    await loop.start();
    await t.feed(batch(0, 0, ['a', 'alert', 'b']));
    await tick();
    expect(t.sends).toHaveLength(1);
    expect(t.commits).toEqual([]);
    t.sends[0]?.ack();
    await tick();
    expect(t.events).toEqual(['ack 1', 'commit 0@3']);
    await loop.close();
  });

  it('commits without waiting when a batch had no outputs, and keeps the latest offset per partition', async () => {
    const t = twin();
    const loop = new IntervalCommitLoop(t.transport, { groupId: 'g', topics: ['in'], commitIntervalMs: 60_000, lingerMs: 1 }, task);
    await loop.start();
    await t.feed(batch(0, 0, ['a']));
    await t.feed(batch(1, 0, ['a', 'b']));
    await t.feed(batch(0, 1, ['c']));
    expect(t.commits).toEqual([]);
    await loop.drain();
    expect(t.commits).toEqual([[{ topic: 'in', partition: 0, offset: '2' }, { topic: 'in', partition: 1, offset: '2' }]]);
    await loop.close();
  });

  it('after a failed send, nothing more is committed and the next batch fails', async () => {
    const t = twin();
    const loop = new IntervalCommitLoop(t.transport, { groupId: 'g', topics: ['in'], commitIntervalMs: 0, lingerMs: 1 }, task);
    await loop.start();
    await t.feed(batch(0, 0, ['alert']));
    await tick();
    t.sends[0]?.fail(new Error('broker said no'));
    await tick();
    await expect(t.feed(batch(0, 1, ['a']))).rejects.toThrow('broker said no');
    await expect(loop.drain()).rejects.toThrow('broker said no');
    expect(t.commits).toEqual([]);
    await loop.close();
  });
});
