// Core domain types <-> generated wire types, for the records whose shapes differ (typed arguments).
// Records whose core and wire shapes are the same (DecisionRecord) are passed as they are.
import type { Args, ToolCallProposal, ToolCallResult } from '../../core/types.ts';
import type { ToolCallProposal as WireProposal } from '../../../schemas/generated/ToolCallProposal.ts';
import type { ToolCallResult as WireResult } from '../../../schemas/generated/ToolCallResult.ts';
import type { Verdict } from '../../../schemas/generated/Verdict.ts';
import { fromWireArgMap, fromWireArgs, toWireArgs } from './args.ts';

export function proposalToWire(p: ToolCallProposal): WireProposal {
  return { ...p, args: toWireArgs(p.tool, p.args) };
}

export function proposalFromWire(w: WireProposal): ToolCallProposal {
  return { ...w, args: fromWireArgs(w.args) };
}

export function resultToWire(r: ToolCallResult, durationMs = 0): WireResult {
  return { ...r, durationMs };
}

export function resultFromWire(w: WireResult): ToolCallResult {
  const { durationMs: _notInCore, ...core } = w;
  return core;
}

/** The modified arguments a verdict carries, as plain Args (undefined when the verdict does not modify). */
export function verdictModifiedArgs(v: Verdict): Args | undefined {
  return v.modifiedArgs === null ? undefined : fromWireArgMap(v.modifiedArgs);
}
