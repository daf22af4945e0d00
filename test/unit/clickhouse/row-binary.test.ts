import { describe, expect, it } from 'vitest';
import { RowBinaryWriter } from '../../../processors/sinks/clickhouse/row-binary.ts';

const bytes = (f: (w: RowBinaryWriter) => void, initial?: number): number[] => {
  const w = new RowBinaryWriter(initial);
  f(w);
  return [...w.bytes()];
};
const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

describe('RowBinaryWriter', () => {
  it('writes LEB128 lengths', () => {
    expect(bytes((w) => w.uvarint(0))).toEqual([0]);
    expect(bytes((w) => w.uvarint(127))).toEqual([127]);
    expect(bytes((w) => w.uvarint(128))).toEqual([0x80, 1]);
    expect(bytes((w) => w.uvarint(300))).toEqual([0xac, 0x02]);
    expect(bytes((w) => w.uvarint(2 ** 35))).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
  });

  it('prefixes each string with its UTF-8 byte length, ASCII, multi-byte and long alike', () => {
    expect(bytes((w) => w.string(''))).toEqual([0]);
    expect(bytes((w) => w.string('tool'))).toEqual([4, ...utf8('tool')]);
    expect(bytes((w) => w.string('zürich €'))).toEqual([11, ...utf8('zürich €')]);
    expect(bytes((w) => w.string('😀'))).toEqual([4, ...utf8('😀')]);
    const long = 'é'.repeat(100); // 200 bytes: a two-byte length
    expect(bytes((w) => w.string(long))).toEqual([0xc8, 0x01, ...utf8(long)]);
    const ascii42 = 'a'.repeat(42);
    expect(bytes((w) => w.string(ascii42))).toEqual([42, ...utf8(ascii42)]);
    const multi42 = '€'.repeat(42); // 126 bytes through the short-string path
    expect(bytes((w) => w.string(multi42))).toEqual([126, ...utf8(multi42)]);
  });

  it('writes arrays and maps as a count then their elements, in order', () => {
    expect(bytes((w) => w.strings(['a', 'bc']))).toEqual([2, 1, 97, 2, 98, 99]);
    expect(bytes((w) => w.stringMap({ k: 'v', tainted: 'true' }))).toEqual([2, 1, ...utf8('k'), 1, ...utf8('v'), 7, ...utf8('tainted'), 4, ...utf8('true')]);
  });

  it('writes integers little-endian, Int64 in two\'s complement', () => {
    expect(bytes((w) => w.uint32(0x01020304))).toEqual([4, 3, 2, 1]);
    expect(bytes((w) => w.int64(1_795_176_000_123))).toEqual([...Buffer.from(BigInt(1_795_176_000_123).toString(16).padStart(16, '0'), 'hex').reverse()]);
    expect(bytes((w) => w.int64(-2))).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(bytes((w) => w.int64(2 ** 53))).toEqual([0, 0, 0, 0, 0, 0, 0x20, 0]);
    expect(() => bytes((w) => w.uint32(-1))).toThrow();
  });

  it('copies a length-prefixed byte range (short, 64+ and 128+ bytes: two-byte length) like string() writes it', () => {
    for (const s of ['', 'tool', 'é'.repeat(40), 'x'.repeat(200)]) {
      const src = Buffer.concat([Buffer.from('pre'), Buffer.from(s, 'utf8'), Buffer.from('post')]);
      expect(bytes((w) => w.lengthPrefixed(src, 3, src.length - 4), 4)).toEqual(bytes((w) => w.string(s)));
    }
  });

  it('hands its bytes over on detach and starts empty (the detached bytes stay as they were)', () => {
    const w = new RowBinaryWriter(4);
    w.string('first');
    const first = w.detach();
    w.string('second');
    expect([...first]).toEqual([5, ...utf8('first')]);
    expect([...w.bytes()]).toEqual([6, ...utf8('second')]);
  });

  it('grows past its initial size without losing what it wrote, and truncate drops a half-written row', () => {
    const out = bytes((w) => {
      for (let i = 0; i < 100; i++) w.string(`row-${i}`);
      const before = w.length;
      w.string('half');
      w.truncate(before);
      w.text('end\n');
    }, 4);
    const want: number[] = [];
    for (let i = 0; i < 100; i++) want.push(`row-${i}`.length, ...utf8(`row-${i}`));
    expect(out).toEqual([...want, ...utf8('end\n')]);
  });
});
