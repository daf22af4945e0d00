// PolicySpec → Cedar policy text, and BenchCase → a statefulIsAuthorized request.
// Tools are Cedar actions (Action::"tool_000"); arguments and session facts are in the request context.
// Allow rules are permit policies, deny rules forbid policies: Cedar's own semantics (default deny, forbid
// overrides permit) equal the spec's, so no extra glue is needed.

import type { StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import type { BenchCase, Check, Condition, PolicySpec, RuleSpec } from './spec.ts';

const str = (s: string): string => JSON.stringify(s);
/** A `like` pattern literal: * is the only wildcard, so literal * and \ are escaped. */
const likeLiteral = (s: string): string => JSON.stringify(s).slice(1, -1).replaceAll('*', '\\*');

function checkExpr(check: Check): string {
  switch (check.kind) {
    case 'oneOf': return `[${check.values.map(str).join(', ')}].contains(context.args.${check.arg})`;
    case 'above': return `context.args.${check.arg} > ${check.limit}`;
    case 'pattern': return check.shape === 'prefix'
      ? `context.args.${check.arg} like "${likeLiteral(check.text)}*"`
      : `context.args.${check.arg} like "*${likeLiteral(check.text)}"`;
    case 'tainted': return 'context.session.tainted';
    case 'rateAbove': return `context.session.ratePerMinute > ${check.limit}`;
    case 'recordsAbove': return `context.session.readRecords.${check.label} > ${check.limit}`;
  }
}

const conditionExpr = (c: Condition): string => (c.negated ? `!(${checkExpr(c.check)})` : checkExpr(c.check));

function ruleText(rule: RuleSpec): string {
  const action = rule.tool === '*' ? 'action' : `action == Action::${str(rule.tool)}`;
  const head = `@id(${str(rule.id)})\n${rule.effect === 'allow' ? 'permit' : 'forbid'} (principal, ${action}, resource)`;
  return rule.when.length === 0 ? `${head};` : `${head}\nwhen { ${rule.when.map(conditionExpr).join(' && ')} };`;
}

export function toCedar(spec: PolicySpec): string {
  return spec.rules.map(ruleText).join('\n\n') + '\n';
}

/** Every request names the same agent and a resource per tool; the interesting data is in the context. */
export function cedarRequest(c: BenchCase, policySetId: string): StatefulAuthorizationCall {
  return {
    principal: { type: 'Agent', id: 'agent-1' },
    action: { type: 'Action', id: c.tool },
    resource: { type: 'Tool', id: c.tool },
    context: {
      args: { ...c.args },
      session: { tainted: c.facts.tainted, ratePerMinute: c.facts.ratePerMinute, readRecords: { ...c.facts.readRecords } },
    },
    preparsedPolicySetId: policySetId,
    entities: [],
  };
}
