import { describe, expect, it } from 'vitest';
import { oracleDecide } from './oracle.ts';
import type { BenchCase, PolicySpec } from './spec.ts';

const spec: PolicySpec = {
  ruleCount: 4,
  tools: [{ name: 'send', args: ['to'] }],
  rules: [
    { id: 'g', tool: '*', effect: 'deny', description: 'rate', when: [{ check: { kind: 'rateAbove', limit: 10 }, negated: false }] },
    { id: 'a', tool: 'send', effect: 'allow', description: 'allowed', when: [] },
    { id: 'd', tool: 'send', effect: 'deny', description: 'tainted off-list', when: [
      { check: { kind: 'tainted' }, negated: false },
      { check: { kind: 'oneOf', arg: 'to', values: ['a@corp.example'], list: 'destinations' }, negated: true },
    ] },
    { id: 'p', tool: 'send', effect: 'deny', description: 'suffix', when: [
      { check: { kind: 'pattern', arg: 'to', shape: 'suffix', text: '@evil.example' }, negated: false },
    ] },
  ],
};
const call = (tool: string, to: string, facts: Partial<BenchCase['facts']> = {}): BenchCase =>
  ({ tool, args: { to }, facts: { tainted: false, ratePerMinute: 0, readRecords: {}, ...facts } });

describe('oracleDecide', () => {
  it('allows a tool an allow rule names when no deny rule fires', () => {
    expect(oracleDecide(spec, call('send', 'x@corp.example'))).toBe('allow');
  });
  it('denies a tool no allow rule names (default deny)', () => {
    expect(oracleDecide(spec, call('other', 'x@corp.example'))).toBe('deny');
  });
  it('denies when a global rule fires for any tool', () => {
    expect(oracleDecide(spec, call('send', 'x@corp.example', { ratePerMinute: 11 }))).toBe('deny');
  });
  it('needs every condition of a rule: tainted alone or off-list alone does not deny', () => {
    expect(oracleDecide(spec, call('send', 'a@corp.example', { tainted: true }))).toBe('allow');
    expect(oracleDecide(spec, call('send', 'b@corp.example', { tainted: true }))).toBe('deny');
  });
  it('matches suffix patterns on the argument', () => {
    expect(oracleDecide(spec, call('send', 'me@evil.example'))).toBe('deny');
  });
});
