import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../processors/policy/index.ts';
import { bundleOf, facts, proposal } from './helpers.ts';

const B = bundleOf(`bundle: e
tools:
  t: { verb: write, args: { n: number, s: string } }
rules:
  - { id: allow, tools: t, effect: allow }
  - { id: mod, tools: t, effect: modify, modify: [{ cap: args.n, max: 10 }] }
  - { id: esc, tools: t, when: { args.s: esc }, effect: escalate, escalate: { approvers: [x], timeout: 5s, on_timeout: allow } }
  - { id: deny, tools: t, when: { args.s: deny }, effect: deny }
  - { id: warn, mode: warn, tools: t, when: { args.s: { matches: "^w" } }, effect: deny }
  - { id: gt, tools: t, when: { args.q: { gt: 3 } }, effect: deny }
`);

describe('evaluate precedence', () => {
  it('deny beats escalate, modify and allow', () => {
    expect(evaluate(B, proposal('t', { n: 50, s: 'deny' }), facts(), 0).effect).toBe('deny');
  });
  it('escalate beats modify and carries the approval and the modified args', () => {
    const d = evaluate(B, proposal('t', { n: 50, s: 'esc' }), facts(), 0);
    expect(d.effect).toBe('escalate');
    expect(d.approval).toEqual({ approvers: ['x'], timeoutMs: 5000, onTimeout: 'allow', ruleId: 'esc' });
    expect(d.modifiedArgs).toEqual({ n: 10, s: 'esc' });
  });
  it('modify beats allow and never mutates the proposal', () => {
    const args = Object.freeze({ n: 50, s: 'x' });
    const d = evaluate(B, proposal('t', args), facts(), 0);
    expect(d.effect).toBe('modify');
    expect(d.modifiedArgs).toEqual({ n: 10, s: 'x' });
    expect(args).toEqual({ n: 50, s: 'x' });
    expect(d.modifications).toEqual([{ kind: 'cap', path: 'n', ruleId: 'mod', detail: 'capped args.n at 10' }]);
  });
  it('a warn rule records its would-be effect without changing the verdict', () => {
    const d = evaluate(B, proposal('t', { n: 1, s: 'went' }), facts(), 0);
    expect(d.effect).toBe('allow');
    expect(d.shadow).toEqual([{ ruleId: 'warn', mode: 'warn', effect: 'deny', reason: 't denied: args.s matches /^w/ (rule warn)' }]);
  });
  it('modify and escalate rules alone never grant under default deny', () => {
    const b = bundleOf(`bundle: g
rules:
  - { id: m, tools: "*", effect: modify, modify: [{ redact: args.s }] }
  - { id: e, tools: "*", effect: escalate, escalate: { approvers: [a], timeout: 1s, on_timeout: allow } }
`);
    const d = evaluate(b, proposal('x', { s: 'secret' }), facts(), 0);
    expect(d.effect).toBe('deny');
  });
  it('an operator meeting the wrong type denies with ARB_POLICY_ARG_TYPE instead of skipping the rule', () => {
    const d = evaluate(B, proposal('t', { n: 1, s: 'x', q: '100' }), facts(), 0);
    expect(d).toMatchObject({ effect: 'deny', errorCode: 'ARB_POLICY_ARG_TYPE' });
    expect(d.reasons[0]).toMatch(/args.q > needs numbers/);
  });
  it('stamps the bundle revision and is deterministic', () => {
    const p = proposal('t', { n: 50, s: 'x' });
    const a = evaluate(B, p, facts(), 0);
    expect(a.bundleRevision).toBe(B.revision);
    expect(JSON.stringify(evaluate(B, p, facts(), 0))).toBe(JSON.stringify(a));
  });
  it('lists the session facts the deciding rules read', () => {
    const b = bundleOf(`bundle: f
rules:
  - { id: r, tools: "*", when: { all: [{ session.tainted: true }, { 'session.read.records{label=pii}': { gt: 1 } }] }, effect: deny }
`);
    const d = evaluate(b, proposal('x'), facts({ tainted: true, readRecords: { pii: 2 } }), 0);
    expect(d.factsUsed).toEqual(['session.tainted', 'session.read.records{label=pii}']);
  });
});

describe('evaluate on hostile input', () => {
  it('matches a catastrophic-backtracking pattern in linear time (RE2)', () => {
    const b = bundleOf(`bundle: r
rules:
  - { id: allow, tools: "*", effect: allow }
  - { id: redos, tools: "*", when: { args.q: { matches: '^(a+)+$' } }, effect: deny }
`);
    const hostile = `${'a'.repeat(100_000)}!`;
    const t0 = performance.now();
    const d = evaluate(b, proposal('x', { q: hostile }), facts(), 0);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(d.effect).toBe('allow');
    expect(evaluate(b, proposal('x', { q: 'aaaa' }), facts(), 0).effect).toBe('deny');
  });

  it('treats deeply nested argument objects as plain values', () => {
    let deep: Record<string, unknown> = { v: 'x@evil.example' };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const b = bundleOf(`bundle: n
tools: { send: { verb: communicate, destinations: { to: email } } }
rules:
  - { id: allow, tools: send, effect: allow }
  - { id: egress, tools: send, when: { destination.domain: { domain_not_in: [example.com] } }, effect: deny }
`);
    const d = evaluate(b, proposal('send', { to: 'a@example.com', extra: deep as never }), facts(), 0);
    expect(d.effect).toBe('allow');
  });
});
