// Builders for trajectory tests: proposals, results and tool metadata with sensible defaults.

import type { Args, ToolCallProposal, ToolCallResult, Verb } from '../../../processors/core/types.ts';
import type { ToolInfo } from '../../../processors/trajectory/index.ts';

/** 2026-03-10T12:00:00Z — a fixed, ordinary UTC time. */
export const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);

export function tool(verb: Verb, extra: Partial<ToolInfo> = {}): ToolInfo {
  return { verb, untrustedOutput: false, cost: 0, ...extra };
}

let seq = 0;
export function proposal(toolName: string, args: Args, atMs: number, extra: Partial<ToolCallProposal> = {}): ToolCallProposal {
  seq++;
  return {
    proposalId: `p${seq}`, sessionId: 's1', agentId: 'agent-1', userId: 'user-1', tenantId: 'tenant-1',
    agentRole: 'assistant', environment: 'prod', tool: toolName, args, intent: 'mail_triage',
    replyTopic: 'arbiter.verdicts', replyPartition: 0, deadlineMs: atMs + 5000, createdAtMs: atMs, ...extra,
  };
}

export function result(toolName: string, atMs: number, extra: Partial<ToolCallResult> = {}): ToolCallResult {
  seq++;
  return {
    proposalId: `r${seq}`, sessionId: 's1', agentId: 'agent-1', userId: 'user-1', tenantId: 'tenant-1', tool: toolName,
    outcome: 'success', recordsRead: {}, bytesRead: {}, untrustedSources: [], destinationsSeen: [],
    modificationApplied: false, cost: 0, completedAtMs: atMs, ...extra,
  };
}

export const EMAIL_BODY = 'Hi team, please find attached the quarterly revenue report for Q3 with the regional '
  + 'breakdown, the headcount plan and the budget forecast for next year. Regards, Alice';
