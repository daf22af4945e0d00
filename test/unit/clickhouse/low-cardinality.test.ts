import { describe, expect, it } from 'vitest';
import { LowCardinalityStream } from '../../../processors/sinks/clickhouse/low-cardinality.ts';

const u64 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0, 0, 0, 0];
const str = (s: string): number[] => [Buffer.byteLength(s), ...Buffer.from(s)];

/** The column data ClickHouse's Native layout gives these keys (in order) and indexes. */
function expected(keys: readonly string[], indexes: readonly number[]): number[] {
  const width = keys.length <= 0xff ? 1 : keys.length <= 0xffff ? 2 : 4;
  const ix = indexes.flatMap((i) => (width === 1 ? [i] : width === 2 ? [i & 0xff, i >>> 8] : u64(i).slice(0, 4)));
  return [...u64(0x600 | (width >> 1)), ...u64(keys.length), ...keys.flatMap(str), ...u64(indexes.length), ...ix];
}

function add(s: LowCardinalityStream, v: string): void {
  const b = Buffer.from(`..${v}.`); // the value inside a larger buffer, as in an Avro record
  s.bytes(b, 2, b.length - 1);
}

describe('LowCardinality stream', () => {
  it('writes \'\' first, then each distinct value in order of first use, and one index per value', () => {
    const s = new LowCardinalityStream();
    for (const v of ['b', 'a', '', 'b', 'é€😀']) add(s, v);
    s.string('a');
    expect([...s.detach()]).toEqual(expected(['', 'b', 'a', 'é€😀'], [1, 2, 0, 1, 3, 2]));
  });

  it('widens indexes to 16 bits past 255 keys, and starts each block with a fresh dictionary', () => {
    const s = new LowCardinalityStream();
    const values = Array.from({ length: 300 }, (_, i) => `v${i}`);
    for (const v of [...values, 'v7']) add(s, v);
    expect([...s.detach()]).toEqual(expected(['', ...values], [...values.map((_, i) => i + 1), 8]));
    add(s, 'v299');
    expect([...s.detach()]).toEqual(expected(['', 'v299'], [1]));
  });

  it('forgets the keys of values dropped by truncate, and finds the older keys after it', () => {
    const s = new LowCardinalityStream();
    const kept = Array.from({ length: 200 }, (_, i) => `k${i}`);
    for (const v of kept) add(s, v);
    const mark = s.length;
    for (let i = 0; i < 400; i++) add(s, i % 2 ? `new${i}` : `k${i % 200}`); // grows the table past a rehash
    s.truncate(mark);
    for (const v of ['k3', 'x', 'k199', 'x']) add(s, v);
    expect([...s.detach()]).toEqual(expected(['', ...kept, 'x'], [...kept.map((_, i) => i + 1), 4, 201, 200, 201]));
  });
});
