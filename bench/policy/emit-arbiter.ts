// PolicySpec → an Arbiter policy bundle (YAML, docs/policy-language.md), and BenchCase → proposal + session facts.
// default: deny, allow/deny rules, tool metadata declared once per tool, destination allow-lists as named lists.

import { stringify } from 'yaml';
import { EMPTY_FACTS, type SessionFacts, type ToolCallProposal } from '../../processors/core/types.ts';
import { patternRegex } from './patterns.ts';
import type { BenchCase, Check, Condition, PolicySpec, RuleSpec } from './spec.ts';

/** Session fact paths in the policy language. */
const FACT_TAINTED = 'session.tainted';
const FACT_RATE = 'session.rate.session';
const factRecords = (label: string): string => `session.read.records{label=${label}}`;

const listName = (ruleId: string): string => `${ruleId}_allowed`;

type YamlCondition = Readonly<Record<string, unknown>>;

function checkCondition(check: Check, negated: boolean, ruleId: string): YamlCondition {
  const wrap = (c: YamlCondition): YamlCondition => (negated ? { not: c } : c);
  switch (check.kind) {
    case 'oneOf': {
      const values = check.list === 'destinations' ? { list: listName(ruleId) } : [...check.values];
      return { [`args.${check.arg}`]: negated ? { not_in: values } : { in: values } };
    }
    case 'above': return wrap({ [`args.${check.arg}`]: { gt: check.limit } });
    case 'pattern': return { [`args.${check.arg}`]: negated ? { not_matches: patternRegex(check) } : { matches: patternRegex(check) } };
    case 'tainted': return { [FACT_TAINTED]: !negated };
    case 'rateAbove': return wrap({ [FACT_RATE]: { gt: check.limit } });
    case 'recordsAbove': return wrap({ [factRecords(check.label)]: { gt: check.limit } });
  }
}

function ruleYaml(rule: RuleSpec): Record<string, unknown> {
  const conds = rule.when.map((c: Condition) => checkCondition(c.check, c.negated, rule.id));
  const out: Record<string, unknown> = { id: rule.id, description: rule.description, tools: rule.tool, effect: rule.effect };
  if (conds.length === 1) out['when'] = conds[0];
  if (conds.length > 1) out['when'] = { all: conds };
  return out;
}

export function toArbiterYaml(spec: PolicySpec): string {
  const lists: Record<string, string[]> = {};
  for (const rule of spec.rules) {
    for (const { check } of rule.when) if (check.kind === 'oneOf' && check.list === 'destinations') lists[listName(rule.id)] = [...check.values];
  }
  const argType = (tool: string, arg: string): string =>
    spec.rules.some((r) => r.tool === tool && r.when.some((c) => c.check.kind === 'above' && c.check.arg === arg)) ? 'integer' : 'string';
  const tools = Object.fromEntries(spec.tools.map((t) => [t.name, {
    verb: 'communicate',
    args: Object.fromEntries(t.args.map((a) => [a, argType(t.name, a)])),
  }]));
  return stringify({ bundle: `bench-${spec.ruleCount}`, default: 'deny', lists, tools, rules: spec.rules.map(ruleYaml) }, { lineWidth: 0 });
}

/** A fixed time: the benchmark's decisions do not depend on it, but evaluate() takes it. */
export const BENCH_NOW_MS = Date.UTC(2026, 0, 1);

export function arbiterProposal(c: BenchCase, i: number): ToolCallProposal {
  return {
    proposalId: `p-${i}`, sessionId: `s-${i % 50}`, agentId: 'agent-1', userId: 'user-1', tenantId: 'tenant-1',
    agentRole: 'assistant', environment: 'prod', tool: c.tool, args: c.args, intent: '',
    replyTopic: 'arbiter.verdicts', replyPartition: 0, deadlineMs: BENCH_NOW_MS + 60_000, createdAtMs: BENCH_NOW_MS,
  };
}

export function arbiterFacts(c: BenchCase): SessionFacts {
  const rate = c.facts.ratePerMinute;
  return { ...EMPTY_FACTS, tainted: c.facts.tainted, readRecords: c.facts.readRecords, ratePerMinute: { session: rate, agent: rate, tenant: rate } };
}
