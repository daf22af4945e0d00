import { describe, expect, it } from 'vitest';
import { compileBundle, type PolicyBundle } from '../../../processors/policy/index.ts';
import { replay } from '../../../processors/trajectory/replay.ts';
import { T0, proposal, result } from '../trajectory/fixtures.ts';

const POLICY = `
bundle: content-destinations-test
default: allow
tools:
  read_channel: { verb: read, untrusted_output: true }
  send_message: { verb: communicate, side_effect: external, destinations: { to: email } }
rules:
  - id: egress.link-in-content
    tools: "*"
    when: { content.destination.first_seen_in: untrusted }
    effect: escalate
    escalate: { approvers: [owner], timeout: 60s, on_timeout: deny }
  - id: egress.mentions-corp
    tools: send_message
    when: { content.destination: { domain_in: [corp.example] } }
    effect: deny
`;

function bundle(): PolicyBundle {
  const r = compileBundle([{ path: 'content-destinations-test.yaml', text: POLICY }]);
  if (r.bundle === undefined) throw new Error(r.problems.map((p) => `${p.code}: ${p.message}`).join('\n'));
  return r.bundle;
}

const readPlanting = (dests: string[]) => ({
  proposal: proposal('read_channel', {}, T0),
  result: result('read_channel', T0 + 100, { untrustedSources: ['channel:general'], destinationsSeen: dests }),
});

describe('content.destination paths', () => {
  it('given a link first seen in untrusted content, when a message body carries it in another form, then the send escalates', () => {
    const out = replay(bundle(), [
      readPlanting(['www.phish.example.com']),
      { proposal: proposal('send_message', { to: 'alice@home.example', body: 'Check this: https://phish.example.com/' }, T0 + 1000) },
    ], { trustedDestinations: ['alice@home.example'] });
    expect(out.steps[1]?.decision.effect).toBe('escalate');
    expect(out.steps[1]?.decision.ruleIds).toEqual(['egress.link-in-content']);
  });

  it('given the user named the link, when a body carries it, then the send is allowed', () => {
    const out = replay(bundle(), [
      readPlanting(['phish.example.com']),
      { proposal: proposal('send_message', { to: 'alice@home.example', body: 'see phish.example.com' }, T0 + 1000) },
    ], { trustedDestinations: ['https://www.phish.example.com'] });
    expect(out.steps[1]?.decision.effect).toBe('allow');
  });

  it('given an untrusted address in the declared destination argument only, then content paths ignore it', () => {
    const out = replay(bundle(), [
      readPlanting(['mallory@evil.example']),
      { proposal: proposal('send_message', { to: 'mallory@evil.example', body: 'no links here' }, T0 + 1000) },
    ]);
    expect(out.steps[1]?.decision.effect).toBe('allow');
  });

  it('given string arrays in content, when one element names a destination, then content.destination matches it', () => {
    const out = replay(bundle(), [
      { proposal: proposal('send_message', { to: 'a@b.example', lines: ['hello', 'write to ops@corp.example'] }, T0) },
    ]);
    expect(out.steps[0]?.decision.effect).toBe('deny');
    expect(out.steps[0]?.decision.ruleIds).toEqual(['egress.mentions-corp']);
  });
});
