import { describe, expect, it } from 'vitest';
import { decodeOffsetFetchV7, encodeOffsetFetchV7, UNSTABLE_OFFSET_COMMIT } from './offset-fetch-v7.ts';

const hex = (b: Buffer): string => b.toString('hex');

describe('OffsetFetch v7 codec', () => {
  it('encodes header tags, group, topics with partitions and requireStable = true', () => {
    const body = encodeOffsetFetchV7('g', new Map([['t', [0, 2]]]));
    // 00 header tags | 02 'g' | 02 one topic | 02 't' | 03 two partitions 0, 2 | 00 topic tags | 01 requireStable | 00 tags
    expect(hex(body)).toBe(['00', '0267', '02', '0274', '03', '00000000', '00000002', '00', '01', '00'].join(''));
  });

  it('writes lengths of 127 and more as multi-byte unsigned varints', () => {
    const group = 'x'.repeat(200);
    const body = encodeOffsetFetchV7(group, new Map());
    // 201 = 0xc9 -> varint c9 01
    expect(hex(body.subarray(0, 3))).toBe('00c901');
    expect(body.subarray(3, 203).toString()).toBe(group);
  });

  it('decodes offsets, a missing offset, per-partition and group errors, and skips unknown tagged fields', () => {
    const response = Buffer.concat([
      Buffer.from('01' + '05' + '02' + 'abcd', 'hex'), // response header: one tagged field (tag 5, 2 bytes)
      Buffer.from('00000000', 'hex'), // throttle
      Buffer.from('02', 'hex'), // one topic
      Buffer.from('03', 'hex'), Buffer.from('in'), // "in"
      Buffer.from('03', 'hex'), // two partitions
      Buffer.from('00000000' + '000000000000002a' + 'ffffffff' + '01' + '0000' + '00', 'hex'), // p0 @42, empty metadata
      Buffer.from('00000001' + 'ffffffffffffffff' + 'ffffffff' + '00' + '0058' + '00', 'hex'), // p1 -1, null metadata, 88
      Buffer.from('00', 'hex'), // topic tags
      Buffer.from('0000' + '00', 'hex'), // group error 0, tags
    ]);
    expect(decodeOffsetFetchV7(response)).toEqual({
      errorCode: 0,
      topics: [{ topic: 'in', partitions: [
        { partition: 0, offset: 42n, errorCode: 0 },
        { partition: 1, offset: -1n, errorCode: UNSTABLE_OFFSET_COMMIT },
      ] }],
    });
  });

  it('fails on a truncated response instead of returning partial offsets', () => {
    expect(() => decodeOffsetFetchV7(Buffer.from('00' + '00000000' + '02' + '03', 'hex'))).toThrow(/truncated/);
  });
});
