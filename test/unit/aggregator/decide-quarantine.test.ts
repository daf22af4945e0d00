// The verdict's pure decide() with the aggregator's quarantine: the policy reads session.quarantined.
import { describe, expect, it } from 'vitest';
import { compileBundle } from '../../../processors/policy/index.ts';
import { EMPTY_STATE } from '../../../processors/trajectory/index.ts';
import { decide } from '../../../processors/verdict/decide.ts';
import { createPolicyEngine } from '../../../processors/verdict/policy-engine.ts';
import { proposal } from '../verdict/fixtures.ts';

const POLICY = `
bundle: quarantine-test
default: deny
tools:
  http_get: { verb: read }
rules:
  - id: read-ok
    tools: http_get
    effect: allow
  - id: quarantined
    tools: "*"
    when: { session.quarantined: true }
    effect: deny
`;
const { bundle } = compileBundle([{ path: 'q.yaml', text: POLICY }]);
const engine = createPolicyEngine({ requireSignature: false, trustedKeys: {} });
const NOW = 1_000_000;

describe('decide with the agent quarantine from the aggregator', () => {
  it('given the agent is quarantined, then the policy sees session.quarantined and denies, and the state records it', () => {
    const d = decide(engine, bundle, proposal(), EMPTY_STATE, NOW, { quarantineUntilMs: NOW + 60_000 });
    expect(d.facts.quarantined).toBe(true);
    expect(d.decision).toMatchObject({ effect: 'deny', ruleIds: ['quarantined'] });
    expect(d.nextState.quarantineUntilMs).toBe(NOW + 60_000);
  });

  it('given no quarantine (or it was lifted), then the same proposal is allowed and the state is cleared', () => {
    expect(decide(engine, bundle, proposal(), EMPTY_STATE, NOW, { quarantineUntilMs: -1 }).decision.effect).toBe('allow');
    const held = { ...EMPTY_STATE, quarantineUntilMs: NOW + 60_000 };
    const d = decide(engine, bundle, proposal(), held, NOW, { quarantineUntilMs: -1 });
    expect(d.decision.effect).toBe('allow');
    expect(d.nextState.quarantineUntilMs).toBe(-1);
  });
});
