// The events a session's trajectory is folded from. Each carries its own time (atMs); the constructors take it
// from the record that caused the event so the fold never reads a clock.

import type { Effect, ToolCallProposal, ToolCallResult } from '../core/types.ts';
import type { EventOrder } from './sequence.ts';
import type { ToolInfo } from './tool-info.ts';

/** An agent proposed a tool call. */
export interface ProposalReceived {
  readonly kind: 'proposal';
  readonly atMs: number;
  readonly proposal: ToolCallProposal;
  /** Tool metadata from the active bundle; undefined for a tool the bundle does not declare. */
  readonly tool: ToolInfo | undefined;
  /** The tool is not in the declared intent's tool set (decided by the policy, which owns intents). */
  readonly outsideIntent: boolean;
}

/** A decision was made for a proposal. */
export interface DecisionMade {
  readonly kind: 'decision';
  readonly atMs: number;
  readonly proposal: ToolCallProposal;
  readonly tool: ToolInfo | undefined;
  readonly effect: Effect;
  readonly ruleIds: readonly string[];
}

/** An executed call reported its result. */
export interface ResultReported {
  readonly kind: 'result';
  readonly atMs: number;
  readonly result: ToolCallResult;
  readonly tool: ToolInfo | undefined;
  /** The SDK's stream and sequence of the result; undefined when unsequenced (folded every time it arrives). */
  readonly order?: EventOrder | undefined;
}

/** A human resolved an escalated proposal (approve, reject, or timeout resolved either way). */
export interface ApprovalResolved {
  readonly kind: 'approval';
  readonly atMs: number;
  readonly proposalId: string;
  readonly approved: boolean;
}

/** The cross-session aggregator put the session in (or out of) quarantine. */
export interface QuarantineSignal {
  readonly kind: 'quarantine';
  readonly atMs: number;
  readonly active: boolean;
  /** End of the quarantine, epoch ms; 0 = until lifted by another signal. */
  readonly untilMs: number;
}

/** Trusted context entered the session: the user's prompt or the declared intent named these destinations and values. */
export interface TrustedInput {
  readonly kind: 'trusted-input';
  readonly atMs: number;
  readonly destinations: readonly string[];
  /** Named values (normalizeValue keys) the trusted context put forward; absent: none. */
  readonly values?: readonly string[];
}

export type SessionEvent = ProposalReceived | DecisionMade | ResultReported | ApprovalResolved | QuarantineSignal | TrustedInput;

export function proposalReceived(proposal: ToolCallProposal, tool: ToolInfo | undefined, outsideIntent = false): ProposalReceived {
  return { kind: 'proposal', atMs: proposal.createdAtMs, proposal, tool, outsideIntent };
}

export function decisionMade(
  proposal: ToolCallProposal, tool: ToolInfo | undefined, effect: Effect, ruleIds: readonly string[], atMs: number,
): DecisionMade {
  return { kind: 'decision', atMs, proposal, tool, effect, ruleIds };
}

/** `order` with seq < 1 (an unsequenced result on the wire) counts as none. */
export function resultReported(result: ToolCallResult, tool: ToolInfo | undefined, order?: EventOrder): ResultReported {
  return { kind: 'result', atMs: result.completedAtMs, result, tool, order: order !== undefined && order.seq >= 1 ? order : undefined };
}

export function trustedInput(destinations: readonly string[], atMs: number, values?: readonly string[]): TrustedInput {
  return values === undefined || values.length === 0 ? { kind: 'trusted-input', atMs, destinations } : { kind: 'trusted-input', atMs, destinations, values };
}

/** Events in the order they happened (stable: equal times keep their order), for events gathered from several lists. */
export function inTimeOrder(events: readonly SessionEvent[]): SessionEvent[] {
  return events.length < 2 ? [...events] : [...events].sort((a, b) => a.atMs - b.atMs);
}
