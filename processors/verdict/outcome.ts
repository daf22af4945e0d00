// From a Decision to what goes on the wire: the Verdict for the agent, the DecisionRecord for the audit trail
// (before chaining) and, for escalate, the ApprovalRequested event. Pure; ids are derived from the proposal id,
// so a reprocessed proposal gets the same decision id (sinks dedup on it).
import { hash } from 'node:crypto';
import { canonicalJson, type UnchainedDecision } from '../core/chain.ts';
import type { Decision, SessionFacts, ToolCallProposal } from '../core/types.ts';
import type { ToolMeta } from '../policy/model.ts';
import { SESSION_PATHS } from '../policy/paths.ts';
import type { EvalContext } from '../policy/model.ts';
import type { ApprovalRequested } from '../../schemas/generated/ApprovalRequested.ts';
import type { ReviewContext } from '../../schemas/generated/ReviewContext.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { toWireArgMap } from '../runtime/serde/args.ts';
import { minimiseArgs } from './minimise.ts';

function derivedId(prefix: string, proposalId: string): string {
  return `${prefix}-${hash('sha256', proposalId, 'hex').slice(0, 32)}`;
}

export const decisionIdFor = (proposalId: string): string => derivedId('d', proposalId);
export const approvalIdFor = (proposalId: string): string => derivedId('a', proposalId);

export function argsHash(proposal: ToolCallProposal): string {
  return `sha256:${hash('sha256', canonicalJson(proposal.args), 'hex')}`;
}

/** fact name -> value as text, for the facts the deciding rules read. Selector facts are rendered from their family. */
export function renderFacts(names: readonly string[], facts: SessionFacts): Record<string, string> {
  const out: Record<string, string> = {};
  const ctx = { facts } as unknown as EvalContext;
  for (const name of names) {
    const path = SESSION_PATHS[name];
    if (path !== undefined) {
      out[name] = JSON.stringify(path.get(ctx) ?? null);
      continue;
    }
    const family = /^session\.read\.(records|bytes)\{label=([^}]+)\}$/.exec(name);
    if (family) {
      const table = family[1] === 'records' ? facts.readRecords : facts.readBytes;
      out[name] = String(table[family[2] as string] ?? 0);
    } else {
      out[name] = '?';
    }
  }
  return out;
}

export function verdictFor(proposal: ToolCallProposal, decision: Decision, nowMs: number): Verdict {
  const escalate = decision.effect === 'escalate' && decision.approval !== undefined;
  return {
    proposalId: proposal.proposalId,
    decisionId: decisionIdFor(proposal.proposalId),
    sessionId: proposal.sessionId,
    effect: decision.effect,
    ruleIds: decision.ruleIds,
    reasons: decision.reasons,
    modifications: decision.modifications,
    modifiedArgs: decision.effect === 'modify' && decision.modifiedArgs ? toWireArgMap(decision.modifiedArgs) : null,
    approval: escalate && decision.approval ? decision.approval : null,
    approvalId: escalate ? approvalIdFor(proposal.proposalId) : '',
    bundleRevision: decision.bundleRevision,
    errorCode: decision.errorCode ?? '',
    decidedAtMs: nowMs,
  };
}

export function decisionRecordFor(
  proposal: ToolCallProposal, decision: Decision, tool: ToolMeta | undefined, facts: SessionFacts, nowMs: number,
): UnchainedDecision {
  const minimised = minimiseArgs(proposal.args, tool);
  return {
    decisionId: decisionIdFor(proposal.proposalId),
    proposalId: proposal.proposalId,
    sessionId: proposal.sessionId,
    agentId: proposal.agentId,
    userId: proposal.userId,
    tenantId: proposal.tenantId,
    agentRole: proposal.agentRole,
    environment: proposal.environment,
    tool: proposal.tool,
    intent: proposal.intent,
    effect: decision.effect,
    ruleIds: decision.ruleIds,
    reasons: decision.reasons,
    modifications: decision.modifications,
    shadow: decision.shadow,
    bundleRevision: decision.bundleRevision,
    argsMinimised: minimised.argsMinimised,
    dataLabels: minimised.dataLabels,
    destinations: minimised.destinations,
    factsUsed: renderFacts(decision.factsUsed, facts),
    approvalId: decision.effect === 'escalate' && decision.approval ? approvalIdFor(proposal.proposalId) : '',
    errorCode: decision.errorCode ?? '',
    decidedAtMs: nowMs,
    latencyUs: Math.max(0, Math.round((nowMs - proposal.createdAtMs) * 1000)),
  };
}

/** `review`: what the reviewer sees (processors/approvals/review-context.ts); null when the caller has none. */
export function approvalRequestFor(proposal: ToolCallProposal, decision: Decision, nowMs: number, review: ReviewContext | null = null): ApprovalRequested | undefined {
  const spec = decision.approval;
  if (decision.effect !== 'escalate' || spec === undefined) return undefined;
  return {
    approvalId: approvalIdFor(proposal.proposalId),
    proposalId: proposal.proposalId,
    sessionId: proposal.sessionId,
    agentId: proposal.agentId,
    tenantId: proposal.tenantId,
    tool: proposal.tool,
    argsHash: argsHash(proposal),
    approvers: spec.approvers,
    ruleId: spec.ruleId,
    onTimeout: spec.onTimeout,
    requestedAtMs: nowMs,
    expiresAtMs: nowMs + spec.timeoutMs,
    review,
  };
}
