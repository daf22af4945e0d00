import { describe, expect, it } from 'vitest';
import { compileBundle, type PolicyBundle } from '../../../processors/policy/index.ts';
import { replay } from '../../../processors/trajectory/replay.ts';
import { T0, proposal, result } from '../trajectory/fixtures.ts';

const POLICY = `
bundle: value-provenance-test
default: allow
tools:
  read_reviews: { verb: read, untrusted_output: true }
  list_hotels: { verb: read }
  reserve_hotel: { verb: execute, side_effect: irreversible, values: [hotel] }
  update_password: { verb: write, side_effect: irreversible, values: [password] }
  send_message: { verb: communicate, side_effect: external }
rules:
  - id: provenance.untrusted-value
    tools: "*"
    when: { value.first_seen_in: untrusted }
    effect: escalate
    escalate: { approvers: [owner], timeout: 60s, on_timeout: deny }
  - id: credential.not-typed-by-user
    tools: update_password
    when: { not: { value.first_seen_in: user } }
    effect: escalate
    escalate: { approvers: [owner], timeout: 60s, on_timeout: deny }
`;

function bundle(): PolicyBundle {
  const r = compileBundle([{ path: 'value-provenance-test.yaml', text: POLICY }]);
  if (r.bundle === undefined) throw new Error(r.problems.map((p) => `${p.code}: ${p.message}`).join('\n'));
  return r.bundle;
}

const reviews = (values: string[]) => ({
  proposal: proposal('read_reviews', {}, T0),
  result: result('read_reviews', T0 + 100, { untrustedSources: ['web:reviews'], valuesSeen: values }),
});

describe('value.first_seen_in', () => {
  it('given a hotel name first put forward by an untrusted review, when the agent books it (any case, padding), then the booking escalates', () => {
    const out = replay(bundle(), [reviews(['riverside view hotel']), { proposal: proposal('reserve_hotel', { hotel: '  Riverside  View Hotel.' }, T0 + 1000) }]);
    expect(out.steps[1]?.decision.effect).toBe('escalate');
    expect(out.steps[1]?.decision.ruleIds).toEqual(['provenance.untrusted-value']);
  });

  it('given the user named the hotel first, when a review repeats it, then the booking is allowed', () => {
    const out = replay(bundle(), [reviews(['le marais boutique']), { proposal: proposal('reserve_hotel', { hotel: 'Le Marais Boutique' }, T0 + 1000) }],
      { trustedValues: ['le marais boutique'] });
    expect(out.steps[1]?.decision.effect).toBe('allow');
  });

  it('given a trusted listing showed the hotel before an untrusted review, then the first sighting wins and the booking is allowed', () => {
    const out = replay(bundle(), [
      { proposal: proposal('list_hotels', {}, T0), result: result('list_hotels', T0 + 50, { valuesSeen: ['good night'] }) },
      { ...reviews(['good night']), proposal: proposal('read_reviews', {}, T0 + 200) },
      { proposal: proposal('reserve_hotel', { hotel: 'Good Night' }, T0 + 1000) },
    ]);
    expect(out.steps[2]?.decision.effect).toBe('allow');
  });

  it('given a tool that declares no values, then the value rules do not see it', () => {
    const out = replay(bundle(), [reviews(['riverside view hotel']), { proposal: proposal('send_message', { body: 'Riverside View Hotel' }, T0 + 1000) }]);
    expect(out.steps[1]?.decision.effect).toBe('allow');
  });

  it('given the user typed the new password, then the change is allowed; a password from content or nowhere escalates', () => {
    const typed = replay(bundle(), [reviews([]), { proposal: proposal('update_password', { password: '1j1l-2k3j' }, T0 + 1000) }], { trustedValues: ['1j1l-2k3j'] });
    expect(typed.steps[1]?.decision.effect).toBe('allow');
    const planted = replay(bundle(), [reviews(['new_password']), { proposal: proposal('update_password', { password: 'new_password' }, T0 + 1000) }], { trustedValues: ['1j1l-2k3j'] });
    expect(planted.steps[1]?.decision.ruleIds).toEqual(['provenance.untrusted-value', 'credential.not-typed-by-user']);
    const unseen = replay(bundle(), [{ proposal: proposal('update_password', { password: 'hunter2' }, T0 + 1000) }]);
    expect(unseen.steps[0]?.decision.effect).toBe('escalate');
  });
});

describe('value.first_seen_in: user, trusted output and untrusted apart', () => {
  const RULE = `
bundle: named-by-user-test
default: allow
tools:
  read_reviews: { verb: read, untrusted_output: true }
  list_hotels: { verb: read }
  reserve_hotel: { verb: execute, side_effect: irreversible, values: [hotel] }
rules:
  - id: irreversible-not-named
    tools: "*"
    when: { all: [ { session.tainted: true }, { value.first_seen_in: { ne: user } } ] }
    effect: escalate
    escalate: { approvers: [owner], timeout: 60s, on_timeout: deny }
`;
  const b = (): PolicyBundle => {
    const r = compileBundle([{ path: 'named-by-user-test.yaml', text: RULE }]);
    if (r.bundle === undefined) throw new Error(r.problems.map((p) => `${p.code}: ${p.message}`).join('\n'));
    return r.bundle;
  };
  const steps = (hotel: string) => [
    { proposal: proposal('list_hotels', {}, T0), result: result('list_hotels', T0 + 50, { valuesSeen: ['luxury palace', 'le marais boutique'] }) },
    { ...reviews([]), proposal: proposal('read_reviews', {}, T0 + 200) },
    { proposal: proposal('reserve_hotel', { hotel }, T0 + 1000) },
  ];

  it('given a tainted session, when the agent books a hotel a trusted listing showed but the user never named, then it escalates', () => {
    const out = replay(b(), steps('Luxury Palace'), { trustedValues: ['le marais boutique'] });
    expect(out.steps[2]?.facts.valueOrigin?.('luxury palace')).toBe('trusted');
    expect(out.steps[2]?.decision.effect).toBe('escalate');
  });

  it('given the user named the hotel, when the agent books it after taint, then it is allowed', () => {
    const out = replay(b(), steps('Le Marais Boutique'), { trustedValues: ['le marais boutique'] });
    expect(out.steps[2]?.decision.effect).toBe('allow');
  });
});
