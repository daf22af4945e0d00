// StreamLoop's delivery contract, with a scripted in-memory transport (no broker): which calls happen, in which
// order, and what the task is told, for the exactly-once and the at-least-once paths and for failures.
import { describe, expect, it } from 'vitest';
import { StreamLoop, type StreamTask } from '../../../processors/runtime/stream/loop.ts';
import type {
  Batch, ConsumerOptions, KafkaTransport, OutRecord, ProducerOptions, TopicPartitionOffset, TransportConsumer, TransportProducer,
} from '../../../processors/runtime/transport/transport.ts';

function scripted(opts: { transactions: boolean; failOn?: string }) {
  const calls: string[] = [];
  let handler: ((b: Batch) => Promise<void>) | undefined;
  const fail = (what: string) => {
    calls.push(what);
    if (opts.failOn === what) throw new Error(`${what} failed`);
  };
  const transport: KafkaTransport = {
    name: 'scripted', supportsTransactions: opts.transactions,
    admin: async () => { throw new Error('unused'); },
    producer: async (p?: ProducerOptions): Promise<TransportProducer> => ({
      send: async (r: readonly OutRecord[]) => fail(`send:${r.length}`),
      ...(p?.transactionalId ? { transaction: async () => ({
        send: async (r: readonly OutRecord[]) => fail(`txn.send:${r.length}`),
        sendOffsets: async (_g: string, o: readonly TopicPartitionOffset[]) => fail(`txn.offsets:${o.map((x) => x.offset).join()}`),
        commit: async () => fail('txn.commit'),
        abort: async () => fail('txn.abort'),
      }) } : {}),
      close: async () => undefined,
    }),
    consumer: async (_c: ConsumerOptions): Promise<TransportConsumer> => ({
      run: async (each) => { handler = each; },
      commit: async (o) => fail(`commit:${o.map((x) => x.offset).join()}`),
      close: async () => undefined,
    }),
  };
  const told: string[] = [];
  const task: StreamTask = {
    process: async () => [{ topic: 'out', key: null, value: Buffer.from('x') }],
    committed: () => told.push('committed'),
    aborted: () => told.push('aborted'),
    onAssigned: async () => undefined,
    onRevoked: async () => undefined,
  };
  const batch: Batch = { topic: 'in', partition: 0, records: [
    { topic: 'in', partition: 0, offset: '41', key: null, value: null, headers: {}, timestampMs: 0 },
    { topic: 'in', partition: 0, offset: '42', key: null, value: null, headers: {}, timestampMs: 0 },
  ] };
  return { transport, task, calls, told, deliver: () => (handler as (b: Batch) => Promise<void>)(batch) };
}

describe('StreamLoop delivery', () => {
  it('exactly once: outputs and the next offset in one transaction, then the task commits its state', async () => {
    const s = scripted({ transactions: true });
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 'g-1' }, s.task);
    expect(loop.mode).toBe('exactly-once');
    await loop.start();
    await s.deliver();
    expect(s.calls).toEqual(['txn.send:1', 'txn.offsets:43', 'txn.commit']);
    expect(s.told).toEqual(['committed']);
  });

  it('exactly once: a failed commit aborts the transaction, the task forgets the batch, and the error propagates', async () => {
    const s = scripted({ transactions: true, failOn: 'txn.commit' });
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 'g-1' }, s.task);
    await loop.start();
    await expect(s.deliver()).rejects.toThrow(/txn.commit failed/);
    expect(s.calls).toEqual(['txn.send:1', 'txn.offsets:43', 'txn.commit', 'txn.abort']);
    expect(s.told).toEqual(['aborted']);
  });

  it('at least once without transactions: produce first, then commit offsets', async () => {
    const s = scripted({ transactions: false });
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 'g-1' }, s.task);
    expect(loop.mode).toBe('at-least-once');
    await loop.start();
    await s.deliver();
    expect(s.calls).toEqual(['send:1', 'commit:43']);
    expect(s.told).toEqual(['committed']);
  });

  it('at least once: a failed produce commits no offset and the task forgets the batch', async () => {
    const s = scripted({ transactions: false, failOn: 'send:1' });
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'] }, s.task);
    await loop.start();
    await expect(s.deliver()).rejects.toThrow(/send:1 failed/);
    expect(s.calls).toEqual(['send:1']);
    expect(s.told).toEqual(['aborted']);
  });
});
