import { describe, expect, it } from 'vitest';
import { EMPTY_STATE } from '../../../processors/trajectory/index.ts';
import { decide } from '../../../processors/verdict/decide.ts';
import { createPolicyEngine } from '../../../processors/verdict/policy-engine.ts';
import type { PolicyEngine } from '../../../processors/verdict/policy-port.ts';
import { proposal, testBundle } from './fixtures.ts';

const engine = createPolicyEngine({ requireSignature: false, trustedKeys: {} });
const bundle = testBundle();
const NOW = 1_500_000;

describe('decide (pure core of the verdict processor)', () => {
  it('given an allowed tool, when decided before the deadline, then allow and the trajectory counts the step', () => {
    const d = decide(engine, bundle, proposal(), EMPTY_STATE, NOW);
    expect(d.decision.effect).toBe('allow');
    expect(d.decision.bundleRevision).toBe(bundle.revision);
    expect(d.nextState.steps).toBe(1);
  });

  it('given a deny rule on the destination, then deny with the rule and a reason naming the domain', () => {
    const d = decide(engine, bundle, proposal({ tool: 'send_email', args: { to: ['x@evil.example'], subject: 's', body: 'b' } }), EMPTY_STATE, NOW);
    expect(d.decision.effect).toBe('deny');
    expect(d.decision.ruleIds).toEqual(['email-outside']);
    expect(d.decision.reasons.join()).toContain('evil.example');
    expect(d.nextState.deniedCalls).toBe(1);
  });

  it('given a proposal past its deadline, then deny with ARB_VERDICT_DEADLINE_PASSED without evaluating or folding', () => {
    let evaluated = false;
    const spy: PolicyEngine = { ...engine, evaluate: (...a) => { evaluated = true; return engine.evaluate(...a); } };
    const d = decide(spy, bundle, proposal({ deadlineMs: NOW - 1 }), EMPTY_STATE, NOW);
    expect(d.decision).toMatchObject({ effect: 'deny', errorCode: 'ARB_VERDICT_DEADLINE_PASSED' });
    expect(evaluated).toBe(false);
    expect(d.nextState).toBe(EMPTY_STATE);
  });

  it('given no active bundle, then deny with ARB_VERDICT_NO_POLICY (fail closed)', () => {
    const d = decide(engine, undefined, proposal(), EMPTY_STATE, NOW);
    expect(d.decision).toMatchObject({ effect: 'deny', errorCode: 'ARB_VERDICT_NO_POLICY' });
  });

  it('given an evaluate() that throws, then deny with ARB_VERDICT_EVALUATE_FAILED and the state is unchanged', () => {
    const broken: PolicyEngine = { ...engine, evaluate: () => { throw new Error('boom'); } };
    const d = decide(broken, bundle, proposal(), EMPTY_STATE, NOW);
    expect(d.decision).toMatchObject({ effect: 'deny', errorCode: 'ARB_VERDICT_EVALUATE_FAILED' });
    expect(d.decision.reasons[0]).toContain('boom');
    expect(d.nextState).toBe(EMPTY_STATE);
  });

  it('given an escalation rule, then escalate with the approval spec', () => {
    const d = decide(engine, bundle, proposal({ tool: 'wire_transfer', args: { amount: 5000 } }), EMPTY_STATE, NOW);
    expect(d.decision.effect).toBe('escalate');
    expect(d.decision.approval).toMatchObject({ approvers: ['finance'], onTimeout: 'deny' });
  });
});
