// The pure parts of the health server: its settings, the readiness conditions, and the consumer watch (over an
// in-memory transport that calls the assignment hook as the real adapters do: before any batch of the partitions).
import { describe, expect, it } from 'vitest';
import { watchConsumers } from '../../../processors/core/consumer-readiness.ts';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { healthConfigFromEnv, Readiness } from '../../../processors/core/health-server.ts';
import type { ConsumerOptions, KafkaTransport, TransportConsumer } from '../../../processors/runtime/transport/transport.ts';

describe('healthConfigFromEnv', () => {
  it('serves nothing unless a port is set; ARBITER_METRICS_PORT is the older name', () => {
    expect(healthConfigFromEnv({}).port).toBeUndefined();
    expect(healthConfigFromEnv({ ARBITER_HEALTH_PORT: 'off' }).port).toBeUndefined();
    expect(healthConfigFromEnv({ ARBITER_HEALTH_PORT: '9464' })).toEqual({ port: 9464, host: '0.0.0.0', maxLoopDelayMs: 10_000 });
    expect(healthConfigFromEnv({ ARBITER_METRICS_PORT: '9100' }).port).toBe(9100);
    expect(healthConfigFromEnv({ ARBITER_HEALTH_PORT: '9464', ARBITER_METRICS_PORT: '9100' }).port).toBe(9464);
    expect(healthConfigFromEnv({ ARBITER_HEALTH_PORT: '0', ARBITER_HEALTH_HOST: '127.0.0.1' })).toMatchObject({ port: 0, host: '127.0.0.1' });
  });

  it.each([
    [{ ARBITER_HEALTH_PORT: 'http' }, 'ARBITER_HEALTH_PORT="http"'],
    [{ ARBITER_HEALTH_PORT: '70000' }, 'ARBITER_HEALTH_PORT="70000"'],
    [{ ARBITER_METRICS_PORT: '-1' }, 'ARBITER_METRICS_PORT="-1"'],
    [{ ARBITER_HEALTH_MAX_LOOP_DELAY_MS: '0' }, 'ARBITER_HEALTH_MAX_LOOP_DELAY_MS="0"'],
  ])('refuses %j with ARB_CONFIG_INVALID naming the key', (env, named) => {
    expect(() => healthConfigFromEnv(env)).toThrow(ArbiterError);
    expect(() => healthConfigFromEnv(env)).toThrow(named);
  });
});

describe('Readiness', () => {
  it('is ready only when every condition holds, and says why not per condition', () => {
    const r = new Readiness();
    expect(r.status().ready).toBe(false); // nothing declared yet: not ready
    r.require('started', 'starting');
    let bundle: string | undefined;
    r.watch('bundle', () => bundle !== undefined || 'no bundle');
    expect(r.status()).toEqual({ ready: false, conditions: { started: 'starting', bundle: 'no bundle' } });
    r.set('started', true);
    bundle = 'rev';
    expect(r.status()).toEqual({ ready: true, conditions: { started: true, bundle: true } });
    expect(() => r.set('started', '')).toThrow(/needs a reason/);
  });
});

/** A transport whose consumers report assignments when the test says so. */
function fakeTransport(): { transport: KafkaTransport; consumers: ConsumerOptions[] } {
  const consumers: ConsumerOptions[] = [];
  const consumer = (options: ConsumerOptions): Promise<TransportConsumer> => {
    consumers.push(options);
    return Promise.resolve({ run: () => Promise.resolve(), commit: () => Promise.resolve(), close: () => Promise.resolve() });
  };
  const unused = () => Promise.reject(new Error('not used'));
  return { transport: { name: 'fake', supportsTransactions: true, admin: unused, producer: unused, consumer }, consumers };
}

describe('watchConsumers', () => {
  it('is ready once every open consumer finished its first assignment hook, and not while one runs', async () => {
    const { transport, consumers } = fakeTransport();
    const r = new Readiness();
    const watched = watchConsumers(transport, r);
    expect(r.status().conditions['consumers']).toBe('no consumer started yet');

    let restored!: () => void;
    const restore = new Promise<void>((resolve) => (restored = resolve));
    const main = await watched.consumer({ groupId: 'g-main', topics: ['t'], fromBeginning: true, onAssigned: () => restore });
    const tail = await watched.consumer({ groupId: 'g-tail', topics: ['u'], fromBeginning: true });
    expect(r.status().conditions['consumers']).toBe('waiting for a partition assignment: g-main, g-tail');

    const assigning = consumers[0]!.onAssigned!([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    await consumers[1]!.onAssigned!([{ topic: 'u', partition: 0 }]);
    expect(r.status().conditions['consumers']).toBe('restoring 2 partition(s) of g-main');
    restored();
    await assigning;
    expect(r.status()).toEqual({ ready: true, conditions: { consumers: true } });

    await tail.close();
    expect(r.status().ready).toBe(true);
    await main.close();
    expect(r.status().conditions['consumers']).toBe('no consumer started yet');
  });

  it('passes a failing assignment hook\'s error on and stays not ready', async () => {
    const { transport, consumers } = fakeTransport();
    const r = new Readiness();
    await watchConsumers(transport, r).consumer({ groupId: 'g', topics: ['t'], fromBeginning: true, onAssigned: () => Promise.reject(new Error('restore timed out')) });
    await expect(consumers[0]!.onAssigned!([{ topic: 't', partition: 0 }])).rejects.toThrow('restore timed out');
    expect(r.status().conditions['consumers']).toBe('waiting for a partition assignment: g');
  });

  it('keeps the consumer\'s optional capabilities (stable committed offsets, rewind), and adds none it lacks', async () => {
    const calls: string[] = [];
    const capable: TransportConsumer = {
      run: () => Promise.resolve(), commit: () => Promise.resolve(), close: () => Promise.resolve(),
      stableCommitted: (partitions) => { calls.push(`stable ${partitions.length}`); return Promise.resolve([{ topic: 't', partition: 0, offset: '7' }]); },
      rewind: () => { calls.push('rewind'); return Promise.resolve(); },
    };
    const unused = () => Promise.reject(new Error('not used'));
    const transport: KafkaTransport = { name: 'fake', supportsTransactions: true, admin: unused, producer: unused, consumer: () => Promise.resolve(capable) };
    const watched = await watchConsumers(transport, new Readiness()).consumer({ groupId: 'g', topics: ['t'], fromBeginning: true });
    expect(await watched.stableCommitted?.([{ topic: 't', partition: 0 }])).toEqual([{ topic: 't', partition: 0, offset: '7' }]);
    await watched.rewind?.();
    expect(calls).toEqual(['stable 1', 'rewind']);
    const plain = await watchConsumers(fakeTransport().transport, new Readiness()).consumer({ groupId: 'g', topics: ['t'], fromBeginning: true });
    expect([plain.stableCommitted, plain.rewind]).toEqual([undefined, undefined]);
  });
});
