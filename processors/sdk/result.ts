// The ToolCallResult the SDK reports for an executed (or skipped) call. Destinations and named values seen are
// extracted from the output text here (plus any the agent lists), so the text itself never leaves the agent. Pure.
import { extractDestinations } from '../core/destinations.ts';
import { extractNamedValues, normalizeValue } from '../core/named-values.ts';
import type { ToolCallResult } from '../core/types.ts';
import type { AgentVerdict, ReportedResult, SessionIdentity } from './types.ts';

export function resultOf(session: SessionIdentity, verdict: AgentVerdict, reported: ReportedResult, nowMs: number): ToolCallResult {
  return {
    proposalId: verdict.proposalId, sessionId: session.sessionId, agentId: session.agentId, userId: session.userId,
    tenantId: session.tenantId, tool: verdict.tool, outcome: reported.outcome,
    recordsRead: { ...reported.recordsRead }, bytesRead: { ...reported.bytesRead },
    untrustedSources: [...(reported.untrustedSources ?? [])],
    destinationsSeen: destinationsIn(reported.outputText, reported.destinationsSeen),
    valuesSeen: valuesIn(reported.outputText, reported.valuesSeen),
    modificationApplied: verdict.modificationApplied && reported.outcome !== 'skipped',
    cost: reported.cost ?? 0, completedAtMs: nowMs,
  };
}

/** Distinct destinations: those listed, then those extracted from `text`. */
export function destinationsIn(text: string | undefined, listed: readonly string[] | undefined): string[] {
  return [...new Set([...(listed ?? []), ...(text ? extractDestinations(text) : [])])];
}

/** Distinct normalized values: those listed, then those extracted from `text`; empty ones dropped. */
export function valuesIn(text: string | undefined, listed: readonly string[] | undefined): string[] {
  const own = (listed ?? []).map(normalizeValue).filter((v) => v !== '');
  return [...new Set([...own, ...(text ? extractNamedValues(text) : [])])];
}
