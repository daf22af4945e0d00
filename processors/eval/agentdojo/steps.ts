// A dataset trajectory → the proposals and results the engine would have seen, call by call.
// What enters the agent's context is modelled from the data alone:
//  - the user's prompt is trusted context: destinations named in it are trusted;
//  - a call whose output carried the attack has the injected text in its output: destinations named there are seen
//    in that output (the tool's own untrusted_output metadata decides taint, as in production);
//  - other outputs are not in the data (only their lengths). Two models of them:
//      'injected'     they add no destinations (optimistic for benign runs: a destination the agent took from an
//                     unseen output is "unseen", never "untrusted");
//      'pessimistic'  every destination a call uses (declared destination arguments and destinations written in
//                     content) that the prompt did not name and no earlier output showed is attributed to the most
//                     recent earlier output of a tool with untrusted output, if any. This bounds what the optimistic
//                     model hides: e.g. an IBAN read from a bill file, a link read in a channel.
//    Neither model reads labels: attack and benign trajectories are modelled the same way.
// Approvals: a human approves escalated benign calls and rejects escalated attack calls (the reviewer sees the
// action, recipients and triggering rule in ApprovalRequested).

import { extractDestinations } from '../../core/destinations.ts';
import type { ArgValue, ToolCallProposal, ToolCallResult } from '../../core/types.ts';
import type { ToolMeta } from '../../policy/model.ts';
import { canonicalDestination } from '../../trajectory/index.ts';
import type { ReplayStep } from '../../trajectory/replay.ts';
import type { Trajectory } from './dataset.ts';

const T0 = Date.UTC(2024, 4, 15, 9, 0, 0);
const STEP_MS = 5_000;

export type OutputModel = 'injected' | 'pessimistic';

export interface EvalInput {
  readonly steps: ReplayStep[];
  readonly trustedDestinations: string[];
}

const stringsOf = (v: ArgValue | undefined): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Destinations a call uses: its declared destination arguments, and destinations written in its other strings. */
export function destinationsUsed(args: Readonly<Record<string, ArgValue>>, tool: ToolMeta | undefined): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(args)) {
    const declared = tool !== undefined && Object.hasOwn(tool.destinations, name);
    for (const s of stringsOf(value)) out.push(...(declared ? [s] : extractDestinations(s)));
  }
  return out;
}

/** Per call, the destinations its output is taken to have shown (see the header for the two models). */
export function outputDestinations(t: Trajectory, toolOf: (tool: string) => ToolMeta | undefined, model: OutputModel): string[][] {
  const injected = t.injectedText === '' ? [] : extractDestinations(t.injectedText);
  const shown = t.calls.map((c) => (c.outputHasInjection ? [...injected] : []));
  if (model === 'injected') return shown;
  const known = new Set(extractDestinations(t.prompt).map(canonicalDestination));
  let lastUntrusted = -1;
  t.calls.forEach((c, i) => {
    for (const d of destinationsUsed(c.args, toolOf(c.fn))) {
      const key = canonicalDestination(d);
      if (known.has(key)) continue;
      known.add(key);
      if (lastUntrusted >= 0) shown[lastUntrusted]?.push(d);
    }
    for (const d of shown[i] ?? []) known.add(canonicalDestination(d));
    if (toolOf(c.fn)?.untrustedOutput === true || c.outputHasInjection) lastUntrusted = i;
  });
  return shown;
}

export function stepsOf(t: Trajectory, intent: string, toolOf: (tool: string) => ToolMeta | undefined, model: OutputModel = 'injected'): EvalInput {
  const shown = outputDestinations(t, toolOf, model);
  const steps = t.calls.map((call, i): ReplayStep => {
    const at = T0 + i * STEP_MS;
    const proposal: ToolCallProposal = {
      proposalId: `${t.id}#${i}`, sessionId: t.id, agentId: `agentdojo-${t.suite}`, userId: 'emma', tenantId: 'agentdojo',
      agentRole: `${t.suite}-assistant`, environment: 'eval', tool: call.fn, args: call.args, intent,
      replyTopic: 'eval', replyPartition: 0, deadlineMs: at + 30_000, createdAtMs: at,
    };
    const labels = toolOf(call.fn)?.labels ?? [];
    const result: ToolCallResult = {
      proposalId: proposal.proposalId, sessionId: t.id, agentId: proposal.agentId, userId: 'emma', tenantId: 'agentdojo', tool: call.fn,
      outcome: 'success',
      recordsRead: Object.fromEntries(labels.map((l) => [l, 1])),
      bytesRead: Object.fromEntries(labels.map((l) => [l, call.outputChars])),
      untrustedSources: call.outputHasInjection ? call.untrustedVectors.map((v) => `vector:${v}`) : [],
      destinationsSeen: shown[i] ?? [],
      modificationApplied: false, cost: 0, completedAtMs: at + STEP_MS / 2,
    };
    return { proposal, result, approve: call.label === 'benign' };
  });
  return { steps, trustedDestinations: extractDestinations(t.prompt) };
}
