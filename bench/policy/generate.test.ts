import { describe, expect, it } from 'vitest';
import { generateCases, generatePolicy } from './generate.ts';
import { oracleDecide } from './oracle.ts';

describe('generatePolicy', () => {
  it('produces exactly the requested number of rules, with unique ids', () => {
    for (const n of [4, 7, 20, 57, 200, 333]) {
      const spec = generatePolicy(n, 1);
      expect(spec.rules).toHaveLength(n);
      expect(spec.ruleCount).toBe(n);
      expect(new Set(spec.rules.map((r) => r.id)).size).toBe(n);
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generatePolicy(50, 3)).toEqual(generatePolicy(50, 3));
    expect(generatePolicy(50, 3)).not.toEqual(generatePolicy(50, 4));
  });

  it('keeps the same rule-kind mix at 20 and 200 rules (about five rules per tool)', () => {
    const small = generatePolicy(20, 1);
    const large = generatePolicy(200, 1);
    expect(small.tools.length * 10).toBe(large.tools.length);
    const kinds = (n: number) => new Set(generatePolicy(n, 1).rules.flatMap((r) => r.when.map((c) => c.check.kind)));
    expect([...kinds(20)].sort()).toEqual([...kinds(200)].sort());
  });

  it('puts about rulesPerTool rules on each tool', () => {
    expect(generatePolicy(200, 1, 50).tools).toHaveLength(4);
    expect(generatePolicy(200, 1).tools).toHaveLength(40);
    expect(() => generatePolicy(20, 1, 0)).toThrow(/rulesPerTool/);
  });

  it('declares as a tool argument every argument a rule reads', () => {
    const spec = generatePolicy(200, 9);
    for (const rule of spec.rules) {
      for (const { check } of rule.when) {
        if (!('arg' in check)) continue;
        expect(spec.tools.find((t) => t.name === rule.tool)?.args).toContain(check.arg);
      }
    }
  });

  it('rejects sizes too small to hold the global rules and one tool', () => {
    expect(() => generatePolicy(3, 1)).toThrow(/ruleCount/);
  });
});

describe('generateCases', () => {
  it.each([5, 50])('mixes allow and deny (30–70%% allowed) at %i rules per tool', (perTool) => {
    const spec = generatePolicy(200, 3, perTool);
    const cases = generateCases(spec, 1000, 4);
    const allowed = cases.filter((c) => oracleDecide(spec, c) === 'allow').length / cases.length;
    expect(allowed).toBeGreaterThan(0.3);
    expect(allowed).toBeLessThan(0.7);
  });


  it('gives every proposal all the arguments its tool declares', () => {
    const spec = generatePolicy(200, 2);
    for (const c of generateCases(spec, 500, 5)) {
      const tool = spec.tools.find((t) => t.name === c.tool);
      expect(Object.keys(c.args).sort()).toEqual([...(tool?.args ?? [])].sort());
    }
  });
});
