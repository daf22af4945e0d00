import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArgValue, Args, ToolCallProposal } from '../../../processors/core/types.ts';
import { fromWireArgs, toWireArgs } from '../../../processors/runtime/serde/args.ts';
import { proposalFromWire, proposalToWire } from '../../../processors/runtime/serde/records.ts';
import { frame, unframe } from '../../../processors/runtime/serde/wire-format.ts';
import { avroType } from '../../../schemas/catalogue.ts';

const where = { topic: 't', partition: 0, offset: '7' };

const proposal = (tool: string, args: Args): ToolCallProposal => ({
  proposalId: 'p1', sessionId: 's1', agentId: 'a', userId: 'u', tenantId: 't', agentRole: 'r', environment: 'prod',
  tool, args, intent: '', replyTopic: 'v', replyPartition: 2, deadlineMs: 10, createdAtMs: 5,
});

describe('Confluent wire format', () => {
  it('frames magic byte 0 and a big-endian schema id before the body', () => {
    const framed = frame(258, Buffer.from([9, 8]));
    expect([...framed]).toEqual([0, 0, 0, 1, 2, 9, 8]);
    const { schemaId, body } = unframe(framed, where);
    expect(schemaId).toBe(258);
    expect([...body]).toEqual([9, 8]);
  });

  it('refuses a wrong magic byte or a value shorter than the header, with the record location', () => {
    expect(() => unframe(Buffer.from([1, 0, 0, 0, 1, 0]), where)).toThrow(/ARB_SERDE_BAD_MAGIC.*first byte 1.*t\/0@7/);
    expect(() => unframe(Buffer.from([0, 0, 0]), where)).toThrow(/ARB_SERDE_BAD_MAGIC/);
    expect(() => unframe(Buffer.alloc(0), where)).toThrow(/empty value/);
  });
});

const argValue: fc.Arbitrary<ArgValue> = fc.letrec<{ v: ArgValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string().filter((k) => k !== '__proto__'), tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('typed arguments', () => {
  it('round-trip any JSON-like arguments through Avro with their types intact', () => {
    const type = avroType('ToolCallProposal');
    const key = fc.string().filter((k) => k !== '__proto__'); // refused, see the test below (nested keys likewise)
    fc.assert(fc.property(fc.dictionary(key, argValue, { maxKeys: 6 }), (args) => {
      const wire = proposalToWire(proposal('http_get', args));
      const back = proposalFromWire(type.fromBuffer(type.toBuffer(wire)));
      expect(back.args).toEqual(args);
    }));
  });

  it('refuses an argument named __proto__ at any depth (avsc would drop it on decoding; found by the property above)', () => {
    for (const args of ['{"__proto__": 0}', '{"a": {"__proto__": "x"}}', '{"a": [{"__proto__": 1}]}']) {
      expect(() => toWireArgs('http_get', JSON.parse(args) as Record<string, never>)).toThrow(/__proto__/);
    }
  });

  it('sends integers as long and other numbers as double', () => {
    const wire = toWireArgs('x', { n: 3, f: 2.5 });
    expect(wire).toEqual({ map: { n: { v: { long: 3 } }, f: { v: { double: 2.5 } } } });
  });

  it('uses the send_email record when the arguments fit it, defaults included', () => {
    const args = { to: ['bob@example.com'], subject: 'hi', body: 'text' };
    const wire = toWireArgs('send_email', args);
    expect(Object.keys(wire)).toEqual(['arbiter.v1.tools.SendEmailArgs']);
    const type = avroType('ToolCallProposal');
    const back = proposalFromWire(type.fromBuffer(type.toBuffer(proposalToWire(proposal('send_email', args)))));
    expect(back.args).toEqual({ ...args, cc: [] });
  });

  it('falls back to the generic map for send_email arguments that do not fit the record', () => {
    expect(Object.keys(toWireArgs('send_email', { to: 'not-a-list', subject: 's', body: 'b' }))).toEqual(['map']);
    expect(Object.keys(toWireArgs('send_email', { to: [], subject: 's', body: 'b', extra: 1 }))).toEqual(['map']);
    expect(fromWireArgs(toWireArgs('send_email', { to: 'x' }))).toEqual({ to: 'x' });
  });
});
