// What a candidate policy would have decided on recorded sessions, next to what the active policy decides on them:
// the pure half of `arbiter replay`. Both bundles replay the same recorded steps through the session fold
// (processors/trajectory/replay.ts), so a difference comes from the policy change, not from how faithfully the
// replay reproduces the live run; that fidelity is reported on its own (active replay vs the recorded decisions).
// The observe → warn → enforce path: `promote()` turns chosen observe/warn rules into enforce rules in the candidate,
// so one run shows what enforcing them would have refused; the shadow tally shows what observe/warn rules saw.
import { isMap, isSeq, parseDocument } from 'yaml';
import type { Effect, ToolCallProposal, ToolCallResult } from '../core/types.ts';
import type { PolicyBundle, PolicySource } from '../policy/index.ts';
import { replay, type ReplayStep } from '../trajectory/replay.ts';
import { ArbiterError } from '../core/errors.ts';

export interface RecordedStep {
  readonly proposal: ToolCallProposal;
  readonly result?: ToolCallResult;
  /** How the call's approval was resolved, when it was escalated and answered. */
  readonly approved?: boolean;
  /** The decision the verdict processor recorded for this proposal, when read. */
  readonly recorded?: { readonly effect: Effect; readonly ruleIds: readonly string[] };
}

export interface RecordedSession {
  readonly sessionId: string;
  /** Destinations and values the user declared trusted in this session (applied before the first step). */
  readonly trustedDestinations: readonly string[];
  readonly trustedValues: readonly string[];
  /** In proposal order. */
  readonly steps: readonly RecordedStep[];
}

export interface Change {
  readonly sessionId: string;
  /** 1-based position of the call in its session. */
  readonly step: number;
  readonly tool: string;
  readonly from: Effect;
  readonly to: Effect;
  /** The candidate's deciding rule (last rule id), or its error code, or "(default)". */
  readonly rule: string;
  readonly reason: string;
}

export interface ShadowTally {
  readonly ruleId: string;
  readonly mode: string;
  readonly effect: Effect;
  hits: number;
  readonly tools: Set<string>;
}

export interface ReplayReport {
  readonly sessions: number;
  readonly calls: number;
  /** Calls with a recorded decision, and how many of them the active policy's replay decided the same way. */
  readonly fidelity: { readonly compared: number; readonly same: number };
  readonly changes: readonly Change[];
  /** "allow → deny" and so on, with counts. */
  readonly transitions: ReadonlyMap<string, number>;
  /** Observe and warn rules of the candidate that fired, by rule. */
  readonly shadow: ReadonlyMap<string, ShadowTally>;
}

const stepsOf = (s: RecordedSession): ReplayStep[] =>
  s.steps.map((x) => ({ proposal: x.proposal, ...(x.result ? { result: x.result } : {}), approve: x.approved === true }));

export function compareBundles(sessions: readonly RecordedSession[], active: PolicyBundle, candidate: PolicyBundle): ReplayReport {
  const changes: Change[] = [];
  const transitions = new Map<string, number>();
  const shadow = new Map<string, ShadowTally>();
  let calls = 0;
  let compared = 0;
  let same = 0;
  for (const s of sessions) {
    const options = { trustedDestinations: s.trustedDestinations, trustedValues: s.trustedValues };
    const before = replay(active, stepsOf(s), options).steps;
    const after = replay(candidate, stepsOf(s), options).steps;
    for (let i = 0; i < s.steps.length; i++) {
      const step = s.steps[i] as RecordedStep;
      const a = (before[i] as (typeof before)[number]).decision;
      const b = (after[i] as (typeof after)[number]).decision;
      calls++;
      if (step.recorded !== undefined) {
        compared++;
        if (step.recorded.effect === a.effect) same++;
      }
      for (const x of b.shadow) {
        const t = shadow.get(x.ruleId) ?? { ruleId: x.ruleId, mode: x.mode, effect: x.effect, hits: 0, tools: new Set<string>() };
        t.hits++;
        t.tools.add(step.proposal.tool);
        shadow.set(x.ruleId, t);
      }
      if (a.effect === b.effect) continue;
      const rule = b.ruleIds.at(-1) ?? (b.errorCode || '(default)');
      changes.push({ sessionId: s.sessionId, step: i + 1, tool: step.proposal.tool, from: a.effect, to: b.effect, rule,
        reason: b.reasons.find((r) => r.includes(`(rule ${rule})`)) ?? b.reasons.at(-1) ?? '' });
      const key = `${a.effect} → ${b.effect}`;
      transitions.set(key, (transitions.get(key) ?? 0) + 1);
    }
  }
  return { sessions: sessions.length, calls, fidelity: { compared, same }, changes, transitions, shadow };
}

/**
 * The sources with the named rules set to `mode` (enforce by default). Every id must name a rule in some source;
 * an unknown id is ARB_CLI_USAGE. Comments and layout elsewhere are kept (YAML round trip).
 */
export function promote(sources: readonly PolicySource[], ruleIds: readonly string[], mode: 'enforce' | 'warn' = 'enforce'): PolicySource[] {
  const wanted = new Set(ruleIds);
  const found = new Set<string>();
  const out = sources.map((src) => {
    const doc = parseDocument(src.text);
    const rules = isMap(doc.contents) ? doc.contents.get('rules') : undefined;
    if (!isSeq(rules)) return src;
    let changed = false;
    for (const [index, item] of rules.items.entries()) {
      if (!isMap(item)) continue;
      const id = item.get('id');
      if (typeof id !== 'string' || !wanted.has(id)) continue;
      doc.setIn(['rules', index, 'mode'], mode);
      found.add(id);
      changed = true;
    }
    return changed ? { path: src.path, text: doc.toString() } : src;
  });
  const unknown = ruleIds.filter((id) => !found.has(id));
  if (unknown.length > 0) throw new ArbiterError('ARB_CLI_USAGE', `arbiter replay: --enforce names no rule of the candidate: ${unknown.join(', ')}`);
  return out;
}

export function renderReplay(r: ReplayReport, activeRevision: string, candidateRevision: string, examples: number): string {
  const pct = (n: number, of: number): string => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);
  const lines = [
    `replayed ${r.sessions} session(s), ${r.calls} call(s): active ${activeRevision.slice(0, 12)} vs candidate ${candidateRevision.slice(0, 12)}`,
    `replay fidelity: the active policy's replay matches ${r.fidelity.same} of ${r.fidelity.compared} recorded decisions (${pct(r.fidelity.same, r.fidelity.compared)})`,
    '',
    r.changes.length === 0 ? 'the candidate decides every call as the active policy does' : `${r.changes.length} call(s) decided differently:`,
  ];
  for (const [k, n] of [...r.transitions].sort((a, b) => b[1] - a[1])) lines.push(`  ${k.padEnd(22)} ${String(n).padStart(6)}`);
  for (const c of r.changes.slice(0, examples)) lines.push(`  - session ${c.sessionId} #${c.step} ${c.tool}: ${c.from} → ${c.to} by ${c.rule}: ${c.reason}`);
  if (r.changes.length > examples) lines.push(`  ... ${r.changes.length - examples} more (--examples N)`);
  lines.push('', r.shadow.size === 0 ? 'no observe or warn rule of the candidate fired' : 'observe and warn rules of the candidate that fired (what enforcing them would do):');
  for (const t of [...r.shadow.values()].sort((a, b) => b.hits - a.hits)) {
    lines.push(`  ${t.ruleId} [${t.mode}] would ${t.effect} ${t.hits} call(s) (${pct(t.hits, r.calls)} of all) on ${[...t.tools].sort().join(', ')}`);
  }
  return lines.join('\n');
}
