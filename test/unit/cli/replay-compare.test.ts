// arbiter replay's comparison: recorded sessions replayed through the active and a candidate bundle; promoting an
// observe rule to enforce shows what it would refuse; fidelity against the recorded decisions is counted apart.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { compileBundle, type PolicyBundle, type PolicySource } from '../../../processors/policy/index.ts';
import { readSources } from '../../../processors/cli/policy.ts';
import { compareBundles, promote, renderReplay, type RecordedSession } from '../../../processors/cli/replay-compare.ts';
import { proposalFrom } from '../../../processors/policy/golden.ts';

const refunds = readSources([fileURLToPath(new URL('../../../examples/refunds/bundle.yaml', import.meta.url))]);
const compiled = (sources: PolicySource[]): PolicyBundle => {
  const { bundle, problems } = compileBundle(sources);
  if (bundle === undefined) throw new Error(problems.map((p) => p.message).join('; '));
  return bundle;
};

const refund = (sessionId: string, n: number, amount: number) => ({
  proposal: { ...proposalFrom({ tool: 'issue_refund', args: { order_id: `O-${n}`, amount } }), sessionId, proposalId: `${sessionId}-${n}`, createdAtMs: 1_000 * n },
});

const sessions: RecordedSession[] = [
  { sessionId: 's1', trustedDestinations: [], trustedValues: [], steps: [
    { ...refund('s1', 1, 50), recorded: { effect: 'allow', ruleIds: ['refunds.allowed'] } },
    { ...refund('s1', 2, 5000), approved: true, recorded: { effect: 'escalate', ruleIds: ['refunds.above-threshold'] } },
  ] },
  { sessionId: 's2', trustedDestinations: [], trustedValues: [], steps: [
    { ...refund('s2', 1, 1500), recorded: { effect: 'allow', ruleIds: ['refunds.allowed'] } }, // recorded under an older policy
  ] },
];

describe('arbiter replay comparison', () => {
  it('the same bundle changes nothing; its observe rule is tallied with the tools it fired on', () => {
    const b = compiled(refunds);
    const r = compareBundles(sessions, b, b);
    expect(r.calls).toBe(3);
    expect(r.changes).toEqual([]);
    expect(r.fidelity).toEqual({ compared: 3, same: 2 });
    const watch = r.shadow.get('refunds.large-watch');
    expect(watch).toMatchObject({ mode: 'observe', effect: 'deny', hits: 2 });
    expect([...(watch?.tools ?? [])]).toEqual(['issue_refund']);
  });

  it('enforcing the observe rule lists each call it would refuse, by session, step and rule', () => {
    const active = compiled(refunds);
    const candidate = compiled(promote(refunds, ['refunds.large-watch']));
    expect(candidate.revision).not.toBe(active.revision);
    const r = compareBundles(sessions, active, candidate);
    expect(r.changes.map((c) => `${c.sessionId}#${c.step} ${c.from}→${c.to} ${c.rule}`)).toEqual([
      's1#2 escalate→deny refunds.large-watch', 's2#1 escalate→deny refunds.large-watch',
    ]);
    expect([...r.transitions]).toEqual([['escalate → deny', 2]]);
    expect(r.shadow.size).toBe(0);
    const text = renderReplay(r, active.revision, candidate.revision, 1);
    expect(text).toMatch(/^replayed 2 session\(s\), 3 call\(s\): active [0-9a-f]{12} vs candidate [0-9a-f]{12}\nreplay fidelity: .* 2 of 3 recorded decisions \(66\.7%\)/);
    expect(text).toMatch(/\n2 call\(s\) decided differently:\n {2}escalate → deny +2\n {2}- session s1 #2 issue_refund: escalate → deny by refunds\.large-watch: issue_refund denied: args\.amount 5000 > 1000 \(rule refunds\.large-watch\)\n/);
    expect(text).toContain('... 1 more (--examples N)');
  });

  it('promote refuses a rule id the candidate does not have, and keeps the other sources as they are', () => {
    expect(() => promote(refunds, ['refunds.nope'])).toThrow(/^ARB_CLI_USAGE: arbiter replay: --enforce names no rule of the candidate: refunds\.nope/);
    const other = { path: 'extra.yaml', text: 'lists:\n  x: [a]\n' };
    expect(promote([...refunds, other], ['refunds.large-watch'])[1]).toBe(other);
  });
});
