// The checked-in generated types must be exactly what the generator produces from the current schemas.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_DIR, generate } from '../../../schemas/codegen.ts';

describe('schemas/generated is fresh', () => {
  const files = generate();

  it('has exactly the generated files', () => {
    expect(readdirSync(GENERATED_DIR).sort()).toEqual([...files.keys()].sort());
  });

  it.each([...files.keys()])('%s matches the generator output (run `npm run codegen`)', (file) => {
    expect(readFileSync(join(GENERATED_DIR, file), 'utf8')).toBe(files.get(file));
  });

  it('types a generic argument as the recursive ArgValue union and send_email as its record', () => {
    const proposal = files.get('ToolCallProposal.ts') ?? '';
    expect(proposal).toContain("{ readonly 'map': { readonly [key: string]: ArgValue } }");
    expect(proposal).toContain("{ readonly 'arbiter.v1.tools.SendEmailArgs': SendEmailArgs }");
  });

  it('declares a field group once; records with every member extend it, others keep their own fields', () => {
    expect(files.get('SessionIdentity.ts')).toContain('readonly environment: string;');
    expect(files.get('DecisionRecord.ts')).toContain('export interface DecisionRecord extends SessionIdentity, DecisionOutcome {');
    expect(files.get('ToolCallProposal.ts')).toContain('export interface ToolCallProposal extends SessionIdentity {');
    expect(files.get('Verdict.ts')).toContain('export interface Verdict extends DecisionOutcome {');
    expect(files.get('DecisionRecord.ts')).not.toContain('readonly sessionId');
    // ToolCallResult has no agentRole/environment: it lists its identity fields itself.
    expect(files.get('ToolCallResult.ts')).toContain('export interface ToolCallResult {');
    expect(files.get('ToolCallResult.ts')).toContain('readonly sessionId: string;');
  });
});
