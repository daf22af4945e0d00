import { describe, expect, it } from 'vitest';
import avsc from 'avsc';
import { avroType } from '../../../schemas/catalogue.ts';
import type { DecisionRecord } from '../../../processors/core/types.ts';
import { compileNativeTranscoder } from '../../../processors/sinks/clickhouse/avro-native.ts';
import { NativeBlock } from '../../../processors/sinks/clickhouse/native-block.ts';
import { DECISIONS_TABLE } from '../../../processors/sinks/clickhouse/table-sink.ts';
import { makeDecisions, olderDecisionRecordType } from './decision-fixtures.ts';

const type = avroType('DecisionRecord');
const hints = DECISIONS_TABLE.avro ?? { ints: {} };

/** A fresh decisions block and its writers. */
function decisionsBlock() {
  const block = new NativeBlock();
  const t = compileNativeTranscoder<DecisionRecord>(type, DECISIONS_TABLE.columns, hints, block);
  return { block, t };
}
const hexOf = (block: NativeBlock): string => Buffer.concat(block.seal().parts).toString('hex');

/** The whole block written once from Avro bytes and once from the decoded records. */
function bothWays(ds: readonly DecisionRecord[]): { bytes: string; records: string } {
  const a = decisionsBlock();
  const b = decisionsBlock();
  for (const d of ds) {
    a.block.begin();
    a.t.bytes(type.toBuffer(d));
    a.block.end();
    b.block.begin();
    b.t.record(type.fromBuffer(type.toBuffer(d)) as DecisionRecord);
    b.block.end();
  }
  return { bytes: hexOf(a.block), records: hexOf(b.block) };
}

describe('Native block', () => {
  it('lays a block out as Native input reads it: counts, then per column name, type and its streams', () => {
    const small = avsc.Type.forSchema({
      type: 'record', name: 'R', fields: [
        { name: 'someName', type: 'string' }, { name: 'n', type: 'long' }, { name: 'xs', type: { type: 'array', items: 'string' } },
        { name: 'm', type: { type: 'map', values: 'string' } },
        { name: 'ts', type: { type: 'array', items: { type: 'record', name: 'T', fields: [{ name: 'aB', type: 'string' }] } } },
      ],
    });
    const block = new NativeBlock();
    const t = compileNativeTranscoder(small, ['some_name', 'n', 'xs', 'm', 'ts'], { ints: { n: 'Int64' } }, block);
    t.record({ someName: 'ab', n: -2, xs: ['x', 'yz'], m: { k: 'v' }, ts: [] });
    block.end();
    t.bytes(small.toBuffer({ someName: '', n: 300, xs: [], m: {}, ts: [{ aB: 'q' }] }));
    block.end();
    const u64 = (n: number): number[] => [n, 0, 0, 0, 0, 0, 0, 0];
    const str = (s: string): number[] => [s.length, ...Buffer.from(s)];
    expect([...Buffer.concat(block.seal().parts)]).toEqual([
      5, 2, // columns, rows
      ...str('some_name'), ...str('String'), ...str('ab'), ...str(''),
      ...str('n'), ...str('Int64'), 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x2c, 0x01, 0, 0, 0, 0, 0, 0,
      ...str('xs'), ...str('Array(String)'), ...u64(2), ...u64(2), ...str('x'), ...str('yz'),
      ...str('m'), ...str('Map(String, String)'), ...u64(1), ...u64(1), ...str('k'), ...str('v'),
      ...str('ts'), ...str('Array(Tuple(a_b String))'), ...u64(0), ...u64(1), ...str('q'),
    ]);
    expect(block.seal()).toEqual({ parts: [], rows: 0 });
  });

  it('writes the same block from Avro bytes as from the decoded records, for every fixture decision', () => {
    const { bytes, records } = bothWays(makeDecisions({ count: 500, partitions: 3, seed: 5 }));
    expect(bytes).toEqual(records);
  });

  it('matches on non-ASCII, long, empty and extreme values, and restarts offsets in each block', () => {
    const [base] = makeDecisions({ count: 1, partitions: 1, seed: 6 });
    if (!base) throw new Error('no fixture');
    const d: DecisionRecord = {
      ...base, sessionId: 'zürich-€-😀', intent: 'x'.repeat(3000), reasons: ['', 'é'.repeat(70)],
      argsMinimised: { 'ключ': 'знач', '': '' }, factsUsed: {}, latencyUs: 4_294_967_295, chainSeq: 2 ** 52, decidedAtMs: 0,
      modifications: [{ kind: 'truncate', path: 'a.b', ruleId: 'r', detail: '' }],
      shadow: [{ ruleId: 'r', mode: 'warn', effect: 'escalate', reason: 'ß' }],
    };
    const once = bothWays([d, base]);
    expect(once.bytes).toEqual(once.records);
    const { block, t } = decisionsBlock();
    t.record(base);
    block.end();
    block.seal();
    t.record(d);
    block.end();
    t.record(base);
    block.end();
    expect(hexOf(block)).toEqual(once.bytes); // a second block does not continue the first one's offsets
  });

  it('refills its streams after a seal, for blocks of any size, like a fresh block (offsets grow past their first size)', () => {
    const ds = makeDecisions({ count: 40, partitions: 2, seed: 10 });
    const { block, t } = decisionsBlock();
    for (const rows of [1_027, 3_001, 5, 4_099, 2_050]) {
      const fresh = decisionsBlock();
      for (let i = 0; i < rows; i++) {
        const d = ds[i % ds.length] as DecisionRecord;
        t.record(d);
        block.end();
        fresh.t.record(d);
        fresh.block.end();
      }
      expect(hexOf(block)).toEqual(hexOf(fresh.block));
    }
  });

  it('refills the buffers of a released block (its insert acknowledged) exactly like fresh ones, whatever they held', () => {
    const ds = makeDecisions({ count: 40, partitions: 2, seed: 12 });
    const { block, t } = decisionsBlock();
    // The column heads (name, type, prefixes) are the same objects in every block and never lent: a first block
    // shows which parts they are.
    t.bytes(type.toBuffer(ds[0] as DecisionRecord));
    block.end();
    const first = block.seal();
    const heads = new Set(first.parts);
    first.release?.();
    const isHead = (p: Uint8Array): boolean => heads.has(p);
    for (const rows of [3_001, 1_027, 4_099, 5, 2_050]) {
      const fresh = decisionsBlock();
      for (let i = 0; i < rows; i++) {
        const d = ds[(i * 7) % ds.length] as DecisionRecord;
        t.bytes(type.toBuffer(d));
        block.end();
        fresh.t.bytes(type.toBuffer(d));
        fresh.block.end();
      }
      const sealed = block.seal();
      expect(Buffer.concat(sealed.parts).toString('hex')).toEqual(hexOf(fresh.block));
      expect(sealed.release).toBeDefined();
      sealed.release?.();
      // What a reused buffer holds from its last block, made obvious: nothing of it may leak into the next one.
      for (const p of sealed.parts) if (!isHead(p)) p.fill(0xa5);
    }
  });

  it('writes a record decoded from an older schema version like the current-version bytes of the same decision', () => {
    const older = olderDecisionRecordType();
    const resolver = type.createResolver(older);
    const ds = makeDecisions({ count: 50, partitions: 2, seed: 8 });
    const a = decisionsBlock();
    const b = decisionsBlock();
    for (const d of ds) {
      a.t.bytes(type.toBuffer(d));
      a.block.end();
      const old = older.toBuffer({ ...d, legacyNote: 'gone' });
      b.t.record(type.fromBuffer(old, resolver) as DecisionRecord);
      b.block.end();
    }
    expect(hexOf(b.block)).toEqual(hexOf(a.block));
  });

  it('rolls a half-written row back (streams and offsets), so the block equals one without it', () => {
    const ds = makeDecisions({ count: 3, partitions: 1, seed: 3 });
    const [d0, d1, d2] = ds;
    if (!d0 || !d1 || !d2) throw new Error('no fixture');
    const { block, t } = decisionsBlock();
    t.bytes(type.toBuffer(d0));
    block.end();
    block.begin();
    const body = type.toBuffer({ ...d1, ruleIds: ['a', 'b'], reasons: ['x'] });
    expect(() => t.bytes(body.subarray(0, body.length - 20))).toThrow();
    block.rollback();
    block.begin();
    t.bytes(type.toBuffer(d2));
    block.end();
    expect(hexOf(block)).toEqual(bothWays([d0, d2]).bytes);
  });

  it('throws (so the sink decodes instead) on trailing bytes, an array split in blocks, or a negative UInt64', () => {
    const [d] = makeDecisions({ count: 1, partitions: 1, seed: 7 });
    if (!d) throw new Error('no fixture');
    const { t } = decisionsBlock();
    expect(() => t.bytes(Buffer.concat([type.toBuffer(d), Buffer.from([0])]))).toThrow(/after the record/);
    const blocks = avsc.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'xs', type: { type: 'array', items: 'string' } }] });
    const t2 = compileNativeTranscoder(blocks, ['xs'], { ints: {} }, new NativeBlock());
    expect(() => t2.bytes(Buffer.from([2, 2, 97, 2, 2, 98, 0]))).toThrow(/more than one block/);
    expect(() => t.record({ ...d, chainSeq: -1 })).toThrow(/negative value for UInt64/);
  });
});
