// Core domain types <-> generated wire types, for the records whose shapes differ (typed arguments).
// Records whose core and wire shapes are the same (DecisionRecord) are passed as they are.
import type { Args, ToolCallProposal, ToolCallResult } from '../../core/types.ts';
import type { ToolCallProposal as WireProposal } from '../../../schemas/generated/ToolCallProposal.ts';
import type { ToolCallResult as WireResult } from '../../../schemas/generated/ToolCallResult.ts';
import type { TrustedContext } from '../../../schemas/generated/TrustedContext.ts';
import type { Verdict } from '../../../schemas/generated/Verdict.ts';
import { fromWireArgMap, fromWireArgs, toWireArgs } from './args.ts';

/** What a proposal carries besides the call (ToolCallProposal v2–v4): see schemas/ToolCallProposal.avsc. */
export interface ProposalAttachments {
  /** Unacknowledged results, each exactly as produced to the results topic (Confluent wire format). */
  readonly pendingResults: readonly Buffer[];
  readonly trustedContext: readonly TrustedContext[];
  /** Unacknowledged approval resolutions, each exactly as read from the approvals topic (Confluent wire format). */
  readonly pendingResolutions: readonly Buffer[];
}

export const NO_ATTACHMENTS: ProposalAttachments = Object.freeze({ pendingResults: [], trustedContext: [], pendingResolutions: [] });

export function proposalToWire(p: ToolCallProposal, attached: ProposalAttachments = NO_ATTACHMENTS): WireProposal {
  return {
    ...p, args: toWireArgs(p.tool, p.args),
    pendingResults: attached.pendingResults, trustedContext: attached.trustedContext, pendingResolutions: attached.pendingResolutions,
  };
}

/** The core proposal, without its attachments (read those from the wire value). */
export function proposalFromWire(w: WireProposal): ToolCallProposal {
  const { pendingResults: _results, trustedContext: _trusted, pendingResolutions: _resolutions, ...core } = w;
  return { ...core, args: fromWireArgs(w.args) };
}

/** A result's position in its SDK stream (ToolCallResult v3), for exactly-once folding. */
export interface ResultOrder {
  readonly stream: string;
  readonly seq: number;
}

export function resultToWire(r: ToolCallResult, durationMs = 0, order?: ResultOrder): WireResult {
  return { ...r, valuesSeen: r.valuesSeen ?? [], durationMs, stream: order?.stream ?? '', seq: order?.seq ?? 0 };
}

export function resultFromWire(w: WireResult): ToolCallResult {
  const { durationMs: _notInCore, stream: _stream, seq: _seq, ...core } = w;
  return core;
}

/** The result's order, or undefined when it is unsequenced (seq 0). */
export function resultOrderOf(w: WireResult): ResultOrder | undefined {
  return w.seq >= 1 ? { stream: w.stream, seq: w.seq } : undefined;
}

/** The modified arguments a verdict carries, as plain Args (undefined when the verdict does not modify). */
export function verdictModifiedArgs(v: Verdict): Args | undefined {
  return v.modifiedArgs === null ? undefined : fromWireArgMap(v.modifiedArgs);
}
