// Given/when/then over the correlator fold: events in (time inside), alerts and taints out.
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS, Correlator, memoryKey, type Emission } from '../../../processors/aggregator/correlate.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../../processors/aggregator/thresholds.ts';
import type { ToolCallProposal, ToolCallResult } from '../../../processors/core/types.ts';

const OFF: Thresholds = {
  ...DEFAULT_THRESHOLDS, agentCallsPerMinute: 0, tenantRecordsPerHour: 0, sourceSessions: 0, quarantineOn: [], memoryTools: {}, rateSignalMs: 0,
};

let seq = 0;
function proposal(over: Partial<ToolCallProposal> = {}): ToolCallProposal {
  seq++;
  return {
    proposalId: `p-${seq}`, sessionId: 's-1', agentId: 'agent-1', userId: 'u', tenantId: 'acme', agentRole: 'assistant',
    environment: 'prod', tool: 'http_get', args: {}, intent: '', replyTopic: 'v', replyPartition: 0, deadlineMs: 0, createdAtMs: 1_000, ...over,
  };
}
function result(over: Partial<ToolCallResult> = {}): ToolCallResult {
  return {
    proposalId: 'p-x', sessionId: 's-1', agentId: 'agent-1', userId: 'u', tenantId: 'acme', tool: 'http_get', outcome: 'success',
    recordsRead: {}, bytesRead: {}, untrustedSources: [], destinationsSeen: [], modificationApplied: false, cost: 0, completedAtMs: 1_000, ...over,
  };
}
const kinds = (es: readonly Emission[]) => es.map((e) => (e.kind === 'alert' ? e.alert.kind : 'taint'));

describe('agent rate', () => {
  const t: Thresholds = { ...OFF, agentCallsPerMinute: 3, quarantineOn: ['agent-rate'], quarantineMs: 600_000, cooldownMs: 60_000 };

  it('given an agent at the threshold across sessions, when one more proposal comes, then it alerts and quarantines the agent', () => {
    const c = new Correlator(t);
    for (let i = 0; i < 3; i++) expect(c.observe({ kind: 'proposal', proposal: proposal({ sessionId: `s-${i}`, createdAtMs: 1_000 + i }) })).toEqual([]);
    const out = c.observe({ kind: 'proposal', proposal: proposal({ sessionId: 's-9', createdAtMs: 2_000 }) });
    expect(kinds(out)).toEqual([ALERT_KINDS.agentRate, ALERT_KINDS.quarantine]);
    const q = out[1];
    expect(q?.kind === 'alert' && q.alert).toMatchObject({
      agentId: 'agent-1', tenantId: 'acme', severity: 'critical', facts: { scope: 'agent', untilMs: String(602_000), cause: 'agent-rate' },
    });
  });

  it('given calls spread over more than a minute, then no alert', () => {
    const c = new Correlator(t);
    const out = [0, 30_000, 61_000, 92_000, 123_000].flatMap((at) => c.observe({ kind: 'proposal', proposal: proposal({ createdAtMs: at }) }));
    expect(out).toEqual([]);
  });

  it('given an alert was raised, when the agent keeps going during the quarantine, then it stays quiet; another agent is counted apart', () => {
    const c = new Correlator(t);
    const at = (n: number, agentId = 'agent-1') => c.observe({ kind: 'proposal', proposal: proposal({ agentId, createdAtMs: n }) });
    const first = [1, 2, 3, 4].flatMap((n) => at(n));
    expect(kinds(first)).toEqual([ALERT_KINDS.agentRate, ALERT_KINDS.quarantine]);
    expect([5, 6, 7].flatMap((n) => at(n))).toEqual([]);
    expect([1, 2, 3].flatMap((n) => at(n, 'agent-2'))).toEqual([]);
  });

  it('is deterministic: the same events give the same alert ids', () => {
    const run = () => {
      const c = new Correlator(t);
      return [1, 2, 3, 4].flatMap((n) => c.observe({ kind: 'proposal', proposal: proposal({ proposalId: `x${n}`, createdAtMs: n }) }));
    };
    expect(run()).toEqual(run());
  });

  it('without quarantine configured it only alerts', () => {
    const c = new Correlator({ ...t, quarantineOn: [] });
    const out = [1, 2, 3, 4].flatMap((n) => c.observe({ kind: 'proposal', proposal: proposal({ createdAtMs: n }) }));
    expect(kinds(out)).toEqual([ALERT_KINDS.agentRate]);
  });
});

describe('tenant export volume', () => {
  const t: Thresholds = { ...OFF, tenantRecordsPerHour: 100, quarantineOn: ['tenant-export'] };

  it('given several agents of one tenant, when together they read more than N records within the hour, then it alerts and quarantines the tenant', () => {
    const c = new Correlator(t);
    expect(c.observe({ kind: 'result', result: result({ agentId: 'a', recordsRead: { pii: 60 }, completedAtMs: 0 }) })).toEqual([]);
    expect(c.observe({ kind: 'result', result: result({ agentId: 'b', recordsRead: { pii: 20, financial: 20 }, completedAtMs: 1_800_000 }) })).toEqual([]);
    const out = c.observe({ kind: 'result', result: result({ agentId: 'c', recordsRead: { pii: 1 }, completedAtMs: 3_000_000 }) });
    expect(kinds(out)).toEqual([ALERT_KINDS.tenantExport, ALERT_KINDS.quarantine]);
    expect(out[0]?.kind === 'alert' && out[0].alert.facts).toMatchObject({ recordsPerHour: '101', threshold: '100' });
    expect(out[1]?.kind === 'alert' && out[1].alert.facts).toMatchObject({ scope: 'tenant' });
  });

  it('given failed results and other tenants, then they do not count', () => {
    const c = new Correlator(t);
    expect(c.observe({ kind: 'result', result: result({ outcome: 'error', recordsRead: { pii: 500 } }) })).toEqual([]);
    expect(c.observe({ kind: 'result', result: result({ tenantId: 'other', recordsRead: { pii: 100 } }) })).toEqual([]);
    expect(c.observe({ kind: 'result', result: result({ recordsRead: { pii: 100 } }) })).toEqual([]);
  });

  it('given reads older than an hour, then they have left the window', () => {
    const c = new Correlator(t);
    c.observe({ kind: 'result', result: result({ recordsRead: { pii: 90 }, completedAtMs: 0 }) });
    expect(c.observe({ kind: 'result', result: result({ recordsRead: { pii: 90 }, completedAtMs: 3_700_000 }) })).toEqual([]);
  });
});

describe('untrusted source spread', () => {
  const t: Thresholds = { ...OFF, sourceSessions: 2, sourceWindowMs: 60_000 };

  it('given one source tainting more sessions than allowed within the window, then it alerts once, listing them', () => {
    const c = new Correlator(t);
    const taint = (s: string, at: number) => c.observe({ kind: 'result', result: result({ sessionId: s, untrustedSources: ['web:evil.example'], completedAtMs: at }) });
    expect([...taint('s-1', 0), ...taint('s-2', 10), ...taint('s-2', 20)]).toEqual([]);
    const out = taint('s-3', 30);
    expect(kinds(out)).toEqual([ALERT_KINDS.sourceSpread]);
    expect(out[0]?.kind === 'alert' && out[0].alert).toMatchObject({ sessionIds: ['s-1', 's-2', 's-3'], facts: { source: 'web:evil.example', sessions: '3' } });
    expect(taint('s-4', 40)).toEqual([]);
  });

  it('given the earlier sessions were tainted longer ago than the window, then no alert', () => {
    const c = new Correlator(t);
    const taint = (s: string, at: number) => c.observe({ kind: 'result', result: result({ sessionId: s, untrustedSources: ['web:x'], completedAtMs: at }) });
    expect([...taint('s-1', 0), ...taint('s-2', 1_000), ...taint('s-3', 70_000)]).toEqual([]);
  });
});

describe('memory taint across sessions', () => {
  const t: Thresholds = {
    ...OFF, memoryTools: { remember: { op: 'write', keyArgs: ['namespace', 'key'] }, recall: { op: 'read', keyArgs: ['namespace', 'key'] } },
  };
  const call = (c: Correlator, tool: string, sessionId: string, id: string, at: number, args = { namespace: 'crm', key: 'notes' }) => [
    ...c.observe({ kind: 'proposal', proposal: proposal({ proposalId: id, tool, sessionId, args, createdAtMs: at }) }),
    ...c.observe({ kind: 'result', result: result({ proposalId: id, tool, sessionId, completedAtMs: at + 1 }) }),
  ];

  it('given a tainted session wrote a memory entry, when another session reads it, then the reader is tainted with memory:<key> and an alert names both', () => {
    const c = new Correlator(t);
    c.observe({ kind: 'result', result: result({ sessionId: 'writer', untrustedSources: ['email:inbox'], completedAtMs: 10 }) });
    expect(call(c, 'remember', 'writer', 'w1', 20)).toEqual([]);
    const out = call(c, 'recall', 'reader', 'r1', 30);
    expect(out[0]).toEqual({ kind: 'taint', taint: {
      sessionId: 'reader', agentId: 'agent-1', userId: 'u', tenantId: 'acme', source: 'memory:crm/notes', via: ['email:inbox'], atMs: 31,
    } });
    expect(out[1]?.kind === 'alert' && out[1].alert).toMatchObject({ kind: ALERT_KINDS.memoryTaint, sessionIds: ['writer', 'reader'] });
    expect(call(c, 'recall', 'reader', 'r2', 40)).toEqual([]);
  });

  it('given the taint reached a reader, when the reader writes memory, then a third session reading that is tainted too', () => {
    const c = new Correlator(t);
    c.observe({ kind: 'result', result: result({ sessionId: 'a', untrustedSources: ['web:x'], completedAtMs: 1 }) });
    call(c, 'remember', 'a', 'w1', 2);
    call(c, 'recall', 'b', 'r1', 3);
    call(c, 'remember', 'b', 'w2', 4, { namespace: 'crm', key: 'summary' });
    const out = call(c, 'recall', 'c', 'r2', 5, { namespace: 'crm', key: 'summary' });
    expect(out[0]).toMatchObject({ kind: 'taint', taint: { sessionId: 'c', source: 'memory:crm/summary', via: ['memory:crm/notes'] } });
  });

  it('given a clean writer, a same-session read, a different key or a failed write, then nothing', () => {
    const c = new Correlator(t);
    expect(call(c, 'remember', 'clean', 'w1', 1)).toEqual([]);
    expect(call(c, 'recall', 'other', 'r1', 2)).toEqual([]);
    c.observe({ kind: 'result', result: result({ sessionId: 'dirty', untrustedSources: ['web:x'], completedAtMs: 3 }) });
    call(c, 'remember', 'dirty', 'w2', 4);
    expect(call(c, 'recall', 'dirty', 'r2', 5)).toEqual([]);
    expect(call(c, 'recall', 'other', 'r3', 6, { namespace: 'crm', key: 'else' })).toEqual([]);
    c.observe({ kind: 'proposal', proposal: proposal({ proposalId: 'w3', tool: 'remember', sessionId: 'dirty', args: { namespace: 'n', key: 'k' } }) });
    c.observe({ kind: 'result', result: result({ proposalId: 'w3', tool: 'remember', sessionId: 'dirty', outcome: 'error' }) });
    expect(call(c, 'recall', 'other', 'r4', 7, { namespace: 'n', key: 'k' })).toEqual([]);
  });

  it('memoryKey joins the declared key arguments and refuses a call that lacks one', () => {
    const spec = { op: 'read' as const, keyArgs: ['namespace', 'key'] };
    expect(memoryKey(spec, { namespace: 'crm', key: 7 })).toBe('crm/7');
    expect(memoryKey(spec, { namespace: 'crm' })).toBeUndefined();
  });
});
