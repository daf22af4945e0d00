// The demo's output: one line per decision while it runs, then the summary table. Pure string building.
import type { Effect } from '../core/types.ts';
import type { AgentVerdict } from '../sdk/index.ts';
import type { Step, StepTag } from './scenario.ts';

export const EFFECTS: readonly Effect[] = ['allow', 'modify', 'escalate', 'deny'];

export interface StepOutcome {
  readonly step: Step;
  readonly verdict: AgentVerdict;
  /** propose() to verdict, ms (for escalations: before the review). */
  readonly latencyMs: number;
  /** The verdict matched the step's expected effect (and rule, when one is named). */
  readonly asExpected: boolean;
}

export interface DemoSummary {
  readonly decisions: number;
  readonly byEffect: Readonly<Record<Effect, number>>;
  readonly checks: Readonly<Record<StepTag, boolean>>;
  readonly unexpected: readonly string[];
  readonly latencyMs: { readonly median: number; readonly max: number };
  readonly clickhouse: { readonly rows: number; readonly byEffect: Readonly<Record<string, number>> };
  readonly approvals: readonly { readonly approvalId: string; readonly status: string; readonly by: string }[];
}

const pad = (s: string, n: number): string => (s.length >= n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

export function matches(step: Step, v: AgentVerdict): boolean {
  return v.effect === step.expect && (step.expectRule === undefined || v.ruleIds.includes(step.expectRule));
}

/** One line per decision: number, tool, effect, deciding rule, latency, reason. */
export function progressLine(n: number, o: StepOutcome): string {
  const v = o.verdict;
  const rule = o.step.expectRule !== undefined && v.ruleIds.includes(o.step.expectRule) ? o.step.expectRule : (v.ruleIds.at(-1) ?? (v.errorCode || '(default)'));
  const reason = v.reasons.find((r) => r.includes(`(rule ${rule})`)) ?? v.reasons.at(-1) ?? '';
  const mark = o.asExpected ? ' ' : '!';
  return `${mark}${String(n).padStart(2)}  ${pad(v.tool, 13)} ${pad(v.effect.toUpperCase(), 9)} ${pad(rule, 30)} ${String(o.latencyMs).padStart(5)} ms  ${reason}`;
}

export const PROGRESS_HEADER = `${'  #'}  ${pad('tool', 13)} ${pad('effect', 9)} ${pad('rule', 30)} ${'latency'.padStart(8)}  reason`;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : Math.round(((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

export function summarise(outcomes: readonly StepOutcome[], clickhouse: DemoSummary['clickhouse']): DemoSummary {
  const byEffect = { allow: 0, modify: 0, escalate: 0, deny: 0 };
  for (const o of outcomes) byEffect[o.verdict.effect]++;
  const tagged = (tag: StepTag) => outcomes.filter((o) => o.step.tag === tag);
  const ok = (tag: StepTag) => tagged(tag).length > 0 && tagged(tag).every((o) => o.asExpected);
  const latencies = outcomes.map((o) => o.latencyMs);
  return {
    decisions: outcomes.length, byEffect,
    checks: { redaction: ok('redaction'), 'refund-escalated': ok('refund-escalated'), exfiltration: ok('exfiltration'), 'retry-denied': ok('retry-denied') },
    unexpected: outcomes.filter((o) => !o.asExpected).map((o) => `${o.step.call.tool} (${o.step.label}): expected ${o.step.expect}${o.step.expectRule ? ` by ${o.step.expectRule}` : ''}, got ${o.verdict.effect} [${o.verdict.ruleIds.join(', ')}] ${o.verdict.reasons.join('; ')}`),
    latencyMs: { median: median(latencies), max: Math.max(0, ...latencies) },
    clickhouse,
    approvals: outcomes.flatMap((o) => (o.verdict.approval ? [{ approvalId: o.verdict.approval.approvalId, status: o.verdict.approval.status, by: o.verdict.approval.resolvedBy }] : [])),
  };
}

const CHECK_TEXT: Readonly<Record<StepTag, string>> = {
  redaction: 'SSN redacted from the outgoing mail (modify)',
  'refund-escalated': 'refund over the threshold escalated and approved by a lead',
  exfiltration: 'injected exfiltration to an address from untrusted mail denied',
  'retry-denied': 'retry after the deny denied (session.retry_after_deny)',
};

export function summaryTable(s: DemoSummary): string {
  const lines = ['', 'Decision summary', '  effect     decisions   in chDB'];
  for (const e of EFFECTS) lines.push(`  ${e.padEnd(10)} ${String(s.byEffect[e]).padStart(9)}   ${String(s.clickhouse.byEffect[e] ?? 0).padStart(7)}`);
  lines.push(`  ${'total'.padEnd(10)} ${String(s.decisions).padStart(9)}   ${String(s.clickhouse.rows).padStart(7)}`);
  lines.push('', `  verdict latency (propose → verdict): median ${s.latencyMs.median} ms, max ${s.latencyMs.max} ms`);
  for (const a of s.approvals) lines.push(`  approval ${a.approvalId}: ${a.status}${a.by ? ` by ${a.by}` : ''}`);
  lines.push('');
  for (const [tag, text] of Object.entries(CHECK_TEXT) as [StepTag, string][]) lines.push(`  [${s.checks[tag] ? 'ok' : 'FAILED'}] ${text}`);
  for (const u of s.unexpected) lines.push(`  [unexpected] ${u}`);
  return lines.join('\n');
}
