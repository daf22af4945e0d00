// replay(bundle, steps) → decisions: a pure, in-process driver that runs a recorded trajectory through the policy and
// the session fold, exactly as the verdict processor would per proposal: factsFor → evaluate → evolve(proposal,
// decision [, approval]) → evolve(result). Used by the AgentDojo evaluator and `arbiter replay`.
// This file is the one place in processors/trajectory that touches the policy engine; the fold itself (index.ts)
// does not, so the dependency stays one-way for everything the verdict processor imports.

import type { Decision, SessionFacts, ToolCallProposal, ToolCallResult } from '../core/types.ts';
import type { PolicyBundle } from '../policy/index.ts';
import { createPolicyEngine } from '../verdict/policy-engine.ts';
import { decisionMade, proposalReceived, resultReported } from './events.ts';
import { evolve } from './evolve.ts';
import { type FactsContext, factsFor } from './facts.ts';
import { EMPTY_STATE, type SessionState } from './state.ts';

/** The two policy calls replay needs; the verdict processor's PolicyEngine satisfies it. */
export interface ReplayEngine {
  evaluate(bundle: PolicyBundle, proposal: ToolCallProposal, facts: SessionFacts, nowMs: number): Decision;
  /** Whether the proposal's tool is outside its declared intent; undefined when no intent check applies. */
  outsideIntent(bundle: PolicyBundle, proposal: ToolCallProposal): boolean | undefined;
}

export interface ReplayStep {
  readonly proposal: ToolCallProposal;
  /** What the call returned had it run; applied only when the call was allowed (see ReplayOptions). */
  readonly result?: ToolCallResult;
  /** How an approver resolves this step if the policy escalates it. Default: rejected. */
  readonly approve?: boolean;
}

export interface ReplayOptions {
  /** Policy binding; default: processors/policy's evaluate and the bundle's intent table. */
  readonly engine?: ReplayEngine;
  /** State to start from; default: an empty session. */
  readonly from?: SessionState;
  /** Destinations named by the user's prompt or declared intent: trusted context, applied before the first step. */
  readonly trustedDestinations?: readonly string[];
  /** Named values (normalizeValue keys) the user's prompt put forward: trusted context, likewise. */
  readonly trustedValues?: readonly string[];
  /**
   * Apply the results of blocked calls too (denied, or escalated and rejected). Default false: a blocked call never
   * ran, so its output never reached the agent. Set it to score each recorded call as if the agent had gone on anyway.
   */
  readonly applyBlockedResults?: boolean;
  /** Cross-session inputs the aggregator would provide. */
  readonly facts?: Pick<FactsContext, 'agentRatePerMinute' | 'tenantRatePerMinute'>;
}

export interface ReplayedStep {
  readonly decision: Decision;
  /** The facts the decision was made on. */
  readonly facts: SessionFacts;
  /** The call would have run: allowed, modified, or escalated and approved. */
  readonly executed: boolean;
}

export interface ReplayOutcome {
  readonly steps: readonly ReplayedStep[];
  readonly state: SessionState;
}

let defaultEngine: ReplayEngine | undefined;
function engineOf(options: ReplayOptions): ReplayEngine {
  if (options.engine !== undefined) return options.engine;
  // Signature settings only matter for load(), which replay never calls: the bundle is already compiled.
  defaultEngine ??= createPolicyEngine({ requireSignature: false, trustedKeys: {} });
  return defaultEngine;
}

export function replay(bundle: PolicyBundle, steps: readonly ReplayStep[], options: ReplayOptions = {}): ReplayOutcome {
  const engine = engineOf(options);
  let state = options.from ?? EMPTY_STATE;
  const trusted = options.trustedDestinations ?? [];
  const trustedValues = options.trustedValues ?? [];
  if (trusted.length > 0 || trustedValues.length > 0) {
    const atMs = steps[0]?.proposal.createdAtMs ?? state.lastMs;
    state = evolve(state, { kind: 'trusted-input', atMs, destinations: trusted, values: trustedValues });
  }
  const out: ReplayedStep[] = [];
  for (const step of steps) {
    const p = step.proposal;
    const now = p.createdAtMs;
    const tool = bundle.tools.get(p.tool);
    const outsideIntent = engine.outsideIntent(bundle, p);
    const facts = factsFor(state, p, tool, now, { ...options.facts, ...(outsideIntent === undefined ? {} : { outsideIntent }) });
    const decision = engine.evaluate(bundle, p, facts, now);
    state = evolve(state, proposalReceived(p, tool, outsideIntent ?? false));
    state = evolve(state, decisionMade(p, tool, decision.effect, decision.ruleIds, now));
    let executed = decision.effect === 'allow' || decision.effect === 'modify';
    if (decision.effect === 'escalate') {
      const approved = step.approve === true;
      state = evolve(state, { kind: 'approval', atMs: now, proposalId: p.proposalId, approved });
      executed = approved;
    }
    if (step.result !== undefined && (executed || options.applyBlockedResults === true)) {
      state = evolve(state, resultReported(step.result, tool));
    }
    out.push({ decision, facts, executed });
  }
  return { steps: out, state };
}
