import { describe, expect, it } from 'vitest';
import { toArbiterYaml } from './emit-arbiter.ts';
import { toCedar } from './emit-cedar.ts';
import { toRego } from './emit-rego.ts';
import { prepareArbiter } from './engine-arbiter.ts';
import { prepareCedar } from './engine-cedar.ts';
import { mismatches } from './equivalence.ts';
import { generateCases, generatePolicy } from './generate.ts';

describe.each([
  { engine: 'arbiter (compileBundle + evaluate)', prepare: prepareArbiter },
  { engine: 'cedar-wasm', prepare: prepareCedar },
])('$engine on generated policies', ({ prepare }) => {
  it.each([[20, 5], [200, 5], [200, 50]])('decides like the oracle at %i rules, %i per tool', (n, perTool) => {
    const spec = generatePolicy(n, 11, perTool);
    const cases = generateCases(spec, 400, 12);
    const engine = prepare(spec, cases);
    const decisions = cases.map((_, i) => engine.decide(i));
    expect(mismatches(spec, cases, decisions)).toEqual([]);
    expect(decisions.some((d) => d)).toBe(true);
    expect(decisions.some((d) => !d)).toBe(true);
  });
});

describe('Arbiter emitter', () => {
  it('writes the destination allow-lists as named lists and one rule per spec rule', () => {
    const spec = generatePolicy(20, 1);
    const text = toArbiterYaml(spec);
    expect(text.match(/^ {2}- id: /gm)).toHaveLength(20);
    expect(text).toMatch(/not_in:\n\s+list: r\d+_\d+_allowed/);
  });
});

describe('Cedar emitter', () => {
  it('keeps two prepared policies of the same size apart (cedar-wasm caches policy sets by id)', () => {
    const spread = generatePolicy(200, 11);
    const dense = generatePolicy(200, 11, 50);
    const spreadCases = generateCases(spread, 200, 12);
    const first = prepareCedar(spread, spreadCases);
    prepareCedar(dense, generateCases(dense, 10, 12));
    expect(mismatches(spread, spreadCases, spreadCases.map((_, i) => first.decide(i)))).toEqual([]);
  });

  it('writes one permit or forbid per rule, scoped to the tool as an action', () => {
    const spec = generatePolicy(20, 1);
    const text = toCedar(spec);
    expect(text.match(/^(permit|forbid) \(/gm)).toHaveLength(20);
    expect(text).toContain('permit (principal, action == Action::"tool_000", resource);');
  });
});

describe('Rego emitter', () => {
  it('writes one rule per spec rule, each tool rule guarded by input.tool for the rule index', () => {
    const spec = generatePolicy(20, 1);
    const text = toRego(spec);
    expect(text.match(/^(allow|deny)_rules contains "/gm)).toHaveLength(20);
    const toolRules = spec.rules.filter((r) => r.tool !== '*').length;
    expect(text.match(/^ {2}input\.tool == "/gm)).toHaveLength(toolRules);
  });

  it('escapes regex metacharacters so patterns match their literal text', () => {
    const text = toRego({ ruleCount: 1, tools: [{ name: 't', args: ['p'] }], rules: [
      { id: 'x', tool: 't', effect: 'deny', description: '', when: [{ check: { kind: 'pattern', arg: 'p', shape: 'suffix', text: '@a.b' }, negated: false }] },
    ] });
    expect(text).toContain('regex.match("@a\\\\.b$", input.args.p)');
  });
});
