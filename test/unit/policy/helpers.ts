// Shared builders for policy unit tests (not a test file itself).
import { EMPTY_FACTS, type Args, type SessionFacts, type ToolCallProposal } from '../../../processors/core/types.ts';
import { compileBundle, type PolicyBundle } from '../../../processors/policy/index.ts';

export function bundleOf(text: string, ...layers: string[]): PolicyBundle {
  const r = compileBundle([{ path: 'base.yaml', text }, ...layers.map((t, i) => ({ path: `layer${i}.yaml`, text: t }))]);
  if (r.bundle === undefined) throw new Error(r.problems.map((p) => `${p.code} ${p.message}`).join('\n'));
  return r.bundle;
}

export function proposal(tool: string, args: Args = {}, over: Partial<ToolCallProposal> = {}): ToolCallProposal {
  return {
    proposalId: 'p1', sessionId: 's1', agentId: 'a1', userId: 'u1', tenantId: 't1', agentRole: 'agent', environment: 'dev',
    tool, args, intent: '', replyTopic: 'r', replyPartition: 0, deadlineMs: 0, createdAtMs: 0, ...over,
  };
}

export function facts(over: Partial<SessionFacts> = {}): SessionFacts {
  return { ...EMPTY_FACTS, ...over };
}
