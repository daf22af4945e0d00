// The ToolCallResult the SDK reports for an executed (or skipped) call. Destinations seen are extracted from the
// output text here, so the agent never lists them by hand and the text itself never leaves the agent. Pure.
import { extractDestinations } from '../core/destinations.ts';
import type { ToolCallResult } from '../core/types.ts';
import type { AgentVerdict, ReportedResult, SessionIdentity } from './types.ts';

export function resultOf(session: SessionIdentity, verdict: AgentVerdict, reported: ReportedResult, nowMs: number): ToolCallResult {
  return {
    proposalId: verdict.proposalId, sessionId: session.sessionId, agentId: session.agentId, userId: session.userId,
    tenantId: session.tenantId, tool: verdict.tool, outcome: reported.outcome,
    recordsRead: { ...reported.recordsRead }, bytesRead: { ...reported.bytesRead },
    untrustedSources: [...(reported.untrustedSources ?? [])],
    destinationsSeen: reported.outputText ? extractDestinations(reported.outputText) : [],
    modificationApplied: verdict.modificationApplied && reported.outcome !== 'skipped',
    cost: reported.cost ?? 0, completedAtMs: nowMs,
  };
}
