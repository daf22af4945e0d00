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
  /** What each check saw: the step, the deciding rule or code, and the approval's answer. */
  readonly findings: readonly Finding[];
  readonly unexpected: readonly string[];
  readonly latencyMs: { readonly median: number; readonly max: number };
  readonly clickhouse: { readonly rows: number; readonly byEffect: Readonly<Record<string, number>> };
  readonly approvals: readonly { readonly approvalId: string; readonly status: string; readonly by: string }[];
}

export interface Finding {
  readonly tag: StepTag;
  readonly ok: boolean;
  /** 1-based step number in the run; 0 when the step did not run. */
  readonly step: number;
  readonly effect: string;
  /** The deciding rule id, or the error code of a default decision. */
  readonly decidedBy: string;
  /** For escalations: how the reviewer answered and whether the agent ran the call. */
  readonly approval: string;
}

/** In the order the summary lists them. */
export const STEP_TAGS: readonly StepTag[] = ['redaction', 'refund-escalated', 'refund-rejected', 'exfiltration', 'retry-denied', 'unknown-tool'];

const pad = (s: string, n: number): string => (s.length >= n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

export function matches(step: Step, v: AgentVerdict): boolean {
  return v.effect === step.expect && (step.expectRule === undefined || v.ruleIds.includes(step.expectRule));
}

/** The rule the step is about when the verdict names it, else the last rule, else the error code of a default. */
function decidingRule(o: StepOutcome): string {
  const v = o.verdict;
  return o.step.expectRule !== undefined && v.ruleIds.includes(o.step.expectRule) ? o.step.expectRule : (v.ruleIds.at(-1) ?? (v.errorCode || '(default)'));
}

function finding(outcomes: readonly StepOutcome[], tag: StepTag): Finding {
  const i = outcomes.findIndex((o) => o.step.tag === tag);
  const o = outcomes[i];
  if (o === undefined) return { tag, ok: false, step: 0, effect: '-', decidedBy: '-', approval: '' };
  const a = o.verdict.approval;
  const approval = a === undefined ? '' : `${a.status}${a.resolvedBy ? ` by ${a.resolvedBy}` : ''}, ${o.verdict.proceed ? 'ran' : 'not run'}`;
  return { tag, ok: o.asExpected, step: i + 1, effect: o.step.expect, decidedBy: decidingRule(o), approval };
}

/** One line per decision: number, tool, effect, deciding rule, latency, reason. */
export function progressLine(n: number, o: StepOutcome): string {
  const v = o.verdict;
  const rule = decidingRule(o);
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
    checks: Object.fromEntries(STEP_TAGS.map((tag) => [tag, ok(tag)])) as Record<StepTag, boolean>,
    findings: STEP_TAGS.map((tag) => finding(outcomes, tag)),
    unexpected: outcomes.filter((o) => !o.asExpected).map((o) => `${o.step.call.tool} (${o.step.label}): expected ${o.step.expect}${o.step.expectRule ? ` by ${o.step.expectRule}` : ''}, got ${o.verdict.effect} [${o.verdict.ruleIds.join(', ')}] ${o.verdict.reasons.join('; ')}`),
    latencyMs: { median: median(latencies), max: Math.max(0, ...latencies) },
    clickhouse,
    approvals: outcomes.flatMap((o) => (o.verdict.approval ? [{ approvalId: o.verdict.approval.approvalId, status: o.verdict.approval.status, by: o.verdict.approval.resolvedBy }] : [])),
  };
}

const CHECK_TEXT: Readonly<Record<StepTag, string>> = {
  redaction: 'an SSN in the outgoing mail was redacted before it was sent',
  'refund-escalated': 'a refund above the threshold was held for a human',
  'refund-rejected': 'a refund far above policy was held, and the agent obeyed the rejection',
  exfiltration: 'the injected instruction to mail the customer list to an address from untrusted mail was refused',
  'retry-denied': "the agent's retry of the refused send, with other arguments, was refused",
  'unknown-tool': 'a tool the agent was never given (shell.exec) was refused by default',
};

export function summaryTable(s: DemoSummary): string {
  const lines = ['', 'Decision summary', '  effect     decisions   in chDB'];
  for (const e of EFFECTS) lines.push(`  ${e.padEnd(10)} ${String(s.byEffect[e]).padStart(9)}   ${String(s.clickhouse.byEffect[e] ?? 0).padStart(7)}`);
  lines.push(`  ${'total'.padEnd(10)} ${String(s.decisions).padStart(9)}   ${String(s.clickhouse.rows).padStart(7)}`);
  lines.push('', `  verdict latency (propose → verdict): median ${s.latencyMs.median} ms, max ${s.latencyMs.max} ms`);
  lines.push('', 'What the policy did, and which rule did it (step numbers as above)');
  for (const f of s.findings) {
    const head = `  [${f.ok ? 'ok' : 'FAILED'}] ${f.step > 0 ? `#${f.step}`.padStart(3) : '  -'}  ${CHECK_TEXT[f.tag]}`;
    lines.push(`${head}\n${' '.repeat(13)}${f.effect} by ${f.decidedBy}${f.approval ? `; ${f.approval}` : ''}`);
  }
  for (const u of s.unexpected) lines.push(`  [unexpected] ${u}`);
  return lines.join('\n');
}
