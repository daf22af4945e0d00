// A dataset trajectory → the proposals and results the engine would have seen, call by call.
// What enters the agent's context is modelled from the data alone:
//  - the user's prompt is trusted context: destinations named in it are trusted;
//  - a call whose output carried the attack has the injected text in its output: destinations named there are seen
//    in untrusted content (the tool's own untrusted_output metadata decides taint, as in production);
//  - other outputs are not in the data (only their lengths), so they add no destinations.
// Approvals: a human approves escalated benign calls and rejects escalated attack calls (the reviewer sees the
// action, recipients and triggering rule in ApprovalRequested).

import { extractDestinations } from '../../core/destinations.ts';
import type { ToolCallProposal, ToolCallResult } from '../../core/types.ts';
import type { ReplayStep } from '../../trajectory/replay.ts';
import type { Trajectory } from './dataset.ts';

const T0 = Date.UTC(2024, 4, 15, 9, 0, 0);
const STEP_MS = 5_000;

export interface EvalInput {
  readonly steps: ReplayStep[];
  readonly trustedDestinations: string[];
}

export function stepsOf(t: Trajectory, intent: string, labelsOf: (tool: string) => readonly string[]): EvalInput {
  const injected = t.injectedText === '' ? [] : extractDestinations(t.injectedText);
  const steps = t.calls.map((call, i): ReplayStep => {
    const at = T0 + i * STEP_MS;
    const proposal: ToolCallProposal = {
      proposalId: `${t.id}#${i}`, sessionId: t.id, agentId: `agentdojo-${t.suite}`, userId: 'emma', tenantId: 'agentdojo',
      agentRole: `${t.suite}-assistant`, environment: 'eval', tool: call.fn, args: call.args, intent,
      replyTopic: 'eval', replyPartition: 0, deadlineMs: at + 30_000, createdAtMs: at,
    };
    const labels = labelsOf(call.fn);
    const result: ToolCallResult = {
      proposalId: proposal.proposalId, sessionId: t.id, agentId: proposal.agentId, userId: 'emma', tenantId: 'agentdojo', tool: call.fn,
      outcome: 'success',
      recordsRead: Object.fromEntries(labels.map((l) => [l, 1])),
      bytesRead: Object.fromEntries(labels.map((l) => [l, call.outputChars])),
      untrustedSources: call.outputHasInjection ? call.untrustedVectors.map((v) => `vector:${v}`) : [],
      destinationsSeen: call.outputHasInjection ? injected : [],
      modificationApplied: false, cost: 0, completedAtMs: at + STEP_MS / 2,
    };
    return { proposal, result, approve: call.label === 'benign' };
  });
  return { steps, trustedDestinations: extractDestinations(t.prompt) };
}
