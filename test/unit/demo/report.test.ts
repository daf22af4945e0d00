import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileBundle } from '../../../processors/policy/index.ts';
import { DEMO_BUNDLE } from '../../../processors/demo/pipeline.ts';
import { matches, median, progressLine, STEP_TAGS, summarise, summaryTable, type StepOutcome } from '../../../processors/demo/report.ts';
import { DEMO_STEPS, type Step } from '../../../processors/demo/scenario.ts';
import type { AgentVerdict } from '../../../processors/sdk/index.ts';

const verdict = (step: Step, over: Partial<AgentVerdict> = {}): AgentVerdict => ({
  proposalId: 'p', tool: step.call.tool, effect: step.expect, proceed: true, args: step.call.args, modificationApplied: false,
  modifications: [], ruleIds: step.expectRule ? ['support.tools', step.expectRule] : ['support.tools'],
  reasons: [`${step.call.tool} allowed (rule support.tools)`, ...(step.expectRule ? [`${step.call.tool} decided (rule ${step.expectRule})`] : [])],
  errorCode: '', source: 'processor', decisionId: 'd', bundleRevision: 'r', latencyMs: 12, ...over,
});
const outcome = (step: Step, over: Partial<AgentVerdict> = {}): StepOutcome => {
  const v = verdict(step, over);
  return { step, verdict: v, latencyMs: v.latencyMs, asExpected: matches(step, v) };
};

describe('demo report', () => {
  it('the demo bundle compiles and the script covers every effect and every check', () => {
    const { bundle, problems } = compileBundle([{ path: 'bundle.yaml', text: readFileSync(DEMO_BUNDLE, 'utf8') }]);
    expect(bundle, problems.map((p) => p.message).join('; ')).toBeDefined();
    expect(new Set(DEMO_STEPS.map((s) => s.expect))).toEqual(new Set(['allow', 'modify', 'escalate', 'deny']));
    expect(new Set(DEMO_STEPS.flatMap((s) => (s.tag ? [s.tag] : [])))).toEqual(new Set(STEP_TAGS));
  });

  it('a progress line names the tool, the effect, the deciding rule, its reason and the latency', () => {
    const step = DEMO_STEPS.find((s) => s.tag === 'exfiltration') as Step;
    const line = progressLine(8, outcome(step, { effect: 'deny' }));
    expect(line).toMatch(/^ {2}8 {2}send_email +DENY +egress\.untrusted-destination +12 ms {2}send_email decided \(rule egress\.untrusted-destination\)$/);
    expect(progressLine(8, outcome(step, { effect: 'allow' })).startsWith('! 8')).toBe(true);
  });

  it('summarises counts per effect, checks, unexpected verdicts and the chDB proof', () => {
    const all = DEMO_STEPS.map((s) => outcome(s));
    const ok = summarise(all, { rows: all.length, byEffect: { allow: 5, modify: 1, escalate: 2, deny: 3 } });
    expect(ok.byEffect).toEqual({ allow: 5, modify: 1, escalate: 2, deny: 3 });
    expect(Object.values(ok.checks).every(Boolean)).toBe(true);
    expect(ok.unexpected).toEqual([]);
    expect(summaryTable(ok)).toContain('  total             11        11');
    const retry = DEMO_STEPS.findIndex((s) => s.tag === 'retry-denied');
    const bad = summarise(all.map((o, i) => (i === retry ? outcome(o.step, { ruleIds: ['egress.untrusted-destination'] }) : o)), ok.clickhouse);
    expect(bad.checks['retry-denied']).toBe(false);
    expect(bad.unexpected[0]).toMatch(/expected deny by session\.retry-after-deny/);
    expect(summaryTable(bad)).toMatch(/\[FAILED\] {2}#9 {2}the agent's retry of the refused send.*\n {13}deny by egress\.untrusted-destination$/m);
  });

  it('names, for each thing the demo shows, the step, the deciding rule or code and the reviewer\'s answer', () => {
    const all = DEMO_STEPS.map((s) => outcome(s));
    const refund = DEMO_STEPS.findIndex((s) => s.tag === 'refund-rejected');
    const shell = DEMO_STEPS.findIndex((s) => s.tag === 'unknown-tool');
    all[refund] = outcome(DEMO_STEPS[refund] as Step, { proceed: false, approval: { approvalId: 'a-1', status: 'rejected', resolvedBy: 'lead-maria', reason: '', expiresAtMs: 0 } });
    all[shell] = outcome(DEMO_STEPS[shell] as Step, { ruleIds: [], proceed: false, errorCode: 'ARB_POLICY_UNKNOWN_TOOL' });
    const table = summaryTable(summarise(all, { rows: all.length, byEffect: {} }));
    expect(table).toContain(`[ok]  #${refund + 1}  a refund far above policy was held, and the agent obeyed the rejection\n             escalate by refunds.above-threshold; rejected by lead-maria, not run`);
    expect(table).toContain(`[ok] #${shell + 1}  a tool the agent was never given (shell.exec) was refused by default\n             deny by ARB_POLICY_UNKNOWN_TOOL`);
    expect(table).toMatch(/#8 {2}the injected instruction .* was refused\n {13}deny by egress\.untrusted-destination$/m);
  });

  it('median of latencies', () => {
    expect(median([5, 1, 9])).toBe(5);
    expect(median([4, 1, 9, 10])).toBe(7);
    expect(median([])).toBe(0);
  });
});
