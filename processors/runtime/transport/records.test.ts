import { describe, expect, it } from 'vitest';
import { chunkBySize } from './records.ts';
import type { OutRecord } from './transport.ts';

const rec = (topic: string, partition: number | undefined, bytes: number, tag: string): OutRecord =>
  ({ topic, key: tag, value: Buffer.alloc(bytes), ...(partition === undefined ? {} : { partition }) });
const tags = (chunks: OutRecord[][]) => chunks.map((c) => c.map((r) => r.key));

describe('chunkBySize per partition', () => {
  it('bounds the bytes per partition, not per chunk: partitions under the limit share one chunk', () => {
    const records = [rec('a', 0, 400, 'a0'), rec('a', 1, 400, 'a1'), rec('b', 0, 400, 'b0'), rec('a', 0, 400, 'a0b')];
    expect(tags(chunkBySize(records, 1000))).toEqual([['a0', 'a1', 'b0', 'a0b']]);
  });

  it('moves only the full partition on to the next chunk, keeping its order', () => {
    const records = [rec('a', 0, 600, 'x1'), rec('a', 1, 100, 'y1'), rec('a', 0, 600, 'x2'), rec('a', 1, 100, 'y2'), rec('a', 0, 600, 'x3')];
    expect(tags(chunkBySize(records, 1000))).toEqual([['x1', 'y1', 'y2'], ['x2'], ['x3']]);
  });

  it('treats a topic with records placed by key as one partition (their partitions are unknown)', () => {
    const records = [rec('k', undefined, 600, 'k1'), rec('k', 3, 600, 'k2'), rec('o', 3, 600, 'o1')];
    expect(tags(chunkBySize(records, 1000))).toEqual([['k1', 'o1'], ['k2']]);
  });
});
