// The pure core of the verdict processor: one proposal, the session's state, the active bundle and the time in;
// the Decision and the session's next state out. Fail closed: a passed deadline, no active bundle or an
// evaluate() that throws all give deny with a distinct error code. Only policy decisions feed the trajectory
// (a deadline or outage deny is not the agent's doing, so it must not count as a denied call).
import { EMPTY_FACTS, type Decision, type SessionFacts, type ToolCallProposal } from '../core/types.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { PolicyBundle, ToolMeta } from '../policy/model.ts';
import { decisionMade, evolve, factsFor, proposalReceived, type SessionState } from '../trajectory/index.ts';
import type { PolicyEngine } from './policy-port.ts';

export interface Decided {
  readonly decision: Decision;
  readonly tool: ToolMeta | undefined;
  readonly facts: SessionFacts;
  readonly nextState: SessionState;
}

export function denyFor(code: ErrorCode, reason: string, bundleRevision: string): Decision {
  return {
    effect: 'deny', ruleIds: [], reasons: [reason], modifications: [], shadow: [], bundleRevision, factsUsed: [], errorCode: code,
  };
}

/** What the cross-session aggregator knows about the proposal's agent (processors/aggregator/quarantine-feed.ts,
 *  processors/verdict/rate-feed.ts). */
export interface CrossSession {
  /** End of the quarantine covering the agent or its tenant, epoch ms; -1 when none. */
  readonly quarantineUntilMs: number;
  /** The agent's and its tenant's proposals per minute over all their sessions (session.rate.agent|tenant); 0 if unknown. */
  readonly agentRatePerMinute?: number;
  readonly tenantRatePerMinute?: number;
}

export function decide(
  engine: PolicyEngine, bundle: PolicyBundle | undefined, proposal: ToolCallProposal, before: SessionState, nowMs: number,
  cross?: CrossSession,
): Decided {
  // The agent's quarantine enters the session as a QuarantineSignal, so session.quarantined reads it and the
  // changelog records it (a lifted or expired one sets it back).
  const state = cross === undefined || cross.quarantineUntilMs === before.quarantineUntilMs ? before
    : evolve(before, { kind: 'quarantine', atMs: nowMs, active: cross.quarantineUntilMs >= 0, untilMs: cross.quarantineUntilMs });
  const revision = bundle?.revision ?? '';
  if (nowMs > proposal.deadlineMs) {
    const late = nowMs - proposal.deadlineMs;
    return { decision: denyFor('ARB_VERDICT_DEADLINE_PASSED', `${proposal.tool}: proposal ${proposal.proposalId} arrived ${late} ms after its deadline`, revision),
      tool: undefined, facts: EMPTY_FACTS, nextState: state };
  }
  if (bundle === undefined) {
    return { decision: denyFor('ARB_VERDICT_NO_POLICY', `${proposal.tool}: no policy bundle is active`, revision),
      tool: undefined, facts: EMPTY_FACTS, nextState: state };
  }
  const tool = bundle.tools.get(proposal.tool);
  const outsideIntent = engine.outsideIntent(bundle, proposal);
  const facts = factsFor(state, proposal, tool, nowMs, {
    agentRatePerMinute: cross?.agentRatePerMinute ?? 0, tenantRatePerMinute: cross?.tenantRatePerMinute ?? 0,
    ...(outsideIntent === undefined ? {} : { outsideIntent }),
  });
  let decision: Decision;
  try {
    decision = engine.evaluate(bundle, proposal, facts, nowMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { decision: denyFor('ARB_VERDICT_EVALUATE_FAILED', `${proposal.tool}: policy evaluation failed: ${message}`, revision),
      tool, facts, nextState: state };
  }
  const received = evolve(state, proposalReceived(proposal, tool, outsideIntent ?? false));
  const nextState = evolve(received, decisionMade(proposal, tool, decision.effect, decision.ruleIds, nowMs));
  return { decision, tool, facts, nextState };
}
