// Deterministic generator of benchmark policies and proposals from a seed.
// A policy of N rules = a few global rules (every tool) + per-tool rules spread evenly over about N/5 tools, so the
// 20- and 200-rule policies have the same mix of rule kinds and differ only in size.

import { seededRandom } from '../seeded-random.ts';
import type { BenchCase, CaseFacts, Check, Condition, PolicySpec, RuleSpec, ToolSpec } from './spec.ts';


/** Default density: about five rules per tool, a typical hand-written policy. */
export const DEFAULT_RULES_PER_TOOL = 5;
/** Every BLOCKED_EVERY-th tool is blocked outright by an unconditional deny rule. */
const BLOCKED_EVERY = 8;
const MODES = ['read', 'list', 'search', 'summarise', 'export', 'delete'] as const;
const PATH_PREFIXES = ['/etc/', '/root/', '/var/secrets/', '/proc/'] as const;
const EMAIL_SUFFIXES = ['@evil.example', '@paste.example', '@dropbox.example'] as const;
export const PII_LABEL = 'pii';
export const GLOBAL_RATE_LIMIT = 120;
export const GLOBAL_PII_LIMIT = 5000;
/** Chance that a generated call has a bad argument (one failing its rule's check). */
const BAD_ARG_CHANCE = 0.4;

/** The kinds of per-tool deny rule, taken in rotation (offset by tool index) so tools differ. */
type DenyKind = 'enum' | 'amount' | 'path' | 'recipientSuffix' | 'destinations' | 'taintedDestinations' | 'piiEgress';
const DENY_KINDS: readonly DenyKind[] = [
  'enum', 'amount', 'path', 'destinations', 'taintedDestinations', 'recipientSuffix', 'piiEgress',
];

const cond = (check: Check, negated = false): Condition => ({ check, negated });

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  const x = xs[Math.floor(rnd() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

function destinationsFor(tool: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${tool}-peer${i}@corp.example`);
}

/** Builds one deny rule of the given kind for a tool; returns the rule and the argument it reads (if any). */
function denyRule(kind: DenyKind, tool: string, id: string, argName: (base: string) => string, rnd: () => number):
  { rule: RuleSpec; arg?: string } {
  switch (kind) {
    case 'enum': {
      const arg = argName('mode');
      const values = MODES.filter(() => rnd() < 0.6).slice(0, 4);
      const allowed = values.length > 0 ? values : ['read'];
      return { arg, rule: { id, tool, effect: 'deny', description: `${arg} must be one of ${allowed.join(', ')}`,
        when: [cond({ kind: 'oneOf', arg, values: allowed, list: 'enum' }, true)] } };
    }
    case 'amount': {
      const arg = argName('amount');
      const limit = 100 * (1 + Math.floor(rnd() * 50));
      return { arg, rule: { id, tool, effect: 'deny', description: `${arg} above ${limit}`,
        when: [cond({ kind: 'above', arg, limit })] } };
    }
    case 'path': {
      const arg = argName('path');
      const text = pick(rnd, PATH_PREFIXES);
      return { arg, rule: { id, tool, effect: 'deny', description: `${arg} under ${text}`,
        when: [cond({ kind: 'pattern', arg, shape: 'prefix', text })] } };
    }
    case 'recipientSuffix': {
      const arg = argName('recipient');
      const text = pick(rnd, EMAIL_SUFFIXES);
      return { arg, rule: { id, tool, effect: 'deny', description: `${arg} ends with ${text}`,
        when: [cond({ kind: 'pattern', arg, shape: 'suffix', text })] } };
    }
    case 'destinations': {
      const arg = argName('to');
      const values = destinationsFor(tool, 3 + Math.floor(rnd() * 6));
      return { arg, rule: { id, tool, effect: 'deny', description: `${arg} not on the allow-list`,
        when: [cond({ kind: 'oneOf', arg, values, list: 'destinations' }, true)] } };
    }
    case 'taintedDestinations': {
      const arg = argName('to');
      const values = destinationsFor(tool, 2 + Math.floor(rnd() * 4));
      return { arg, rule: { id, tool, effect: 'deny', description: `tainted session sending to ${arg} off the allow-list`,
        when: [cond({ kind: 'tainted' }), cond({ kind: 'oneOf', arg, values, list: 'destinations' }, true)] } };
    }
    case 'piiEgress': {
      const limit = 10 * (1 + Math.floor(rnd() * 20));
      return { rule: { id, tool, effect: 'deny', description: `more than ${limit} ${PII_LABEL} records read`,
        when: [cond({ kind: 'recordsAbove', label: PII_LABEL, limit })] } };
    }
  }
}

/**
 * A policy of exactly ruleCount rules (ruleCount ≥ 4), about rulesPerTool of them per tool. A high rulesPerTool
 * (all rules on few tools) takes away the advantage a per-tool rule index has.
 */
export function generatePolicy(ruleCount: number, seed: number, rulesPerTool = DEFAULT_RULES_PER_TOOL): PolicySpec {
  if (!Number.isInteger(ruleCount) || ruleCount < 4) throw new Error(`ruleCount must be an integer ≥ 4, got ${ruleCount}`);
  if (!Number.isInteger(rulesPerTool) || rulesPerTool < 1) throw new Error(`rulesPerTool must be a positive integer, got ${rulesPerTool}`);
  const rnd = seededRandom(seed);
  const rules: RuleSpec[] = [
    { id: 'g_rate', tool: '*', effect: 'deny', description: `more than ${GLOBAL_RATE_LIMIT} calls per minute`,
      when: [cond({ kind: 'rateAbove', limit: GLOBAL_RATE_LIMIT })] },
    { id: 'g_pii', tool: '*', effect: 'deny', description: `more than ${GLOBAL_PII_LIMIT} ${PII_LABEL} records read`,
      when: [cond({ kind: 'recordsAbove', label: PII_LABEL, limit: GLOBAL_PII_LIMIT })] },
  ];
  const perTool = ruleCount - rules.length;
  const toolCount = Math.max(1, Math.round(perTool / rulesPerTool));
  const tools: ToolSpec[] = [];
  for (let t = 0; t < toolCount; t++) {
    const name = `tool_${String(t).padStart(3, '0')}`;
    const budget = Math.floor(perTool / toolCount) + (t < perTool % toolCount ? 1 : 0);
    const args: string[] = [];
    const argName = (base: string): string => {
      const n = args.filter((a) => a === base || a.startsWith(`${base}_`)).length;
      const name = n === 0 ? base : `${base}_${n + 1}`;
      args.push(name);
      return name;
    };
    const blocked = t % BLOCKED_EVERY === BLOCKED_EVERY - 1;
    rules.push(blocked
      ? { id: `r${t}_0`, tool: name, effect: 'deny', description: `${name} is blocked`, when: [] }
      : { id: `r${t}_0`, tool: name, effect: 'allow', description: `${name} is allowed`, when: [] });
    for (let k = 1; k < budget; k++) {
      const kind = DENY_KINDS[(t + k - 1) % DENY_KINDS.length] ?? 'enum';
      rules.push(denyRule(kind, name, `r${t}_${k}`, argName, rnd).rule);
    }
    tools.push({ name, args });
  }
  return { ruleCount: rules.length, tools, rules };
}

/** A value for one argument that passes (bad = false) or fails (bad = true) the check the tool's rules make on it. */
function argValue(spec: PolicySpec, tool: string, arg: string, bad: boolean, rnd: () => number): string | number {
  const checks = spec.rules
    .filter((r) => r.tool === tool)
    .flatMap((r) => r.when.map((c) => c.check))
    .filter((c) => 'arg' in c && c.arg === arg);
  const check = checks[0];
  if (check === undefined) throw new Error(`argument ${arg} of ${tool} is read by no rule`);
  switch (check.kind) {
    case 'oneOf':
      if (bad) return check.list === 'enum' ? 'format_disk' : `stranger${Math.floor(rnd() * 9)}@unknown.example`;
      return pick(rnd, check.values);
    case 'above': {
      // Boundary values (limit, limit + 1) are over-represented so an off-by-one in any engine shows up.
      const edge = rnd() < 0.25;
      if (bad) return edge ? check.limit + 1 : check.limit + 1 + Math.floor(rnd() * check.limit);
      return edge ? check.limit : Math.floor(rnd() * (check.limit + 1));
    }
    case 'pattern':
      if (check.shape === 'prefix') return bad ? `${check.text}passwd` : `/home/u${Math.floor(rnd() * 99)}/notes.txt`;
      return bad ? `exfil${check.text}` : `colleague${Math.floor(rnd() * 99)}@corp.example`;
    default:
      throw new Error(`check ${check.kind} reads no argument`);
  }
}

function caseFacts(rnd: () => number): CaseFacts {
  const rateRoll = rnd();
  const ratePerMinute = rateRoll < 0.04 ? GLOBAL_RATE_LIMIT + 1 : rateRoll < 0.08 ? GLOBAL_RATE_LIMIT : Math.floor(rnd() * 60);
  const piiRoll = rnd();
  const pii = piiRoll < 0.6 ? 0 : piiRoll < 0.95 ? Math.floor(rnd() * 250) : piiRoll < 0.97 ? GLOBAL_PII_LIMIT : GLOBAL_PII_LIMIT + 1;
  return { tainted: rnd() < 0.25, ratePerMinute, readRecords: { [PII_LABEL]: pii } };
}

/** count proposals over the policy's tools (about 3% for a tool no rule names), each with its own session facts. */
export function generateCases(spec: PolicySpec, count: number, seed: number): BenchCase[] {
  const rnd = seededRandom(seed);
  const cases: BenchCase[] = [];
  for (let i = 0; i < count; i++) {
    const facts = caseFacts(rnd);
    if (rnd() < 0.03) {
      cases.push({ tool: 'unlisted_tool', args: {}, facts });
      continue;
    }
    const tool = pick(rnd, spec.tools);
    // At most one or two bad arguments per call, whatever the tool's rule count, so the allow/deny mix does not
    // depend on how many rules a tool has.
    const badArgs = new Set<string>();
    if (tool.args.length > 0 && rnd() < BAD_ARG_CHANCE) badArgs.add(pick(rnd, tool.args));
    if (tool.args.length > 0 && rnd() < BAD_ARG_CHANCE / 4) badArgs.add(pick(rnd, tool.args));
    const args: Record<string, string | number> = {};
    for (const arg of tool.args) args[arg] = argValue(spec, tool.name, arg, badArgs.has(arg), rnd);
    cases.push({ tool: tool.name, args, facts });
  }
  return cases;
}
