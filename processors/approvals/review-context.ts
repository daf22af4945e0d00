// What a reviewer sees with an ApprovalRequested: the action and its side effects, who delegated it, the data labels
// and recipients, why it was escalated, the session's facts and its latest steps. Built by the verdict processor at
// decision time from what it already holds (no lookups). Arguments are minimised exactly as in the DecisionRecord,
// so a review request never carries more than the audit trail. Pure.
import type { Decision, SessionFacts, ToolCallProposal } from '../core/types.ts';
import type { ToolMeta } from '../policy/model.ts';
import { avroType } from '../../schemas/catalogue.ts';
import type { ReviewContext } from '../../schemas/generated/ReviewContext.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { HEADER_BYTES } from '../runtime/serde/wire-format.ts';
import { minimiseArgs } from '../verdict/minimise.ts';

/** Steps of the session shown to the reviewer, newest last. */
export const RECENT_STEPS = 8;

/** One line per earlier verdict ("deny: send_email denied: … (rule …)"); verdicts this build cannot read are skipped. */
export function recentStepLines(recent: readonly { readonly verdict: Buffer }[], limit = RECENT_STEPS): string[] {
  const type = avroType('Verdict');
  const lines: string[] = [];
  for (const r of recent.slice(-limit)) {
    try {
      const v = type.fromBuffer(r.verdict.subarray(HEADER_BYTES)) as Verdict;
      lines.push(`${v.effect}: ${v.reasons.at(-1) ?? ''}`);
    } catch {
      // Written by another schema version: leave it out rather than guess.
    }
  }
  return lines;
}

export function sessionFactLines(facts: SessionFacts): Record<string, string> {
  const out: Record<string, string> = {
    'session.step_count': String(facts.stepCount),
    'session.tainted': String(facts.tainted),
    'session.denied_calls': String(facts.deniedCalls),
  };
  if (facts.taintSources.length > 0) out['session.taint_sources'] = facts.taintSources.join(', ');
  for (const [label, n] of Object.entries(facts.readRecords)) out[`session.read.records{label=${label}}`] = String(n);
  return out;
}

export function reviewContextFor(
  proposal: ToolCallProposal, decision: Decision, tool: ToolMeta | undefined, facts: SessionFacts, recent: readonly { readonly verdict: Buffer }[],
): ReviewContext {
  const minimised = minimiseArgs(proposal.args, tool);
  return {
    userId: proposal.userId, agentRole: proposal.agentRole, environment: proposal.environment, intent: proposal.intent,
    verb: tool?.verb ?? '', sideEffect: tool?.sideEffect ?? '', args: minimised.argsMinimised,
    dataLabels: minimised.dataLabels, recipients: minimised.destinations, reasons: decision.reasons,
    sessionFacts: sessionFactLines(facts), recentSteps: recentStepLines(recent),
  };
}
