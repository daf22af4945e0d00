import { describe, expect, it } from 'vitest';
import avsc from 'avsc';
import { avroType } from '../../../schemas/catalogue.ts';
import type { DecisionRecord } from '../../../processors/core/types.ts';
import { compileTranscoder } from '../../../processors/sinks/clickhouse/avro-rowbinary.ts';
import { writeDecisionRow } from '../../../processors/sinks/clickhouse/decision-row.ts';
import { RowBinaryWriter } from '../../../processors/sinks/clickhouse/row-binary.ts';
import { DECISIONS_TABLE, tableTranscoder } from '../../../processors/sinks/clickhouse/table-sink.ts';
import { makeDecisions } from './decision-fixtures.ts';

const type = avroType('DecisionRecord');
const transcode = tableTranscoder(DECISIONS_TABLE, type);
if (!transcode) throw new Error('decisions have a transcoder');

/** Hex of the row bytes (a string compare: fast, and a diff shows where they part). */
const viaDecode = (d: DecisionRecord): string => {
  const w = new RowBinaryWriter();
  writeDecisionRow(w, type.fromBuffer(type.toBuffer(d)) as DecisionRecord);
  return w.bytes().toString('hex');
};
const viaBytes = (body: Buffer): string => {
  const w = new RowBinaryWriter(8);
  transcode(body, w);
  return w.bytes().toString('hex');
};

describe('Avro -> RowBinary transcoder', () => {
  it('writes the same bytes as decoding the record and writing its row, for every fixture decision', () => {
    for (const d of makeDecisions({ count: 500, partitions: 3, seed: 5 })) expect(viaBytes(type.toBuffer(d))).toEqual(viaDecode(d));
  });

  it('matches on non-ASCII, long, empty and extreme values', () => {
    const [base] = makeDecisions({ count: 1, partitions: 1, seed: 6 });
    if (!base) throw new Error('no fixture');
    const d: DecisionRecord = {
      ...base, sessionId: 'zürich-€-😀', intent: 'x'.repeat(3000), reasons: ['', 'é'.repeat(70)],
      argsMinimised: { 'ключ': 'знач', '': '' }, factsUsed: {}, latencyUs: 4_294_967_295, chainSeq: 2 ** 52, // avsc's long limit decidedAtMs: 0,
      modifications: [{ kind: 'truncate', path: 'a.b', ruleId: 'r', detail: '' }],
      shadow: [{ ruleId: 'r', mode: 'warn', effect: 'escalate', reason: 'ß' }],
    };
    expect(viaBytes(type.toBuffer(d))).toEqual(viaDecode(d));
  });

  it('throws (so the sink decodes instead) on a truncated body, trailing bytes, or an array split in blocks', () => {
    const [d] = makeDecisions({ count: 1, partitions: 1, seed: 7 });
    if (!d) throw new Error('no fixture');
    const body = type.toBuffer(d);
    expect(() => viaBytes(body.subarray(0, body.length - 3))).toThrow();
    expect(() => viaBytes(Buffer.concat([body, Buffer.from([0])]))).toThrow(/after the record/);
    const blocks = avsc.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'xs', type: { type: 'array', items: 'string' } }] });
    const t = compileTranscoder(blocks, {});
    // Two blocks: count 1 "a", count 1 "b", end.
    const split = Buffer.from([2, 2, 97, 2, 2, 98, 0]);
    expect(blocks.fromBuffer(split)).toEqual({ xs: ['a', 'b'] });
    expect(() => t(split, new RowBinaryWriter())).toThrow(/more than one block/);
  });

  it('refuses, at startup, a table whose columns are not the record\'s fields in order', () => {
    expect(() => tableTranscoder({ ...DECISIONS_TABLE, columns: [...DECISIONS_TABLE.columns].reverse() }, type)).toThrow(/ARB_CONFIG_INVALID|not its insert columns/);
  });
});
