// Backward compatibility of the wire contract: every sample written with any past version of a schema
// (old writer) must decode with the current schema (new reader) through avsc's resolver.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { SCHEMA_DIR, SCHEMA_NAMES, SCHEMA_VERSIONS, avroOptions, avroType, loadSchema } from '../../../schemas/catalogue.ts';

function samplePath(name: string, version: number): string {
  return join(SCHEMA_DIR, 'samples', name, `v${version}.json`);
}

const cases = SCHEMA_NAMES.flatMap((name) =>
  Array.from({ length: SCHEMA_VERSIONS[name] }, (_, i) => ({ name, version: i + 1 })));

describe('wire contract compatibility (old writer, current reader)', () => {
  it.each(cases)('$name v$version has a sample record', ({ name, version }) => {
    expect(existsSync(samplePath(name, version))).toBe(true);
  });

  it.each(cases)('$name v$version sample decodes with the current schema', ({ name, version }) => {
    const writer = avroType(name, version);
    const reader = avroType(name);
    const sample = writer.fromString(readFileSync(samplePath(name, version), 'utf8'));
    const bytes = writer.toBuffer(sample);
    const decoded = reader.fromBuffer(bytes, reader.createResolver(writer)) as Record<string, unknown>;
    for (const [field, value] of Object.entries(sample as Record<string, unknown>)) {
      // Fields added later (with defaults) may appear inside nested records too: the sample's content must be kept.
      if (typeof value === 'object' && value !== null) expect(decoded[field], `${name}.${field}`).toMatchObject(value);
      else expect(decoded[field], `${name}.${field}`).toEqual(value);
    }
    expect(reader.isValid(decoded)).toBe(true);
  });

  it('ToolCallResult v1 records read with v2 get the durationMs default', () => {
    const v1 = avroType('ToolCallResult', 1);
    const v2 = avroType('ToolCallResult', 2);
    const sample = v1.fromString(readFileSync(samplePath('ToolCallResult', 1), 'utf8'));
    const decoded = v2.fromBuffer(v1.toBuffer(sample), v2.createResolver(v1)) as { durationMs: number };
    expect(decoded.durationMs).toBe(0);
  });

  it('ToolCallProposal v1 records read with v2 carry no pending results and no trusted context', () => {
    const v1 = avroType('ToolCallProposal', 1);
    const current = avroType('ToolCallProposal');
    const sample = v1.fromString(readFileSync(samplePath('ToolCallProposal', 1), 'utf8'));
    const decoded = current.fromBuffer(v1.toBuffer(sample), current.createResolver(v1)) as { pendingResults: unknown[]; trustedContext: unknown[] };
    expect(decoded.pendingResults).toEqual([]);
    expect(decoded.trustedContext).toEqual([]);
  });

  it('ToolCallResult v2 records read with v3 are unsequenced (stream "", seq 0)', () => {
    const v2 = avroType('ToolCallResult', 2);
    const current = avroType('ToolCallResult');
    const sample = v2.fromString(readFileSync(samplePath('ToolCallResult', 2), 'utf8'));
    const decoded = current.fromBuffer(v2.toBuffer(sample), current.createResolver(v2)) as { stream: string; seq: number };
    expect(decoded).toMatchObject({ stream: '', seq: 0 });
  });

  it('an ApprovalResolved from a v2 writer reads with onTimeout deny (an expiry it wrote grants nothing, as before)', () => {
    const v2 = avroType('ApprovalEvent', 2);
    const current = avroType('ApprovalEvent');
    const resolved = { event: { 'arbiter.v1.ApprovalResolved': { approvalId: 'a', proposalId: 'p', sessionId: 's', argsHash: 'h',
      resolution: 'expired', resolvedBy: 'arbiter:on_timeout', reason: '', resolvedAtMs: 1 } } };
    const decoded = current.fromBuffer(v2.toBuffer(resolved), current.createResolver(v2)) as { event: Record<string, { onTimeout: string }> };
    expect(decoded.event['arbiter.v1.ApprovalResolved']?.onTimeout).toBe('deny');
  });

  it('rejects a change that is not backward compatible (a new field without a default)', () => {
    const current = loadSchema('ToolCallResult');
    const fields = current['fields'] as object[];
    const broken = avro.Type.forSchema(
      { ...current, fields: [...fields, { name: 'mandatory', type: 'string' }] } as avro.Schema, avroOptions());
    expect(() => broken.createResolver(avroType('ToolCallResult'))).toThrow(/mandatory/);
  });

  it('every schema is self-contained and in namespace arbiter.v1', () => {
    for (const name of SCHEMA_NAMES) {
      const schema = loadSchema(name);
      expect(schema['namespace']).toBe('arbiter.v1');
      expect(() => avro.Type.forSchema(schema as avro.Schema, avroOptions())).not.toThrow();
    }
  });
});
