import { describe, expect, it } from 'vitest';
import { compileBundle, evaluate } from '../../../processors/policy/index.ts';
import { STAGES } from '../../../processors/policy/compiler.ts';
import { bundleOf, facts, proposal } from './helpers.ts';

const SIMPLE = `bundle: s
tools: { t: { verb: read } }
rules:
  - { id: allow-t, tools: t, effect: allow }
`;

describe('compileBundle', () => {
  it('runs its stages in dependency order', () => {
    const seen = new Set<string>();
    for (const s of STAGES) {
      for (const d of s.dependsOn) expect(seen.has(d)).toBe(true);
      seen.add(s.name);
    }
  });

  it('rejects a 10 MB source before parsing it, with a located error', () => {
    const big = `bundle: big\n# ${'x'.repeat(10 * 1024 * 1024)}\n`;
    const t0 = performance.now();
    const r = compileBundle([{ path: 'big.yaml', text: big }]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.bundle).toBeUndefined();
    expect(r.problems[0]).toMatchObject({ code: 'ARB_POLICY_TOO_LARGE', location: { file: 'big.yaml', line: 1, col: 1 } });
  });

  it('rejects 500 000 levels of flow nesting quickly, at the line and column where the limit is crossed', () => {
    const n = 500_000;
    const t0 = performance.now();
    const r = compileBundle([{ path: 'deep.yaml', text: `bundle: d\nlists: { a: ${'['.repeat(n)}${']'.repeat(n)} }\n` }], { maxSourceBytes: 2e6 });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.bundle).toBeUndefined();
    expect(r.problems[0]).toMatchObject({ code: 'ARB_POLICY_TOO_DEEP', location: { file: 'deep.yaml', line: 2, col: 76 } });
  });

  it('rejects deep block nesting through the converter depth check', () => {
    let text = 'bundle: d\nmacros:\n  m:\n';
    for (let i = 0; i < 80; i++) text += `${'  '.repeat(i + 2)}not:\n`;
    text += `${'  '.repeat(82)}session.tainted: true\n`;
    const r = compileBundle([{ path: 'block.yaml', text }]);
    expect(r.problems.map((p) => p.code)).toContain('ARB_POLICY_TOO_DEEP');
  });

  it('collects problems from every source rather than stopping at the first', () => {
    const r = compileBundle([
      { path: 'a.yaml', text: 'bundle: a\nnope: 1\n' },
      { path: 'b.yaml', text: 'alsonope: 2\n' },
    ]);
    expect(r.problems.map((p) => `${p.location?.file}:${p.location?.line} ${p.code}`)).toEqual([
      'a.yaml:2 ARB_POLICY_UNKNOWN_FIELD',
      'b.yaml:1 ARB_POLICY_UNKNOWN_FIELD',
    ]);
  });

  it('reports no sources as an error', () => {
    expect(compileBundle([]).problems[0]?.code).toBe('ARB_POLICY_NO_SOURCES');
  });

  it('gives the same revision for the same content in another layout, and another for other content', () => {
    const a = bundleOf(SIMPLE);
    const b = bundleOf(`# reformatted\nrules: [{ effect: allow, tools: t, id: allow-t }]\ntools:\n  t:\n    verb: read\nbundle: s\n`);
    const c = bundleOf(SIMPLE.replace('allow }', 'deny }'));
    expect(a.revision).toMatch(/^[0-9a-f]{64}$/);
    expect(b.revision).toBe(a.revision);
    expect(c.revision).not.toBe(a.revision);
  });

  it('produces a deep-frozen bundle', () => {
    const b = bundleOf(SIMPLE);
    expect(Object.isFrozen(b)).toBe(true);
    expect(Object.isFrozen(b.rules)).toBe(true);
    expect(Object.isFrozen(b.rules[0])).toBe(true);
    expect(Object.isFrozen(b.tools.get('t'))).toBe(true);
    expect(() => {
      (b.rules as unknown as unknown[]).push({});
    }).toThrow(TypeError);
    expect('set' in b.tools).toBe(false);
  });

  it('exposes tool metadata for the trajectory module', () => {
    const b = bundleOf(`bundle: m
tools:
  send: { verb: communicate, side_effect: external, destinations: { to: email }, amounts: [n], labels: [pii], untrusted_output: true, cost: 0.25 }
`);
    expect(b.tools.get('send')).toMatchObject({
      verb: 'communicate', sideEffect: 'external', destinations: { to: 'email' }, destinationArgs: [{ arg: 'to', kind: 'email' }],
      amounts: ['n'], labels: ['pii'], untrustedOutput: true, cost: 0.25,
    });
    expect(b.tools.get('nope')).toBeUndefined();
  });

  it('pre-merges wildcard rules into each tool index entry, in bundle order', () => {
    const b = bundleOf(`bundle: w
tools: { a.x: { verb: read }, b.y: { verb: read } }
rules:
  - { id: r1, tools: "a.*", effect: allow }
  - { id: r2, tools: b.y, effect: allow }
  - { id: r3, tools: "*", when: { session.quarantined: true }, effect: deny }
`);
    expect(b.index.get('a.x')?.rules.map((r) => r.id)).toEqual(['r1', 'r3']);
    expect(b.index.get('b.y')?.rules.map((r) => r.id)).toEqual(['r2', 'r3']);
    expect(b.wildcardRules.map((r) => r.id)).toEqual(['r1', 'r3']);
  });
});

describe('layering', () => {
  const base = `bundle: base
lists: { domains: [a.example] }
tools: { send: { verb: communicate, destinations: { to: email } }, read: { verb: read } }
rules:
  - { id: allow-all, tools: "*", effect: allow }
  - { id: egress, tools: send, when: { destination.domain: { domain_not_in: { list: domains } } }, effect: deny }
  - { id: no-read, tools: read, when: { session.tainted: true }, effect: deny }
`;

  it('an unscoped layer replaces a rule by id and can disable one', () => {
    const b = bundleOf(base, `rules:\n  - { id: no-read, disabled: true, tools: read, effect: deny }\n`);
    expect(b.rules.map((r) => r.id)).toEqual(['allow-all', 'egress']);
    expect(evaluate(b, proposal('read'), facts({ tainted: true }), 0).effect).toBe('allow');
  });

  it('a tenant layer overrides a rule inside its scope only', () => {
    const b = bundleOf(base, `layer: { scope: { tenants: [acme] } }
append_lists: { domains: [b.example] }
rules:
  - { id: egress, tools: send, when: { destination.domain: { domain_not_in: { list: domains } } }, effect: deny }
`);
    const to = { to: 'x@b.example' };
    expect(evaluate(b, proposal('send', to, { tenantId: 'acme' }), facts(), 0).effect).toBe('allow');
    expect(evaluate(b, proposal('send', to, { tenantId: 'other' }), facts(), 0).effect).toBe('deny');
    expect(evaluate(b, proposal('send', { to: 'x@c.example' }, { tenantId: 'acme' }), facts(), 0).effect).toBe('deny');
  });

  it('a scoped layer may not change the default', () => {
    const r = compileBundle([{ path: 'b', text: base }, { path: 'l', text: 'layer: { scope: { tenants: [x] } }\ndefault: allow\n' }]);
    expect(r.problems.map((p) => p.code)).toContain('ARB_POLICY_BAD_VALUE');
  });

  it('an unscoped layer may change the default', () => {
    const b = bundleOf('bundle: d\n', 'default: allow\n');
    expect(evaluate(b, proposal('anything'), facts(), 0).effect).toBe('allow');
  });
});
