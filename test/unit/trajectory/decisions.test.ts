import { describe, expect, it } from 'vitest';
import type { ToolCallProposal } from '../../../processors/core/types.ts';
import {
  EMPTY_STATE, type SessionEvent, type SessionState, type ToolInfo, decisionMade, factsFor, fold, proposalReceived,
} from '../../../processors/trajectory/index.ts';
import { LOOP_WINDOW_MS, MAX_DENIED, MAX_RECENT_CALLS } from '../../../processors/trajectory/limits.ts';
import { EMAIL_BODY, T0, proposal, tool } from './fixtures.ts';

const send = tool('communicate');
const read = tool('read');

function after(events: SessionEvent[], from: SessionState = EMPTY_STATE): SessionState {
  return fold(events, from);
}
function denied(p: ToolCallProposal, t: ToolInfo = send): SessionEvent[] {
  return [proposalReceived(p, t), decisionMade(p, t, 'deny', ['no-external-mail'], p.createdAtMs)];
}
function allowed(p: ToolCallProposal, t: ToolInfo): SessionEvent[] {
  return [proposalReceived(p, t), decisionMade(p, t, 'allow', [], p.createdAtMs)];
}
const email = (to: string, at: number, body = EMAIL_BODY, extra: Partial<ToolCallProposal> = {}) =>
  proposal('send_email', { recipients: [to], subject: 'Q3 report', body }, at, extra);

describe('retry after deny', () => {
  it('given a denied email, when the same tool and intent is proposed with another recipient, then it is a retry with high similarity', () => {
    const s = after(denied(email('eve@evil.example', T0)));
    const f = factsFor(s, email('eve@evil2.example', T0 + 1000), send, T0 + 1000);
    expect(f.deniedCalls).toBe(1);
    expect(f.isRetryAfterDeny).toBe(true);
    expect(f.retrySimilarity).toBeGreaterThanOrEqual(0.7);
    expect(f.retrySimilarity).toBeLessThan(1);
  });

  it('given a denied email, when the identical call is proposed again, then it is not an altered retry but similarity is 1', () => {
    const s = after(denied(email('eve@evil.example', T0)));
    const f = factsFor(s, email('eve@evil.example', T0 + 1000), send, T0 + 1000);
    expect(f.isRetryAfterDeny).toBe(false);
    expect(f.retrySimilarity).toBe(1);
  });

  it('given a denied email, when the same tool is proposed under another intent, then it is not a retry', () => {
    const s = after(denied(email('eve@evil.example', T0)));
    const f = factsFor(s, email('x@y.example', T0 + 1, EMAIL_BODY, { intent: 'newsletter' }), send, T0 + 1);
    expect(f.isRetryAfterDeny).toBe(false);
  });

  it('given a denied email, when a wholly different message is proposed, then similarity is low', () => {
    const s = after(denied(email('eve@evil.example', T0)));
    const other = email('bob@corp.example', T0 + 1, 'Lunch on Friday at noon? The new ramen place near the station.');
    expect(factsFor(s, other, send, T0 + 1).retrySimilarity).toBeLessThan(0.4);
  });

  it('given an allowed call only, when an altered call is proposed, then it is not a retry after deny', () => {
    const s = after(allowed(email('bob@corp.example', T0), send));
    const f = factsFor(s, email('eve@evil.example', T0 + 1), send, T0 + 1);
    expect(f.isRetryAfterDeny).toBe(false);
    expect(f.retrySimilarity).toBe(0);
  });

  it('given a deny and then a retry folded in, when facts are computed, then deniedRetries counts it', () => {
    const s = after([...denied(email('a@evil.example', T0)), ...denied(email('b@evil.example', T0 + 1))]);
    const f = factsFor(s, email('c@evil.example', T0 + 2), send, T0 + 2);
    expect(f.deniedRetries).toBe(1);
    expect(f.deniedCalls).toBe(2);
  });

  it('given more denies than the ring holds, when the oldest denied tool is proposed again, then it is no longer remembered', () => {
    const events: SessionEvent[] = denied(proposal('wire_money', { iban: 'X1', amount: 5 }, T0));
    for (let i = 0; i < MAX_DENIED; i++) events.push(...denied(proposal(`tool${i}`, { i }, T0 + 1 + i)));
    const f = factsFor(after(events), proposal('wire_money', { iban: 'X2', amount: 5 }, T0 + 100), send, T0 + 100);
    expect(f.deniedCalls).toBe(MAX_DENIED + 1);
    expect(f.isRetryAfterDeny).toBe(false);
  });
});

describe('loops', () => {
  it('given three identical searches, when a fourth is proposed, then identicalCallsInWindow is 4 (this one included)', () => {
    const events = [0, 1, 2].flatMap((i) => allowed(proposal('search', { q: 'flights to rome' }, T0 + i * 1000), read));
    const f = factsFor(after(events), proposal('search', { q: 'flights to rome' }, T0 + 3000), read, T0 + 3000);
    expect(f.identicalCallsInWindow).toBe(4);
    expect(f.similarCallsInWindow).toBe(4);
  });

  it('given near-identical calls, when another variant is proposed, then they count as similar but not identical', () => {
    const body = (n: number) => `${EMAIL_BODY} (attempt ${n})`;
    const events = [0, 1].flatMap((i) => allowed(email('bob@corp.example', T0 + i, body(i)), send));
    const f = factsFor(after(events), email('bob@corp.example', T0 + 5, body(7)), send, T0 + 5);
    expect(f.identicalCallsInWindow).toBe(1);
    expect(f.similarCallsInWindow).toBe(3);
  });

  it('given a call exactly LOOP_WINDOW_MS ago, when the same call is proposed, then the old one is outside the window', () => {
    const s = after(allowed(proposal('search', { q: 'x' }, T0), read));
    expect(factsFor(s, proposal('search', { q: 'x' }, T0 + LOOP_WINDOW_MS - 1), read, T0 + LOOP_WINDOW_MS - 1).identicalCallsInWindow).toBe(2);
    expect(factsFor(s, proposal('search', { q: 'x' }, T0 + LOOP_WINDOW_MS), read, T0 + LOOP_WINDOW_MS).identicalCallsInWindow).toBe(1);
  });

  it('given the same arguments on another tool, when proposed, then they do not count as a loop', () => {
    const s = after(allowed(proposal('search', { q: 'x' }, T0), read));
    expect(factsFor(s, proposal('lookup', { q: 'x' }, T0 + 1), read, T0 + 1).identicalCallsInWindow).toBe(1);
  });

  it('given more calls than the ring holds, when counted, then only the newest MAX_RECENT_CALLS are remembered', () => {
    const events = Array.from({ length: MAX_RECENT_CALLS + 5 }, (_, i) => proposalReceived(proposal('search', { q: 'x' }, T0 + i), read));
    const f = factsFor(after(events), proposal('search', { q: 'x' }, T0 + 100), read, T0 + 100);
    expect(f.identicalCallsInWindow).toBe(MAX_RECENT_CALLS + 1);
  });
});

describe('privilege escalation', () => {
  it('given only reads so far, when an execute tool is proposed, then it is an escalation', () => {
    const s = after(allowed(proposal('search', {}, T0), read));
    expect(factsFor(s, proposal('run_shell', {}, T0 + 1), tool('execute'), T0 + 1).privilegeEscalation).toBe(true);
  });

  it('given an allowed communicate call, when a read or another communicate is proposed, then it is not an escalation', () => {
    const s = after(allowed(proposal('send', {}, T0), send));
    expect(factsFor(s, proposal('search', {}, T0 + 1), read, T0 + 1).privilegeEscalation).toBe(false);
    expect(factsFor(s, proposal('send', {}, T0 + 1), send, T0 + 1).privilegeEscalation).toBe(false);
  });

  it('given no earlier call, when the first call is proposed, then there is nothing to escalate from', () => {
    expect(factsFor(EMPTY_STATE, proposal('run_shell', {}, T0), tool('execute'), T0).privilegeEscalation).toBe(false);
  });

  it('given a denied execute call, when execute is proposed again, then it is still an escalation (denied calls do not raise the level)', () => {
    const s = after([...allowed(proposal('search', {}, T0), read), ...denied(proposal('run_shell', {}, T0 + 1), tool('execute'))]);
    expect(factsFor(s, proposal('run_shell', { c: 1 }, T0 + 2), tool('execute'), T0 + 2).privilegeEscalation).toBe(true);
  });

  it('given a tool the bundle does not know, when proposed, then no escalation can be computed', () => {
    const s = after(allowed(proposal('search', {}, T0), read));
    expect(factsFor(s, proposal('mystery', {}, T0 + 1), undefined, T0 + 1).privilegeEscalation).toBe(false);
  });
});

describe('approvals', () => {
  it('given an escalated delegate call, when the approval is granted, then its privilege counts as reached', () => {
    const del = tool('delegate');
    const p = proposal('spawn_agent', {}, T0 + 1);
    const s = after([
      ...allowed(proposal('search', {}, T0), read),
      proposalReceived(p, del), decisionMade(p, del, 'escalate', ['needs-approval'], T0 + 1),
      { kind: 'approval', atMs: T0 + 60_000, proposalId: p.proposalId, approved: true },
    ]);
    expect(s.pending).toEqual([]);
    expect(factsFor(s, proposal('spawn_agent', {}, T0 + 70_000), del, T0 + 70_000).privilegeEscalation).toBe(false);
  });

  it('given an escalated call, when the approval is rejected, then it counts as a denied call and an altered retry is detected', () => {
    const p = email('eve@evil.example', T0);
    const s = after([
      proposalReceived(p, send), decisionMade(p, send, 'escalate', ['needs-approval'], T0),
      { kind: 'approval', atMs: T0 + 1000, proposalId: p.proposalId, approved: false },
    ]);
    const f = factsFor(s, email('eve@evil2.example', T0 + 2000), send, T0 + 2000);
    expect(f.deniedCalls).toBe(1);
    expect(f.isRetryAfterDeny).toBe(true);
  });

  it('given no pending escalation, when an approval arrives for an unknown proposal, then the state is unchanged', () => {
    const s = after(allowed(proposal('search', {}, T0), read));
    const next = after([{ kind: 'approval', atMs: T0 + 1, proposalId: 'nope', approved: false }], s);
    expect(next).toEqual({ ...s, lastMs: T0 + 1 });
  });
});

describe('intent', () => {
  it('given proposals outside their intent folded in, when facts are computed, then they are counted and this one is flagged', () => {
    const s = after([
      proposalReceived(proposal('search', {}, T0), read, false),
      proposalReceived(proposal('wire_money', {}, T0 + 1), send, true),
    ]);
    const f = factsFor(s, proposal('delete_files', {}, T0 + 2), tool('write'), T0 + 2, { outsideIntent: true });
    expect(f.outsideIntentCalls).toBe(1);
    expect(f.outsideIntent).toBe(true);
    expect(f.stepCount).toBe(2);
  });

  it('given no intent check, when facts are computed, then outsideIntent is absent', () => {
    expect('outsideIntent' in factsFor(EMPTY_STATE, proposal('x', {}, T0), read, T0)).toBe(false);
  });
});
