// BundleWatcher with a scripted transport (no broker): a consumer whose group join is refused (a cold group
// coordinator right after a broker restart) must not leave the processor without a bundle; the failure is reported
// and a new consumer takes over, skipping records the failed one had already applied.
import { describe, expect, it } from 'vitest';
import type { PolicyBundle } from '../../../processors/policy/model.ts';
import type { TopicSerde } from '../../../processors/runtime/serde/topic-serde.ts';
import { defineTopics } from '../../../processors/runtime/topics.ts';
import type { Batch, ConsumerOptions, InRecord, KafkaTransport, TransportConsumer } from '../../../processors/runtime/transport/transport.ts';
import { BundleSlot, BundleWatcher, firstBundle } from '../../../processors/verdict/bundle-slot.ts';
import type { PolicyEngine } from '../../../processors/verdict/policy-port.ts';
import type { PolicyBundleActivated } from '../../../schemas/generated/PolicyBundleActivated.ts';

const topics = defineTopics({ prefix: 'w', partitions: 1, replicationFactor: 1 });
const coordinatorLoading = Object.assign(new Error('The coordinator is loading and hence can\'t process requests.'), { apiId: 'COORDINATOR_LOAD_IN_PROGRESS' });

/** What one consumer's run() does: hand over `records`, then reject with `fail` or wait for close(). */
interface Script { readonly records?: readonly InRecord[]; readonly fail?: Error }

function scripted(scripts: readonly Script[]) {
  const groups: string[] = [];
  let n = 0;
  const transport: KafkaTransport = {
    name: 'scripted', supportsTransactions: false,
    admin: async () => { throw new Error('unused'); },
    producer: async () => { throw new Error('unused'); },
    consumer: async (c: ConsumerOptions): Promise<TransportConsumer> => {
      groups.push(c.groupId);
      const script = scripts[n++] ?? {};
      let closed!: () => void;
      const stopped = new Promise<void>((resolve) => (closed = resolve));
      return {
        run: async (each: (b: Batch) => Promise<void>) => {
          if (script.records !== undefined) await each({ topic: topics.policyBundles.topic, partition: 0, records: script.records });
          if (script.fail !== undefined) throw script.fail;
          await stopped;
        },
        commit: async () => undefined,
        close: async () => closed(),
      };
    },
  };
  return { transport, groups };
}

const record = (offset: number, revision: string): InRecord => ({
  topic: topics.policyBundles.topic, partition: 0, offset: String(offset), key: Buffer.from('b'), value: Buffer.from(revision), headers: {}, timestampMs: 0,
});

function watcherOf(transport: KafkaTransport) {
  const loaded: string[] = [];
  const engine: PolicyEngine = {
    evaluate: () => { throw new Error('unused'); },
    outsideIntent: () => undefined,
    load: async (a: PolicyBundleActivated) => {
      loaded.push(a.revision);
      return { revision: a.revision } as PolicyBundle;
    },
  };
  const serde = { decode: async (_t: unknown, r: InRecord) => ({ bundleName: 'b', revision: r.value?.toString() ?? '' }) } as unknown as TopicSerde;
  const slot = new BundleSlot(engine, 'b');
  const errors: string[] = [];
  const watcher = new BundleWatcher({
    slot, serde, topics, transport, producer: { send: async () => undefined, close: async () => undefined }, groupPrefix: 'g',
    onError: (error, attempt) => errors.push(`${attempt}: ${(error as Error).message}`),
  });
  return { slot, watcher, loaded, errors };
}

describe('BundleWatcher', () => {
  it('a join refused by a loading coordinator is reported and retried with a new group; the bundle then activates', async () => {
    const s = scripted([{ fail: coordinatorLoading }, { records: [record(0, 'r1')] }]);
    const w = watcherOf(s.transport);
    await w.watcher.start();
    expect(await firstBundle(w.slot, 5_000)).toBe(true);
    expect(w.slot.current?.revision).toBe('r1');
    expect(w.errors).toEqual(['1: The coordinator is loading and hence can\'t process requests.']);
    expect(s.groups).toHaveLength(2);
    expect(s.groups[0]).not.toBe(s.groups[1]);
    await w.watcher.close();
  });

  it('a replacement consumer skips what was applied, so an older activation never comes back on top', async () => {
    const s = scripted([
      { records: [record(0, 'r1'), record(1, 'r2')], fail: new Error('connection lost') },
      { records: [record(0, 'r1'), record(1, 'r2'), record(2, 'r3')] },
    ]);
    const w = watcherOf(s.transport);
    await w.watcher.start();
    await new Promise<void>((resolve) => w.slot.onEvent((e) => { if (e.revision === 'r3') resolve(); }));
    expect(w.loaded).toEqual(['r1', 'r2', 'r3']);
    expect(w.errors).toEqual(['1: connection lost']);
    await w.watcher.close();
  });

  it('close() stops it while it waits to retry', async () => {
    const s = scripted([{ fail: coordinatorLoading }, { fail: coordinatorLoading }]);
    const w = watcherOf(s.transport);
    await w.watcher.start();
    await w.watcher.close();
    const groups = s.groups.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(s.groups.length).toBe(groups);
    expect(w.slot.current).toBeUndefined();
  });
});
