import { describe, expect, it } from 'vitest';
import { ApprovalLedger, grants, refusalOf, type ApprovalRequested, type ApprovalResolved } from '../../../processors/approvals/ledger.ts';
import { answerFor, expiryFor } from '../../../processors/approvals/resolutions.ts';

const request = (over: Partial<ApprovalRequested> = {}): ApprovalRequested => ({
  approvalId: 'a-1', proposalId: 'p-1', sessionId: 's-1', agentId: 'agent', tenantId: 'acme', tool: 'issue_refund',
  argsHash: 'sha256:aaa', approvers: ['leads'], ruleId: 'refund-big', onTimeout: 'deny', requestedAtMs: 1000, expiresAtMs: 5000, review: null, ...over,
});
const req = (r: ApprovalRequested) => ({ 'arbiter.v1.ApprovalRequested': r });
const res = (r: ApprovalResolved) => ({ 'arbiter.v1.ApprovalResolved': r });

describe('approval ledger', () => {
  it('given a pending request, when a reviewer approves in time, then the entry is approved and grants the call', () => {
    const l = new ApprovalLedger();
    l.apply(req(request()), 3);
    const entry = l.get('a-1');
    expect(entry?.partition).toBe(3);
    expect(l.apply(res(answerFor(entry!, 'approved', 'lead', 'ok', 2000)))).toBeUndefined();
    expect(grants(l.get('a-1')!)).toBe(true);
    expect(l.pending()).toEqual([]);
  });

  it('is single use: the first resolution wins, a second is refused as already resolved', () => {
    const l = new ApprovalLedger();
    l.apply(req(request()));
    const e = l.get('a-1')!;
    l.apply(res(answerFor(e, 'rejected', 'lead', '', 2000)));
    expect(l.apply(res(answerFor(e, 'approved', 'other', '', 2100)))?.code).toBe('ARB_APPROVAL_ALREADY_RESOLVED');
    expect(l.get('a-1')?.resolution?.resolution).toBe('rejected');
    expect(grants(l.get('a-1')!)).toBe(false);
  });

  it('refuses a resolution for other arguments or another proposal (scope)', () => {
    const l = new ApprovalLedger();
    l.apply(req(request()));
    const e = l.get('a-1')!;
    const other = { ...answerFor(e, 'approved', 'lead', '', 2000), argsHash: 'sha256:bbb' };
    expect(l.apply(res(other))?.code).toBe('ARB_APPROVAL_SCOPE_MISMATCH');
    expect(l.apply(res({ ...answerFor(e, 'approved', 'lead', '', 2000), proposalId: 'p-2' }))?.code).toBe('ARB_APPROVAL_SCOPE_MISMATCH');
    expect(l.get('a-1')?.resolution).toBeUndefined();
  });

  it('refuses an answer given after expiry, and one after the on_timeout resolution, as expired', () => {
    const l = new ApprovalLedger();
    l.apply(req(request()));
    const e = l.get('a-1')!;
    expect(refusalOf(e, answerFor(e, 'approved', 'lead', '', 5001))?.code).toBe('ARB_APPROVAL_EXPIRED');
    expect(l.apply(res(expiryFor(e, 5000)))).toBeUndefined();
    expect(l.apply(res(answerFor(e, 'approved', 'lead', '', 4000)))?.code).toBe('ARB_APPROVAL_EXPIRED');
  });

  it('applies on_timeout: an expired request grants the call only when on_timeout is allow', () => {
    for (const onTimeout of ['allow', 'deny'] as const) {
      const l = new ApprovalLedger();
      l.apply(req(request({ onTimeout })));
      expect(l.due(4999)).toHaveLength(0);
      expect(l.due(5000)).toHaveLength(1);
      l.apply(res(expiryFor(l.get('a-1')!, 5200)));
      expect(grants(l.get('a-1')!)).toBe(onTimeout === 'allow');
      expect(l.get('a-1')?.resolution?.resolvedBy).toBe('arbiter:on_timeout');
    }
  });

  it('refuses an expiry written before the expiry time, and a resolution of an unknown approval', () => {
    const l = new ApprovalLedger();
    l.apply(req(request()));
    expect(l.apply(res({ ...expiryFor(l.get('a-1')!, 0), resolvedAtMs: 4000 }))?.code).toBe('ARB_APPROVAL_NOT_EXPIRED');
    expect(l.apply(res({ ...answerFor(l.get('a-1')!, 'approved', 'x', '', 2000), approvalId: 'a-9' }))?.code).toBe('ARB_APPROVAL_UNKNOWN');
    expect(l.refused.map((r) => r.refusal.code)).toEqual(['ARB_APPROVAL_NOT_EXPIRED', 'ARB_APPROVAL_UNKNOWN']);
  });

  it('keeps a duplicate request as first written, and drops oldest resolved entries beyond capacity', () => {
    const l = new ApprovalLedger(2);
    l.apply(req(request()));
    l.apply(req(request({ tool: 'changed' })));
    expect(l.get('a-1')?.request.tool).toBe('issue_refund');
    l.apply(res(answerFor(l.get('a-1')!, 'approved', 'x', '', 2000)));
    l.apply(req(request({ approvalId: 'a-2' })));
    l.apply(req(request({ approvalId: 'a-3' })));
    expect(l.size).toBe(2);
    expect(l.get('a-1')).toBeUndefined();
    expect(l.pending().map((e) => e.request.approvalId)).toEqual(['a-2', 'a-3']);
  });
});
