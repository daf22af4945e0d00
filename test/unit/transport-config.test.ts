import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../processors/core/errors.ts';
import { parseBrokers } from '../../processors/runtime/transport/brokers.ts';
import { DEFAULT_KAFKA_CLIENT, KAFKA_CLIENTS, parseKafkaClient } from '../../processors/runtime/transport/index.ts';
import { chunkBySize, groupByTopic, headersFrom, keyBuffer, offsetsByTopic, splitByPartition } from '../../processors/runtime/transport/records.ts';

describe('ARBITER_KAFKA_CLIENT', () => {
  it('defaults when unset or blank', () => {
    expect(parseKafkaClient(undefined)).toBe(DEFAULT_KAFKA_CLIENT);
    expect(parseKafkaClient('  ')).toBe(DEFAULT_KAFKA_CLIENT);
  });

  it('accepts every known client name', () => {
    for (const name of KAFKA_CLIENTS) expect(parseKafkaClient(name)).toBe(name);
  });

  it('rejects an unknown name with ARB_CONFIG_INVALID naming the key and the choices', () => {
    try {
      parseKafkaClient('rdkafka');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ArbiterError);
      expect((error as ArbiterError).code).toBe('ARB_CONFIG_INVALID');
      expect((error as ArbiterError).message).toContain('ARBITER_KAFKA_CLIENT');
      expect((error as ArbiterError).message).toContain('kafkajs, confluent, platformatic');
    }
  });
});

describe('parseBrokers', () => {
  it('splits and trims host:port entries', () => {
    expect(parseBrokers(' localhost:9092, kafka-1.internal:19092 ')).toEqual(['localhost:9092', 'kafka-1.internal:19092']);
  });

  it('rejects empty and malformed lists, naming the bad entry', () => {
    expect(() => parseBrokers('')).toThrow(/ARB_CONFIG_INVALID/);
    expect(() => parseBrokers('localhost')).toThrow(/bad entry "localhost"/);
  });
});

describe('record conversions', () => {
  it('keyBuffer turns strings into Buffers and keeps null', () => {
    expect(keyBuffer('k')?.toString()).toBe('k');
    expect(keyBuffer(null)).toBeNull();
  });

  it('headersFrom keeps the last of repeated values, stringifies keys and drops undefined', () => {
    const h = headersFrom([
      ['a', [Buffer.from('1'), Buffer.from('2')]],
      [Buffer.from('b'), 'text'],
      ['c', undefined],
    ]);
    expect(Object.keys(h)).toEqual(['a', 'b']);
    expect(h['a']?.toString()).toBe('2');
    expect(h['b']?.toString()).toBe('text');
  });

  it('splitByPartition cuts consecutive runs and keeps order', () => {
    const r = (partition: number, offset: string) => ({ topic: 't', partition, offset, key: null, value: null, headers: {}, timestampMs: 0 });
    const runs = splitByPartition([r(0, '1'), r(0, '2'), r(1, '7'), r(0, '3')]);
    expect(runs.map((run) => run.map((x) => `${x.partition}@${x.offset}`))).toEqual([['0@1', '0@2'], ['1@7'], ['0@3']]);
  });

  it('groupByTopic and offsetsByTopic group while keeping order', () => {
    const g = groupByTopic([
      { topic: 'a', key: '1', value: null },
      { topic: 'b', key: '2', value: null },
      { topic: 'a', key: '3', value: null },
    ]);
    expect([...g].map(([t, rs]) => [t, rs.map((x) => x.key)])).toEqual([
      ['a', ['1', '3']],
      ['b', ['2']],
    ]);
    expect(
      offsetsByTopic([
        { topic: 'a', partition: 0, offset: '5' },
        { topic: 'a', partition: 1, offset: '9' },
      ]),
    ).toEqual([{ topic: 'a', partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '9' }] }]);
  });
});

describe('chunkBySize', () => {
  const rec = (bytes: number) => ({ topic: 't', key: null, value: Buffer.alloc(bytes) });

  it('keeps order and starts a new chunk before the limit would be passed', () => {
    const chunks = chunkBySize([rec(400), rec(400), rec(400)], 1000);
    expect(chunks.map((c) => c.length)).toEqual([2, 1]);
  });

  it('puts a record larger than the limit alone in its own chunk', () => {
    expect(chunkBySize([rec(10), rec(5000), rec(10)], 1000).map((c) => c.length)).toEqual([1, 1, 1]);
  });

  it('returns no chunk for no records', () => {
    expect(chunkBySize([], 1000)).toEqual([]);
  });
});
