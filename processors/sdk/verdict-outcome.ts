// From the processor's Verdict to what the agent acts on, and from an approval's resolution to the final answer.
// Pure. Modify verdicts are applied here: the agent gets the modified arguments and never the originals.
import type { Args } from '../core/types.ts';
import { verdictModifiedArgs } from '../runtime/serde/records.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { grants, statusOf, type LedgerEntry } from '../approvals/ledger.ts';
import type { AgentVerdict, ToolCall } from './types.ts';

export function fromVerdict(call: ToolCall, v: Verdict, latencyMs: number): AgentVerdict {
  const modified = v.effect === 'modify' ? verdictModifiedArgs(v) : undefined;
  const args: Args = modified ?? call.args;
  return {
    proposalId: v.proposalId, tool: call.tool, effect: v.effect, proceed: v.effect === 'allow' || v.effect === 'modify', args,
    modificationApplied: modified !== undefined, modifications: v.modifications, ruleIds: v.ruleIds, reasons: v.reasons,
    errorCode: v.errorCode, source: 'processor', decisionId: v.decisionId, bundleRevision: v.bundleRevision, latencyMs,
    ...(v.effect === 'escalate'
      ? { approval: { approvalId: v.approvalId, status: 'pending' as const, resolvedBy: '', reason: '', expiresAtMs: 0 } }
      : {}),
  };
}

/** The escalated verdict once its approval is resolved (or still pending, with its expiry). */
export function withApproval(escalated: AgentVerdict, entry: LedgerEntry | undefined, latencyMs: number): AgentVerdict {
  const id = escalated.approval?.approvalId ?? '';
  if (entry === undefined || entry.resolution === undefined) {
    return { ...escalated, latencyMs, approval: { approvalId: id, status: 'pending', resolvedBy: '', reason: '', expiresAtMs: entry?.request.expiresAtMs ?? 0 } };
  }
  const r = entry.resolution;
  const granted = grants(entry);
  const said = `approval ${id} ${statusOf(entry)} by ${r.resolvedBy}${r.reason ? `: ${r.reason}` : ''}`;
  return {
    ...escalated, proceed: granted, latencyMs, reasons: [...escalated.reasons, said],
    approval: { approvalId: id, status: statusOf(entry), resolvedBy: r.resolvedBy, reason: r.reason, expiresAtMs: entry.request.expiresAtMs },
  };
}
