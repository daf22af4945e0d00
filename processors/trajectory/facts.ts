// factsFor(state, proposal, tool, now) → SessionFacts: what the policy may read about the session when it decides
// on `proposal`. It reads the state BEFORE the proposal is folded in: counts are of earlier events, and the fields
// documented as "this one included" add the proposal itself.

import { VERB_PRIVILEGE, type DestinationOrigin, type SessionFacts, type ToolCallProposal, type ValueOrigin } from '../core/types.ts';
import { deniedSimilarity, findDestination, findValue, isRetryAfterDeny, isTaintedAt, loopCounts } from './detect.ts';
import { fingerprintCall } from './fingerprint.ts';
import { destinationKey, valueKey } from './hash.ts';
import { RATE_BUCKET_MS, RATE_BUCKETS } from './limits.ts';
import { type SessionState, VALUE_UNTRUSTED, VALUE_USER } from './state.ts';
import { FORGOTTEN_DESTINATION, FORGOTTEN_VALUE, wasForgotten } from './forgotten.ts';
import type { ToolInfo } from './tool-info.ts';
import { callsInWindow, dayIndex, monthIndex } from './windows.ts';

/** Inputs the session state cannot know: cross-session rates (from the aggregator) and the intent check (policy). */
export interface FactsContext {
  readonly agentRatePerMinute?: number;
  readonly tenantRatePerMinute?: number;
  /** The proposal's tool is outside its declared intent; leave undefined when no intent check applies. */
  readonly outsideIntent?: boolean;
}

const WINDOW_TO_MINUTE = 60_000 / (RATE_BUCKETS * RATE_BUCKET_MS);

/** label -> reads[2i + which] (which: 0 records, 1 bytes). */
function perLabel(labels: readonly string[], reads: readonly number[], which: 0 | 1): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < labels.length; i++) out[labels[i] as string] = reads[2 * i + which] as number;
  return out;
}

export function factsFor(
  state: SessionState, proposal: ToolCallProposal, tool: ToolInfo | undefined, nowMs: number, ctx: FactsContext = {},
): SessionFacts {
  const fp = fingerprintCall(proposal);
  const loops = loopCounts(state.calls, fp, nowMs);
  const privilege = tool === undefined ? -1 : VERB_PRIVILEGE[tool.verb];
  const destinations = state.destinations;
  const destinationOrigin = (d: string): DestinationOrigin => {
    const key = destinationKey(d);
    const i = findDestination(destinations, key);
    if (i < 0) return wasForgotten(state.forgotten, key, FORGOTTEN_DESTINATION) ? 'untrusted' : 'unseen';
    return ((destinations[i] as number) & 1) === 1 ? 'untrusted' : 'trusted';
  };
  const values = state.values;
  const valueOrigin = (v: string): ValueOrigin => {
    const key = valueKey(v);
    const i = findValue(values, key);
    if (i < 0) return wasForgotten(state.forgotten, key, FORGOTTEN_VALUE) ? 'untrusted' : 'unseen';
    const bits = (values[i] as number) & 3;
    return bits === VALUE_UNTRUSTED ? 'untrusted' : bits === VALUE_USER ? 'user' : 'trusted';
  };
  const facts: SessionFacts = {
    tainted: isTaintedAt(state, nowMs),
    taintSources: state.taintSources,
    stepCount: state.steps,
    readRecords: perLabel(state.labels, state.reads, 0),
    readBytes: perLabel(state.labels, state.reads, 1),
    deniedCalls: state.deniedCalls,
    deniedRetries: state.deniedRetries,
    isRetryAfterDeny: isRetryAfterDeny(state.denied, fp),
    retrySimilarity: deniedSimilarity(state.denied, fp),
    identicalCallsInWindow: loops.identical + 1,
    similarCallsInWindow: loops.similar + 1,
    ratePerMinute: {
      session: callsInWindow(state, nowMs) * WINDOW_TO_MINUTE,
      agent: ctx.agentRatePerMinute ?? 0,
      tenant: ctx.tenantRatePerMinute ?? 0,
    },
    spent: {
      day: dayIndex(nowMs) === state.spendDay ? state.spentDay : 0,
      month: monthIndex(nowMs) === state.spendMonth ? state.spentMonth : 0,
    },
    privilegeEscalation: state.maxPrivilege >= 0 && privilege > state.maxPrivilege,
    quarantined: state.quarantineUntilMs === 0 || nowMs < state.quarantineUntilMs,
    destinationOrigin,
    valueOrigin,
    outsideIntentCalls: state.outsideIntentCalls,
  };
  return ctx.outsideIntent === undefined ? facts : { ...facts, outsideIntent: ctx.outsideIntent };
}
