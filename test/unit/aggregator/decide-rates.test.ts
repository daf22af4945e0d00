// The verdict's pure decide() with the aggregator's rates: the policy reads session.rate.agent / session.rate.tenant.
import { describe, expect, it } from 'vitest';
import { compileBundle } from '../../../processors/policy/index.ts';
import { EMPTY_STATE } from '../../../processors/trajectory/index.ts';
import { decide } from '../../../processors/verdict/decide.ts';
import { createPolicyEngine } from '../../../processors/verdict/policy-engine.ts';
import { proposal } from '../verdict/fixtures.ts';

const POLICY = `
bundle: rates-test
default: deny
tools:
  http_get: { verb: read }
rules:
  - id: read-ok
    tools: http_get
    effect: allow
  - id: agent-too-fast
    tools: "*"
    when: { session.rate.agent: { gt: 100 } }
    effect: deny
  - id: tenant-busy
    tools: "*"
    when: { session.rate.tenant: { gte: 1000 } }
    effect: escalate
    escalate: { approvers: [ops], timeout: 10m, on_timeout: deny }
`;
const { bundle } = compileBundle([{ path: 'r.yaml', text: POLICY }]);
const engine = createPolicyEngine({ requireSignature: false, trustedKeys: {} });
const NOW = 1_000_000;
const cross = (agent: number, tenant: number) => ({ quarantineUntilMs: -1, agentRatePerMinute: agent, tenantRatePerMinute: tenant });

describe('decide with the cross-session rates from the aggregator', () => {
  it('passes the agent and tenant rates to the policy as session.rate.agent and session.rate.tenant', () => {
    const d = decide(engine, bundle, proposal(), EMPTY_STATE, NOW, cross(101, 5));
    expect(d.facts.ratePerMinute).toMatchObject({ agent: 101, tenant: 5 });
    expect(d.decision).toMatchObject({ effect: 'deny', ruleIds: ['agent-too-fast'] });
    expect(decide(engine, bundle, proposal(), EMPTY_STATE, NOW, cross(3, 1_000)).decision).toMatchObject({ effect: 'escalate' });
  });

  it('reads 0 without rates (no feed, or no signal in the last minute)', () => {
    for (const c of [undefined, { quarantineUntilMs: -1 }]) {
      const d = decide(engine, bundle, proposal(), EMPTY_STATE, NOW, c);
      expect(d.facts.ratePerMinute).toMatchObject({ agent: 0, tenant: 0 });
      expect(d.decision.effect).toBe('allow');
    }
  });
});
