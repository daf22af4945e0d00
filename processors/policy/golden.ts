// Golden policy cases: YAML files of (bundle, facts, proposal) -> wanted decision. The same runner backs
// `arbiter policy test` and the vitest suite (test/unit/policy/golden.test.ts), so CI runs exactly these files.
//
// File shape (see docs/policy-language.md, "Golden tests"):
//   bundle: [bundle.yaml, tenant-acme.yaml]   # layers, relative to the test file
//   defaults: { proposal: {...}, facts: {...}, now: ... }
//   cases:
//     - note: text
//       proposal: { tool, args, user, tenant, role, environment, agent, intent }
//       facts: { tainted, read_records: {pii: 3}, rate: {session: 31}, spent: {day: 5}, destinations: {x: untrusted}, ... }
//       now: 2026-12-24T10:00:00Z | epoch ms
//       repeat: 100                            # evaluate n times; every decision must be identical
//       want_effect / want_rule_ids / want_reason (substring) / want_error_code / want_modified_args /
//       want_approval / want_shadow (rule ids) / want_alerts / want_no_shadow
//     - note: a broken bundle is rejected with a located error
//       bundle_text: "..."                     # compile this text instead of the file's bundle
//       want_error_code: ARB_POLICY_REGEX
//       want_problem_line: 3

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Problem } from '../core/errors.ts';
import { EMPTY_FACTS, type Args, type Decision, type DestinationOrigin, type SessionFacts, type ToolCallProposal } from '../core/types.ts';
import { compileBundle } from './compiler.ts';
import { evaluate } from './evaluate.ts';
import type { PolicyBundle, PolicySource } from './model.ts';
import { canonicalJson } from './seal.ts';

export interface CaseResult {
  readonly file: string;
  readonly note: string;
  readonly pass: boolean;
  readonly failures: readonly string[];
  readonly decision?: Decision;
}

export interface GoldenReport {
  readonly file: string;
  readonly results: readonly CaseResult[];
  /** Problems with the golden file itself or its bundle. */
  readonly problems: readonly Problem[];
  /** Rule ids of the bundle and which of them fired (enforce or shadow) in some case. */
  readonly rules: readonly string[];
  readonly covered: readonly string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const GOLDEN_KEYS = new Set(['bundle', 'defaults', 'cases', 'description']);
const CASE_KEYS = new Set([
  'note', 'proposal', 'facts', 'now', 'repeat', 'bundle_text', 'want_effect', 'want_rule_ids', 'want_reason', 'want_error_code',
  'want_modified_args', 'want_approval', 'want_shadow', 'want_no_shadow', 'want_alerts', 'want_problem_line',
]);

function golden(file: string, message: string): Problem {
  return { code: 'ARB_POLICY_GOLDEN', message, severity: 'error', location: { file } };
}

export function proposalFrom(p: Obj): ToolCallProposal {
  const s = (k: string, d: string): string => (typeof p[k] === 'string' ? (p[k] as string) : d);
  return {
    proposalId: s('id', 'golden-proposal'),
    sessionId: s('session', 'golden-session'),
    agentId: s('agent', 'agent-1'),
    userId: s('user', 'user-1'),
    tenantId: s('tenant', 'tenant-1'),
    agentRole: s('role', 'agent'),
    environment: s('environment', 'dev'),
    tool: s('tool', ''),
    args: (isObj(p['args']) ? p['args'] : {}) as Args,
    intent: s('intent', ''),
    replyTopic: '',
    replyPartition: 0,
    deadlineMs: 0,
    createdAtMs: 0,
  };
}

export function factsFrom(f: Obj): SessionFacts {
  const n = (k: string, d: number): number => (typeof f[k] === 'number' ? (f[k] as number) : d);
  const b = (k: string): boolean => f[k] === true;
  const rec = (k: string): Record<string, number> => (isObj(f[k]) ? (f[k] as Record<string, number>) : {});
  const rate = rec('rate');
  const spent = rec('spent');
  const dests = new Map(Object.entries(rec('destinations')) as [string, unknown][]);
  return {
    ...EMPTY_FACTS,
    tainted: b('tainted'),
    taintSources: Array.isArray(f['taint_sources']) ? (f['taint_sources'] as string[]) : [],
    stepCount: n('step_count', 0),
    readRecords: rec('read_records'),
    readBytes: rec('read_bytes'),
    deniedCalls: n('denied_calls', 0),
    deniedRetries: n('denied_retries', 0),
    isRetryAfterDeny: b('retry_after_deny'),
    retrySimilarity: n('retry_similarity', 0),
    identicalCallsInWindow: n('identical_calls', 1),
    similarCallsInWindow: n('similar_calls', 1),
    ratePerMinute: { session: rate['session'] ?? 0, agent: rate['agent'] ?? 0, tenant: rate['tenant'] ?? 0 },
    spent: { day: spent['day'] ?? 0, month: spent['month'] ?? 0 },
    privilegeEscalation: b('privilege_escalation'),
    quarantined: b('quarantined'),
    destinationOrigin: (d: string): DestinationOrigin => {
      const o = dests.get(d);
      return o === 'trusted' || o === 'untrusted' ? o : 'unseen';
    },
  };
}

function nowFrom(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  if (v instanceof Date) return v.getTime();
  return 0;
}

function sameList(a: readonly string[], b: unknown): boolean {
  return Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkDecision(d: Decision, c: Obj, failures: string[]): void {
  if (c['want_effect'] !== undefined && d.effect !== c['want_effect']) failures.push(`effect: want ${String(c['want_effect'])}, got ${d.effect} (${d.reasons.join(' | ')})`);
  if (c['want_rule_ids'] !== undefined && !sameList(d.ruleIds, c['want_rule_ids'])) failures.push(`rule ids: want ${JSON.stringify(c['want_rule_ids'])}, got ${JSON.stringify(d.ruleIds)}`);
  if (typeof c['want_reason'] === 'string' && !d.reasons.some((r) => r.includes(c['want_reason'] as string))) failures.push(`reason: want one containing ${JSON.stringify(c['want_reason'])}, got ${JSON.stringify(d.reasons)}`);
  if (c['want_error_code'] !== undefined && (d.errorCode ?? null) !== c['want_error_code']) failures.push(`error code: want ${String(c['want_error_code'])}, got ${d.errorCode ?? 'none'}`);
  if (c['want_modified_args'] !== undefined && canonicalJson(d.modifiedArgs ?? null) !== canonicalJson(c['want_modified_args'])) failures.push(`modified args: want ${JSON.stringify(c['want_modified_args'])}, got ${JSON.stringify(d.modifiedArgs ?? null)}`);
  if (isObj(c['want_approval'])) {
    const w = c['want_approval'];
    const a = d.approval;
    const got = a === undefined ? null : { approvers: a.approvers, timeout_ms: a.timeoutMs, on_timeout: a.onTimeout };
    if (canonicalJson(got) !== canonicalJson(w)) failures.push(`approval: want ${JSON.stringify(w)}, got ${JSON.stringify(got)}`);
  }
  if (c['want_shadow'] !== undefined && !sameList(d.shadow.map((s) => s.ruleId), c['want_shadow'])) failures.push(`shadow: want ${JSON.stringify(c['want_shadow'])}, got ${JSON.stringify(d.shadow.map((s) => s.ruleId))}`);
  if (c['want_no_shadow'] === true && d.shadow.length > 0) failures.push(`shadow: want none, got ${JSON.stringify(d.shadow)}`);
  if (c['want_alerts'] !== undefined && !sameList(d.alerts ?? [], c['want_alerts'])) failures.push(`alerts: want ${JSON.stringify(c['want_alerts'])}, got ${JSON.stringify(d.alerts ?? [])}`);
}

function runCompileCase(file: string, c: Obj, failures: string[]): void {
  const text = String(c['bundle_text']);
  const { bundle, problems } = compileBundle([{ path: 'bundle_text', text }]);
  const want = c['want_error_code'];
  if (want === undefined) {
    if (bundle === undefined) failures.push(`bundle_text did not compile: ${problems.map((p) => `${p.code} ${p.message}`).join('; ')}`);
    return;
  }
  const hit = problems.find((p) => p.code === want);
  if (hit === undefined) {
    failures.push(`want problem ${String(want)}, got ${problems.map((p) => p.code).join(', ') || 'none'}${bundle !== undefined ? ' (bundle compiled)' : ''}`);
    return;
  }
  if (typeof c['want_problem_line'] === 'number' && hit.location?.line !== c['want_problem_line']) {
    failures.push(`problem ${hit.code} at line ${hit.location?.line ?? '?'}, want line ${c['want_problem_line']}`);
  }
  void file;
}

/** Runs one golden file. Never throws on bad content: problems come back as data. */
export function runGoldenFile(file: string, readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): GoldenReport {
  const empty = { file, results: [], rules: [], covered: [] };
  let doc: unknown;
  try {
    doc = parse(readText(file));
  } catch (e) {
    return { ...empty, problems: [golden(file, `not readable YAML: ${(e as Error).message}`)] };
  }
  if (!isObj(doc)) return { ...empty, problems: [golden(file, 'a golden file must be a map')] };
  const unknown = Object.keys(doc).filter((k) => !GOLDEN_KEYS.has(k));
  if (unknown.length > 0) return { ...empty, problems: [golden(file, `unknown keys: ${unknown.join(', ')}`)] };
  const cases = Array.isArray(doc['cases']) ? (doc['cases'] as unknown[]) : [];
  if (cases.length === 0) return { ...empty, problems: [golden(file, 'no cases')] };

  let bundle: PolicyBundle | undefined;
  const layerPaths = typeof doc['bundle'] === 'string' ? [doc['bundle']] : Array.isArray(doc['bundle']) ? (doc['bundle'] as string[]) : [];
  if (layerPaths.length > 0) {
    const sources: PolicySource[] = layerPaths.map((p) => {
      const abs = resolve(dirname(file), p);
      return { path: abs, text: readText(abs) };
    });
    const compiled = compileBundle(sources);
    if (compiled.bundle === undefined) return { ...empty, problems: compiled.problems };
    bundle = compiled.bundle;
  }
  const defaults = isObj(doc['defaults']) ? doc['defaults'] : {};
  const dProposal = isObj(defaults['proposal']) ? defaults['proposal'] : {};
  const dFacts = isObj(defaults['facts']) ? defaults['facts'] : {};
  const covered = new Set<string>();
  const results: CaseResult[] = [];
  for (const raw of cases) {
    const c: Obj = isObj(raw) ? raw : {};
    const note = typeof c['note'] === 'string' ? c['note'] : '(no note)';
    const failures: string[] = [];
    const bad = Object.keys(c).filter((k) => !CASE_KEYS.has(k));
    if (bad.length > 0) failures.push(`unknown case keys: ${bad.join(', ')}`);
    if (c['bundle_text'] !== undefined) {
      runCompileCase(file, c, failures);
      results.push({ file, note, pass: failures.length === 0, failures });
      continue;
    }
    if (bundle === undefined) {
      results.push({ file, note, pass: false, failures: ['no bundle: set bundle: at the top of the file or bundle_text: in the case'] });
      continue;
    }
    const proposal = proposalFrom({ ...dProposal, ...(isObj(c['proposal']) ? c['proposal'] : {}) });
    const facts = factsFrom({ ...dFacts, ...(isObj(c['facts']) ? c['facts'] : {}) });
    const now = nowFrom(c['now'] ?? defaults['now']);
    const d = evaluate(bundle, proposal, facts, now);
    const repeat = typeof c['repeat'] === 'number' ? c['repeat'] : 2;
    const first = JSON.stringify(d);
    for (let i = 1; i < repeat; i++) {
      const again = JSON.stringify(evaluate(bundle, proposal, facts, now));
      if (again !== first) {
        failures.push(`run ${i + 1} of ${repeat} gave a different decision: ${again}`);
        break;
      }
    }
    checkDecision(d, c, failures);
    for (const id of d.ruleIds) covered.add(id);
    for (const s of d.shadow) covered.add(s.ruleId);
    results.push({ file, note, pass: failures.length === 0, failures, decision: d });
  }
  const rules = bundle === undefined ? [] : [...new Set(bundle.rules.map((r) => r.id))];
  return { file, results, problems: [], rules, covered: rules.filter((r) => covered.has(r)) };
}
