// What the agent gets when no verdict arrives in time (or the proposal could not be sent): deny, the fail-closed
// default. Tools configured as low-risk reads may run anyway (fail open for them only). Pure.
import type { ErrorCode } from '../core/errors.ts';
import type { AgentVerdict, ToolCall } from './types.ts';

export function noVerdict(
  proposalId: string, call: ToolCall, waitedMs: number, lowRiskReads: ReadonlySet<string>,
  code: Extract<ErrorCode, 'ARB_SDK_NO_VERDICT' | 'ARB_SDK_SEND_FAILED'>, detail = '',
): AgentVerdict {
  const open = lowRiskReads.has(call.tool);
  const why = code === 'ARB_SDK_NO_VERDICT' ? `no verdict in ${waitedMs} ms` : `proposal not sent (${detail}) within ${waitedMs} ms`;
  return {
    proposalId, tool: call.tool, effect: open ? 'allow' : 'deny', proceed: open, args: call.args, modificationApplied: false,
    modifications: [], ruleIds: [],
    reasons: [open ? `${why}; ${call.tool} allowed as a configured low-risk read (fail open)` : `${why}; ${call.tool} denied (fail closed)`],
    errorCode: code, source: 'no-verdict', decisionId: '', bundleRevision: '', latencyMs: waitedMs,
  };
}
