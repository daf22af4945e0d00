// A dataset trajectory → the proposals and results the engine would have seen, call by call.
// What enters the agent's context is modelled from the data alone:
//  - the user's prompt is trusted context: destinations named in it are trusted;
//  - a call whose output carried the attack has the injected text in its output: destinations named there are seen
//    in that output (the tool's own untrusted_output metadata decides taint, as in production);
//  - other outputs are not in the data (only their lengths). Two models of them:
//      'injected'     they add no destinations (optimistic for benign runs: a destination the agent took from an
//                     unseen output is "unseen", never "untrusted");
//      'pessimistic'  every destination a call uses (declared destination arguments and destinations written in
//                     content) that the prompt did not name (as a destination, or word for word: a payee "Spotify")
//                     and no earlier output showed is attributed to the most recent earlier output of a tool with
//                     untrusted output, if any. This bounds what the optimistic model hides: e.g. an IBAN read from
//                     a bill file, a link read in a channel.
//    The same two models apply to named values (core/named-values.ts: quoted strings, Title Case names) for the
//    arguments a tool declares under `values`: injected text shows the values it names; the pessimistic model also
//    attributes every such argument value the prompt did not name and no output showed to the latest untrusted output.
//    Neither model reads labels: attack and benign trajectories are modelled the same way.
// Approvals: a human approves escalated benign calls and rejects escalated attack calls (the reviewer sees the
// action, recipients and triggering rule in ApprovalRequested).

import { extractDestinations } from '../../core/destinations.ts';
import { extractNamedValues } from '../../core/named-values.ts';
import type { ArgValue, ToolCallProposal, ToolCallResult } from '../../core/types.ts';
import type { ToolMeta } from '../../policy/model.ts';
import { declaredValues } from '../../policy/tracked-values.ts';
import { canonicalDestination } from '../../trajectory/index.ts';
import type { ReplayStep } from '../../trajectory/replay.ts';
import type { Trajectory } from './dataset.ts';

const T0 = Date.UTC(2024, 4, 15, 9, 0, 0);
const STEP_MS = 5_000;

export type OutputModel = 'injected' | 'pessimistic';

export interface EvalInput {
  readonly steps: ReplayStep[];
  readonly trustedDestinations: string[];
  /** Named values in the user's prompt (normalizeValue keys): trusted context. */
  readonly trustedValues: string[];
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

/** How one kind of provenance-tracked thing (destinations, named values) is found in text and in a call. */
interface Tracked {
  readonly inText: (text: string) => string[];
  readonly usedBy: (args: Readonly<Record<string, ArgValue>>, tool: ToolMeta | undefined) => string[];
  readonly key: (x: string) => string;
}

const DESTINATIONS: Tracked = { inText: extractDestinations, usedBy: destinationsUsed, key: canonicalDestination };

/** The values in a call's declared value arguments (tool metadata `values`), as normalizeValue keys. */
export const valuesUsed = (args: Readonly<Record<string, ArgValue>>, tool: ToolMeta | undefined): string[] => declaredValues(args, tool?.values ?? []);

const VALUES: Tracked = { inText: extractNamedValues, usedBy: valuesUsed, key: (x) => x };

/** The prompt contains `x` as a whole word or phrase (case-insensitive): the user named it, e.g. a payee "Spotify". */
export function namedInPrompt(prompt: string, x: string): boolean {
  const hay = prompt.toLowerCase();
  const needle = x.toLowerCase().trim();
  if (needle === '') return false;
  const word = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    if (!word(hay[i - 1]) && !word(hay[i + needle.length])) return true;
  }
  return false;
}

/** Per call, the things its output is taken to have shown (see the header for the two models). */
function outputsShow(t: Trajectory, toolOf: (tool: string) => ToolMeta | undefined, model: OutputModel, what: Tracked): string[][] {
  const injected = t.injectedText === '' ? [] : what.inText(t.injectedText);
  const shown = t.calls.map((c) => (c.outputHasInjection ? [...injected] : []));
  if (model === 'injected') return shown;
  const known = new Set(what.inText(t.prompt).map(what.key));
  let lastUntrusted = -1;
  t.calls.forEach((c, i) => {
    for (const d of what.usedBy(c.args, toolOf(c.fn))) {
      const key = what.key(d);
      if (known.has(key) || namedInPrompt(t.prompt, d)) continue;
      known.add(key);
      if (lastUntrusted >= 0) shown[lastUntrusted]?.push(d);
    }
    for (const d of shown[i] ?? []) known.add(what.key(d));
    if (toolOf(c.fn)?.untrustedOutput === true || c.outputHasInjection) lastUntrusted = i;
  });
  return shown;
}

/** Per call, the destinations its output is taken to have shown. */
export function outputDestinations(t: Trajectory, toolOf: (tool: string) => ToolMeta | undefined, model: OutputModel): string[][] {
  return outputsShow(t, toolOf, model, DESTINATIONS);
}

/** Per call, the named values its output is taken to have shown. */
export function outputValues(t: Trajectory, toolOf: (tool: string) => ToolMeta | undefined, model: OutputModel): string[][] {
  return outputsShow(t, toolOf, model, VALUES);
}

export function stepsOf(t: Trajectory, intent: string, toolOf: (tool: string) => ToolMeta | undefined, model: OutputModel = 'injected'): EvalInput {
  const shown = outputDestinations(t, toolOf, model);
  const values = outputValues(t, toolOf, model);
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
      valuesSeen: values[i] ?? [],
      modificationApplied: false, cost: 0, completedAtMs: at + STEP_MS / 2,
    };
    return { proposal, result, approve: call.label === 'benign' };
  });
  return { steps, trustedDestinations: extractDestinations(t.prompt), trustedValues: extractNamedValues(t.prompt) };
}
