// StreamLoop group commit, with a scripted in-memory transport (no broker): batches handed over back to back share
// one transaction with one changelog tail; a batch arriving during a commit waits for it and goes into the next;
// revocation commits what is pending first; a failed commit aborts the task's state and stops the loop. And the
// redelivery guard: records handed over again after they were processed (a client rewinding to the committed
// offsets on a group join) are dropped, in both commit modes, until the partition is revoked or assigned anew.
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../core/errors.ts';
import { StreamLoop, type StreamTask } from './loop.ts';
import type {
  Batch, ConsumerOptions, KafkaTransport, OutRecord, TopicPartitionOffset, TransportConsumer, TransportProducer,
} from '../transport/transport.ts';

function scripted(opts: { failCommit?: boolean; pipelined?: boolean; refuseOffsetsOnce?: boolean } = {}) {
  const calls: string[] = [];
  let handler: ((b: Batch) => Promise<void>) | undefined;
  let consumerOptions: ConsumerOptions | undefined;
  let releaseCommit: (() => void) | undefined;
  let holdCommits = false;
  let refuse = opts.refuseOffsetsOnce === true;
  const transport: KafkaTransport = {
    name: 'scripted', supportsTransactions: true,
    admin: async () => { throw new Error('unused'); },
    producer: async (): Promise<TransportProducer> => ({
      send: async () => undefined,
      transaction: async () => ({
        send: async (r: readonly OutRecord[]) => void calls.push(`send:${r.map((x) => x.topic).join(',')}`),
        sendOffsets: async (_g: string, o: readonly TopicPartitionOffset[]) => {
          calls.push(`offsets:${o.map((x) => `${x.topic}/${x.partition}@${x.offset}`).join(',')}`);
          if (refuse) {
            refuse = false;
            throw new ArbiterError('ARB_TRANSPORT_GENERATION_STALE', 'group g rebalanced meanwhile', { key: 'g' });
          }
        },
        commit: async () => {
          calls.push('commit');
          if (holdCommits) await new Promise<void>((resolve) => (releaseCommit = resolve));
          if (opts.failCommit) throw new Error('commit failed');
        },
        abort: async () => void calls.push('abort'),
      }),
      close: async () => undefined,
    }),
    consumer: async (c: ConsumerOptions): Promise<TransportConsumer> => {
      consumerOptions = c;
      // run() never ends by itself here: only a failure ends the loop.
      return {
        run: (each) => { handler = each; return new Promise<void>(() => undefined); }, commit: async () => undefined, close: async () => undefined,
        // The group's committed offset of partition 0 is 10 (nothing of the scripted batches committed yet).
        stableCommitted: async (ps) => { calls.push(`stable:${ps.map((p) => p.partition).join(',')}`); return ps.map((p) => ({ ...p, offset: '10' })); },
        rewind: async () => void calls.push('rewind'),
      };
    },
  };
  const told: string[] = [];
  const task: StreamTask = {
    process: async (b) => {
      told.push(`process:${b.partition}`);
      return [{ topic: `out${b.partition}`, key: null, value: null }];
    },
    beforeCommit: () => [{ topic: 'changelog', key: null, value: null }],
    ...(opts.pipelined ? { sealed: () => void told.push('sealed') } : {}),
    committed: () => void told.push('committed'),
    aborted: () => void told.push('aborted'),
    onAssigned: async () => undefined,
    onRevoked: async () => void told.push('revoked'),
  };
  const batch = (partition: number, offset: number, count = 1): Batch => ({
    topic: 'in', partition, records: Array.from({ length: count }, (_, i) => (
      { topic: 'in', partition, offset: String(offset + i), key: null, value: null, headers: {}, timestampMs: 0 })),
  });
  return {
    transport, task, calls, told, batch,
    deliver: (b: Batch) => (consumerOptions && handler ? handler(b) : Promise.reject(new Error('not started'))),
    assign: () => (consumerOptions?.onAssigned as NonNullable<ConsumerOptions['onAssigned']>)([{ topic: 'in', partition: 0 }]),
    revoke: () => (consumerOptions?.onRevoked as NonNullable<ConsumerOptions['onRevoked']>)([{ topic: 'in', partition: 0 }]),
    hold: () => { holdCommits = true; },
    release: () => { holdCommits = false; releaseCommit?.(); },
  };
}

const idle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

describe('StreamLoop group commit', () => {
  it('commits batches handed over back to back in one transaction, with the changelog tail once', async () => {
    const s = scripted();
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit: true }, s.task);
    await loop.start();
    await s.deliver(s.batch(0, 10));
    await s.deliver(s.batch(1, 20));
    expect(s.calls).toEqual([]);
    await idle();
    expect(s.calls).toEqual(['send:out0,out1,changelog', 'offsets:in/0@11,in/1@21', 'commit']);
    expect(s.told).toEqual(['process:0', 'process:1', 'committed']);
  });

  it('close() abandons a commit that does not finish in closeStepMs, says which step, and still closes the rest', async () => {
    const s = scripted();
    const abandoned: string[] = [];
    const loop = new StreamLoop(s.transport, {
      groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit: true, closeStepMs: 50, onCloseStepAbandoned: (step) => void abandoned.push(step),
    }, s.task);
    await loop.start();
    s.hold(); // the broker never answers the commit
    void s.deliver(s.batch(0, 1));
    await idle();
    const started = performance.now();
    await loop.close();
    expect(performance.now() - started).toBeLessThan(5_000);
    // The scripted consumer's run() never ends by itself (see scripted()), so its step is abandoned too.
    expect(abandoned).toEqual(['commit', 'consumer']);
    expect(s.told).not.toContain('committed');
  });

  it('holds a batch that arrives during a commit until that commit is done, then commits it on its own', async () => {
    const s = scripted();
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit: true }, s.task);
    await loop.start();
    s.hold();
    await s.deliver(s.batch(0, 1));
    await idle();
    const second = s.deliver(s.batch(0, 2));
    await idle();
    expect(s.told).toEqual(['process:0']);
    s.release();
    await second;
    await idle();
    expect(s.told).toEqual(['process:0', 'committed', 'process:0', 'committed']);
    expect(s.calls.filter((c) => c.startsWith('offsets'))).toEqual(['offsets:in/0@2', 'offsets:in/0@3']);
  });

  it('commits what is pending before partitions are revoked', async () => {
    const s = scripted();
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit: true }, s.task);
    await loop.start();
    await s.deliver(s.batch(0, 5));
    await s.revoke();
    expect(s.told).toEqual(['process:0', 'committed', 'revoked']);
  });

  it('commits inside the hand-over once maxGroupRecords are pending', async () => {
    const s = scripted();
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit: true, maxGroupRecords: 1 }, s.task);
    await loop.start();
    await s.deliver(s.batch(0, 5));
    expect(s.told).toEqual(['process:0', 'committed']);
  });

  it('a failed commit aborts the task state, stops the loop, and refuses the next batch', async () => {
    const s = scripted({ failCommit: true });
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit: true }, s.task);
    const { stopped } = await loop.start();
    await s.deliver(s.batch(0, 5));
    await expect(stopped).rejects.toThrow(/commit failed/);
    expect(s.calls).toEqual(['send:out0,changelog', 'offsets:in/0@6', 'commit', 'abort']);
    expect(s.told).toEqual(['process:0', 'aborted']);
    await expect(s.deliver(s.batch(0, 6))).rejects.toThrow(/commit failed/);
  });

  for (const groupCommit of [true, false]) {
    it(`drops records handed over again after they were processed (group commit ${groupCommit ? 'on' : 'off'})`, async () => {
      const s = scripted();
      const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit }, s.task);
      await loop.start();
      await s.deliver(s.batch(0, 10, 2));
      await s.deliver(s.batch(0, 10, 2)); // rewound to the committed offset before the commit landed
      await s.deliver(s.batch(0, 11, 2)); // overlaps: only offset 12 is new
      await idle();
      expect(s.told.filter((t) => t.startsWith('process'))).toEqual(['process:0', 'process:0']);
      expect(loop.redelivered).toBe(3);
      expect(s.calls.filter((c) => c.startsWith('offsets')).at(-1)).toBe('offsets:in/0@13');
      await s.assign(); // assigned anew: the committed offset is the truth again
      await s.deliver(s.batch(0, 12, 1));
      await idle();
      expect(s.told.filter((t) => t.startsWith('process'))).toHaveLength(3);
    });
  }

  it('pipelined (task with sealed()): a batch arriving during a commit is processed at once and goes into the next one', async () => {
    const s = scripted({ pipelined: true });
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit: true }, s.task);
    await loop.start();
    s.hold();
    await s.deliver(s.batch(0, 1));
    await idle(); // the first commit is in flight, held
    await s.deliver(s.batch(1, 7)); // not held back by the commit in flight
    expect(s.told).toEqual(['process:0', 'sealed', 'process:1']);
    s.release();
    await idle();
    await idle();
    expect(s.told).toEqual(['process:0', 'sealed', 'process:1', 'committed', 'sealed', 'committed']);
    expect(s.calls.filter((c) => c.startsWith('offsets'))).toEqual(['offsets:in/0@2', 'offsets:in/1@8']);
  });

  it('absorbs a commit refused by a rebalance: aborts, drops the work, restarts at the stable offsets, rewinds and keeps running', async () => {
    const s = scripted({ refuseOffsetsOnce: true, pipelined: true });
    const loop = new StreamLoop(s.transport, { groupId: 'g', topics: ['in'], transactionalId: 't', groupCommit: true }, s.task);
    const { stopped } = await loop.start();
    let stop = 'running';
    stopped.then(() => (stop = 'ended'), () => (stop = 'failed'));
    await s.assign();
    await s.deliver(s.batch(0, 10, 2));
    await idle();
    await idle();
    expect(s.calls).toEqual(['stable:0', 'send:out0,changelog', 'offsets:in/0@12', 'abort', 'stable:0', 'rewind']);
    expect(s.told).toEqual(['process:0', 'sealed', 'aborted']);
    expect(loop.rebalances).toBe(1);
    // The rewound read hands the same records over again: processed anew (not dropped as redelivered), committed.
    await s.deliver(s.batch(0, 10, 2));
    await idle();
    expect(s.calls.slice(6)).toEqual(['send:out0,changelog', 'offsets:in/0@12', 'commit']);
    expect(s.told.slice(3)).toEqual(['process:0', 'sealed', 'committed']);
    expect(loop.redelivered).toBe(0);
    expect(stop).toBe('running');
  });
});
