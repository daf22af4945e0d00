// The correlator's changelog: what a restarted aggregator reads back must make it behave exactly as if it had never
// stopped (same alerts, taints and rate signals, ids included), and only changed entries are written.
import { describe, expect, it } from 'vitest';
import { Correlator, type Emission } from '../../../processors/aggregator/correlate.ts';
import { CorrelatorState } from '../../../processors/aggregator/state.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../../processors/aggregator/thresholds.ts';
import { BucketWindow } from '../../../processors/aggregator/window.ts';
import type { ToolCallProposal, ToolCallResult } from '../../../processors/core/types.ts';

const ALL_ON: Thresholds = {
  ...DEFAULT_THRESHOLDS, agentCallsPerMinute: 8, tenantRecordsPerHour: 300, sourceSessions: 3, sourceWindowMs: 120_000,
  memoryTools: { remember: { op: 'write', keyArgs: ['key'] }, recall: { op: 'read', keyArgs: ['key'] } },
  memoryTtlMs: 600_000, quarantineOn: ['agent-rate', 'tenant-export'], quarantineMs: 90_000, cooldownMs: 30_000, rateSignalMs: 5_000,
};

type Event = { kind: 'proposal'; proposal: ToolCallProposal } | { kind: 'result'; result: ToolCallResult };

/** A deterministic mix over 3 tenants, 6 agents, 12 sessions and 5 minutes, every detector reachable. */
function events(n: number): Event[] {
  let x = 7;
  const rnd = (m: number) => Math.floor(((x = (x * 48_271) % 2_147_483_647) / 2_147_483_647) * m); // Park–Miller, high bits
  const out: Event[] = [];
  for (let i = 0; i < n; i++) {
    const s = rnd(12);
    const at = 1_000_000 + i * 300;
    const tool = ['http_get', 'remember', 'recall', 'crm_lookup'][rnd(4)] as string;
    const base = { proposalId: `p${i}`, sessionId: `s${s}`, agentId: `a${s % 6}`, userId: 'u', tenantId: `t${s % 3}`, tool };
    out.push({ kind: 'proposal', proposal: { ...base, agentRole: 'r', environment: 'prod', args: { key: `k${rnd(3)}` }, intent: '', replyTopic: 'v',
      replyPartition: 0, deadlineMs: 0, createdAtMs: at } });
    if (rnd(5) === 0) continue; // some results never come (pending memory calls stay pending)
    out.push({ kind: 'result', result: { ...base, outcome: 'success', recordsRead: tool === 'crm_lookup' ? { pii: rnd(20) } : {}, bytesRead: {},
      untrustedSources: tool === 'http_get' && rnd(3) === 0 ? [`web:${rnd(2)}`] : [], destinationsSeen: [], modificationApplied: false, cost: 0,
      completedAtMs: at + 100 } });
  }
  return out;
}

const fold = (c: Correlator, es: readonly Event[]): Emission[] => es.flatMap((e) => c.observe(e));

describe('aggregator changelog', () => {
  it('given the changelog written at every commit, a correlator restored from it at any cut continues exactly like the original', () => {
    const all = events(2_000);
    const expected = fold(new Correlator(ALL_ON), all);
    expect(expected.some((e) => e.kind === 'alert')).toBe(true);
    expect(expected.some((e) => e.kind === 'taint')).toBe(true);
    expect(expected.some((e) => e.kind === 'rate')).toBe(true);
    for (const cut of [1, 137, 999, 1_500, 2_400]) {
      const original = new Correlator(ALL_ON, { trackChanges: true });
      const log = new Map<string, string | null>(); // the compacted changelog: latest value per key, in the order last written
      const before: Emission[] = [];
      for (let i = 0; i < cut; i++) {
        before.push(...original.observe(all[i] as Event));
        if (i % 50 === 49 || i === cut - 1) for (const c of original.state.changes()) log.delete(c.key), log.set(c.key, c.value);
      }
      const restored = new Correlator(ALL_ON, { trackChanges: true });
      for (const [key, value] of log) restored.state.restore(key, value);
      restored.state.restoreDone();
      expect([...before, ...fold(restored, all.slice(cut))]).toEqual(expected);
    }
  });

  it('given an entry created and removed between two commits (a memory call and its result), then nothing is written for it', () => {
    const c = new Correlator({ ...ALL_ON, agentCallsPerMinute: 0, rateSignalMs: 0 }, { trackChanges: true });
    const [p, r] = events(1).concat(events(2).slice(1)) as [Event, Event];
    c.observe({ ...p, proposal: { ...(p as { proposal: ToolCallProposal }).proposal, tool: 'recall' } } as Event);
    c.observe({ kind: 'result', result: { ...(r as { result: ToolCallResult }).result, proposalId: 'p0', tool: 'recall' } });
    expect(c.state.changes().filter((e) => e.key.startsWith('P:'))).toEqual([]);
  });

  it('given a pending call committed before its result, then the result writes the tombstone of its generation', () => {
    const c = new Correlator({ ...ALL_ON, agentCallsPerMinute: 0, rateSignalMs: 0 }, { trackChanges: true });
    const [p] = events(1) as [Event];
    c.observe({ kind: 'proposal', proposal: { ...(p as { proposal: ToolCallProposal }).proposal, tool: 'recall' } });
    expect(c.state.changes().map((e) => e.key)).toContain('P:0.0');
    c.observe({ kind: 'result', result: { proposalId: 'p0', sessionId: 's', agentId: 'a', userId: 'u', tenantId: 't', tool: 'recall', outcome: 'error',
      recordsRead: {}, untrustedSources: [], completedAtMs: 1_000_001 } as unknown as ToolCallResult });
    expect(c.state.changes()).toContainEqual({ key: 'P:0.0', value: null });
  });

  it('without change tracking nothing is listed', () => {
    const c = new Correlator(ALL_ON);
    fold(c, events(100));
    expect(c.state.changes()).toEqual([]);
  });

  it('refuses a malformed entry with ARB_AGG_STATE_INVALID naming the key', () => {
    const s = new CorrelatorState(false);
    expect(() => s.restore('a:x', '{"w":{"head":1,"counts":["z"]},"q":0,"s":-1}')).toThrow(expect.objectContaining({ code: 'ARB_AGG_STATE_INVALID' }));
    expect(() => s.restore('a:x', 'not json')).toThrow(/a:x/);
    expect(() => s.restore('n:', '{"v":99,"now":1,"sweep":1}')).toThrow(/format 99/);
    expect(() => s.restore('?:x', '{}')).toThrow(/unknown category/);
  });
});

describe('BucketWindow snapshot', () => {
  it('round-trips: the restored window sums and slides like the original', () => {
    const w = new BucketWindow(60_000, 12);
    for (const [at, n] of [[1_000, 1], [9_000, 2], [31_000, 3], [58_000, 4]] as const) w.add(at, n);
    const r = BucketWindow.fromSnapshot(60_000, 12, JSON.parse(JSON.stringify(w.snapshot())));
    for (const at of [58_000, 61_000, 70_000, 95_000, 119_000, 200_000]) expect(r.sum(at)).toBe(w.sum(at));
    expect(BucketWindow.fromSnapshot(60_000, 12, new BucketWindow(60_000, 12).snapshot()).sum(5)).toBe(0);
  });
});

describe('pending memory calls in the changelog', () => {
  const t: Thresholds = { ...ALL_ON, agentCallsPerMinute: 0, rateSignalMs: 0 };
  const propose = (c: Correlator, id: string) => c.observe({ kind: 'proposal', proposal: {
    proposalId: id, sessionId: 's', agentId: 'a', userId: 'u', tenantId: 't', agentRole: 'r', environment: 'prod', tool: 'recall', args: { key: 'k' },
    intent: '', replyTopic: 'v', replyPartition: 0, deadlineMs: 0, createdAtMs: 1_000 } });
  const settle = (c: Correlator, id: string) => c.observe({ kind: 'result', result: {
    proposalId: id, sessionId: 's', agentId: 'a', userId: 'u', tenantId: 't', tool: 'recall', outcome: 'success', recordsRead: {},
    untrustedSources: [], completedAtMs: 1_001 } });

  it('given the calls still waiting at a commit, then they go out as one record, tombstoned once the last of them is settled', () => {
    const c = new Correlator(t, { trackChanges: true });
    propose(c, 'x');
    propose(c, 'y');
    const first = c.state.changes().filter((e) => e.key.startsWith('P:'));
    expect(first).toHaveLength(1);
    expect(JSON.parse(first[0]?.value ?? 'null')).toEqual([['x', 'read', 'k', 1_000], ['y', 'read', 'k', 1_000]]);
    settle(c, 'x');
    expect(c.state.changes().filter((e) => e.key.startsWith('P:'))).toEqual([]);
    settle(c, 'y');
    expect(c.state.changes()).toContainEqual({ key: 'P:0.0', value: null });
  });

  it('given a restore of an open generation, the calls in it wait again; a tombstoned one leaves none', () => {
    const restored = (log: [string, string | null][]) => {
      const s = new CorrelatorState(true);
      for (const [k, v] of log) s.restore(k, v);
      s.restoreDone();
      return s;
    };
    const rows = JSON.stringify([['x', 'read', 'k', 1_000], ['y', 'write', 'k', 1_000]]);
    const open = restored([['P:3.0', rows]]);
    expect(open.pendingCount).toBe(2);
    expect(open.takePending('x')).toEqual({ op: 'read', key: 'k', atMs: 1_000, gen: 3 });
    open.takePending('y');
    expect(open.changes()).toContainEqual({ key: 'P:3.0', value: null });
    expect(restored([['P:3.0', rows], ['P:3.0', null]]).pendingCount).toBe(0);
  });
});
