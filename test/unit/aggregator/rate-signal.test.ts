// Rate signals: emitted by the correlator per agent and tenant across sessions, read back into a RateTable.
import { describe, expect, it } from 'vitest';
import { Correlator, type RateSignal } from '../../../processors/aggregator/correlate.ts';
import { RATE_VALID_MS, RateTable, decodeRateSignal, encodeRateSignal } from '../../../processors/aggregator/rate-signal.ts';
import { DEFAULT_THRESHOLDS } from '../../../processors/aggregator/thresholds.ts';
import type { ToolCallProposal } from '../../../processors/core/types.ts';

const proposal = (sessionId: string, agentId: string, createdAtMs: number): ToolCallProposal => ({
  proposalId: `${sessionId}-${createdAtMs}`, sessionId, agentId, userId: 'u', tenantId: 'acme', agentRole: 'r', environment: 'prod', tool: 'http_get',
  args: {}, intent: '', replyTopic: 'v', replyPartition: 0, deadlineMs: 0, createdAtMs,
});
const rates = (c: Correlator, p: ToolCallProposal): RateSignal[] =>
  c.observe({ kind: 'proposal', proposal: p }).flatMap((e) => (e.kind === 'rate' ? [e.rate] : []));

describe('rate signals', () => {
  it('given an agent spread over sessions, then its rate counts every session, at most one signal per rateSignalMs each for agent and tenant', () => {
    const c = new Correlator({ ...DEFAULT_THRESHOLDS, agentCallsPerMinute: 0, rateSignalMs: 1_000 });
    expect(rates(c, proposal('s1', 'bot', 10_000))).toEqual([
      { scope: 'tenant', id: 'acme', tenantId: 'acme', perMinute: 1, atMs: 10_000 },
      { scope: 'agent', id: 'bot', tenantId: 'acme', perMinute: 1, atMs: 10_000 },
    ]);
    for (let i = 2; i <= 5; i++) expect(rates(c, proposal(`s${i}`, 'bot', 10_000 + i * 100))).toEqual([]);
    expect(rates(c, proposal('s6', 'other', 10_600))).toEqual([{ scope: 'agent', id: 'other', tenantId: 'acme', perMinute: 1, atMs: 10_600 }]);
    expect(rates(c, proposal('s7', 'bot', 11_000))).toEqual([
      { scope: 'tenant', id: 'acme', tenantId: 'acme', perMinute: 7, atMs: 11_000 },
      { scope: 'agent', id: 'bot', tenantId: 'acme', perMinute: 6, atMs: 11_000 },
    ]);
  });

  it('rateSignalMs 0 sends none', () => {
    const c = new Correlator({ ...DEFAULT_THRESHOLDS, rateSignalMs: 0 });
    expect(rates(c, proposal('s1', 'bot', 1))).toEqual([]);
  });
});

describe('RateTable', () => {
  it('holds the latest signal per subject for one minute after its event time', () => {
    const t = new RateTable();
    t.apply({ scope: 'agent', id: 'bot', tenantId: 'acme', perMinute: 40, atMs: 1_000 });
    t.apply({ scope: 'agent', id: 'bot', tenantId: 'acme', perMinute: 10, atMs: 500 }); // older: ignored
    t.apply({ scope: 'tenant', id: 'acme', tenantId: 'acme', perMinute: 90, atMs: 2_000 });
    expect(t.ratesFor('bot', 'acme', 3_000)).toEqual({ agentRatePerMinute: 40, tenantRatePerMinute: 90 });
    expect(t.ratesFor('bot', 'acme', 1_000 + RATE_VALID_MS)).toEqual({ agentRatePerMinute: 0, tenantRatePerMinute: 90 });
    expect(t.ratesFor('nobody', 'else', 3_000)).toEqual({ agentRatePerMinute: 0, tenantRatePerMinute: 0 });
  });

  it('round-trips the wire form and refuses a malformed one with ARB_RATE_SIGNAL_INVALID', () => {
    const s: RateSignal = { scope: 'tenant', id: 'acme', tenantId: 'acme', perMinute: 12, atMs: 5 };
    expect(decodeRateSignal(encodeRateSignal(s))).toEqual(s);
    for (const bad of ['{', '{"v":2}', '{"v":1,"scope":"user","id":"x","tenantId":"t","perMinute":1,"atMs":1}',
      '{"v":1,"scope":"agent","id":"x","tenantId":"t","perMinute":-1,"atMs":1}']) {
      expect(() => decodeRateSignal(Buffer.from(bad))).toThrow(expect.objectContaining({ code: 'ARB_RATE_SIGNAL_INVALID' }));
    }
  });
});
