// The ApprovalResolved events Arbiter writes: a reviewer's answer and the on_timeout outcome at expiry. Both copy the
// request's scope (proposal id, arguments hash) so the ledger can check it. Pure.
import type { ApprovalEvent } from '../../schemas/generated/ApprovalEvent.ts';
import type { ApprovalResolved, LedgerEntry } from './ledger.ts';

export type ReviewerAnswer = 'approved' | 'rejected';

export function answerFor(entry: LedgerEntry, answer: ReviewerAnswer, by: string, reason: string, nowMs: number): ApprovalResolved {
  const r = entry.request;
  return { approvalId: r.approvalId, proposalId: r.proposalId, sessionId: r.sessionId, argsHash: r.argsHash,
    resolution: answer, resolvedBy: by, reason, resolvedAtMs: nowMs, onTimeout: r.onTimeout };
}

/** The resolution the approvals service writes when nobody answered in time: on_timeout decides. */
export function expiryFor(entry: LedgerEntry, nowMs: number): ApprovalResolved {
  const r = entry.request;
  return { approvalId: r.approvalId, proposalId: r.proposalId, sessionId: r.sessionId, argsHash: r.argsHash,
    resolution: 'expired', resolvedBy: 'arbiter:on_timeout',
    reason: `no answer by ${new Date(r.expiresAtMs).toISOString()}; on_timeout: ${r.onTimeout}`, resolvedAtMs: Math.max(nowMs, r.expiresAtMs),
    onTimeout: r.onTimeout };
}

export const resolvedEvent = (r: ApprovalResolved): ApprovalEvent => ({ event: { 'arbiter.v1.ApprovalResolved': r } });
