// A TopicTail whose handler fails transiently (failure-kind.ts: e.g. the registry unreachable while decoding) stops
// with that record unread, and SupervisedTail's replacement reads it again: on the real broker, every record is
// handled exactly once and in order, where before the record was passed to onError and lost. A poison failure still
// goes to onError and the tail reads on.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { ArbiterError } from '../../processors/core/errors.ts';
import { SupervisedTail } from '../../processors/sdk/supervised-tail.ts';
import { TopicTail, type TopicTailOptions } from '../../processors/sdk/topic-tail.ts';
import { createTransport, parseKafkaClient } from '../../processors/runtime/transport/index.ts';
import type { KafkaTransport } from '../../processors/runtime/transport/transport.ts';
import { waitFor } from './helpers/test-bus.ts';

const topic = `ittt-${randomUUID().slice(0, 8)}`;

describe('TopicTail on a transient handler failure', () => {
  let transport: KafkaTransport;
  let supervised: SupervisedTail | undefined;

  afterAll(async () => {
    await supervised?.close();
  });

  it('stops with the record unread; the supervised replacement handles it once, in order; poison goes to onError', async () => {
    transport = await createTransport(parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']), { brokers: localBrokers(), clientId: topic });
    const admin = await transport.admin();
    await admin.ensureTopics([{ topic, partitions: 1, replicationFactor: 1, configs: {} }]);
    await admin.close();
    const producer = await transport.producer({ idempotent: true });
    await producer.send(['a', 'b', 'poison', 'c'].map((v) => ({ topic, partition: 0, key: 'k', value: Buffer.from(v) })));
    await producer.close();

    const handled: string[] = [];
    const poison: string[] = [];
    const stops: string[] = [];
    let outage = true;
    const start = (from: TopicTailOptions['from']) => TopicTail.start({
      transport, topic, groupPrefix: topic, from,
      onRecord: (r) => {
        const v = r.value?.toString() ?? '';
        if (v === 'poison') throw new ArbiterError('ARB_SERDE_BAD_MAGIC', 'not framed');
        if (v === 'b' && outage) {
          outage = false; // the registry is back by the time the replacement reads it
          throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', 'schema registry http://r could not be reached');
        }
        handled.push(v);
      },
      onError: (_error, r) => poison.push(r.value?.toString() ?? ''),
    });
    supervised = await SupervisedTail.start('beginning', start, { onStopped: (e) => stops.push(String(e)) });
    await waitFor('all records handled', () => (handled.length === 3 ? true : undefined), 60_000);
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(poison).toEqual(['poison']);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatch(/ARB_SERDE_REGISTRY_UNAVAILABLE/);
  }, 90_000);
});
