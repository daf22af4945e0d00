// PolicySpec → a Rego (v1 syntax) module, and BenchCase → the OPA input document.
// `deny_rules` collects the ids of every deny rule that fires (as Cedar reports its determining policies);
// `allow` is the spec's default-deny combination. Rules start with `input.tool == "…"` so OPA's rule index
// can skip the other tools' rules, the same advantage Arbiter's tool index has.

import { patternRegex } from './patterns.ts';
import type { BenchCase, Check, Condition, PolicySpec, RuleSpec } from './spec.ts';

export const REGO_PACKAGE = 'arbiter.bench';
export const REGO_QUERY = `data.${REGO_PACKAGE}.allow`;

const str = (s: string): string => JSON.stringify(s);

function checkExpr(check: Check): string {
  switch (check.kind) {
    case 'oneOf': return `input.args.${check.arg} in {${check.values.map(str).join(', ')}}`;
    case 'above': return `input.args.${check.arg} > ${check.limit}`;
    case 'pattern': return `regex.match(${str(patternRegex(check))}, input.args.${check.arg})`;
    case 'tainted': return 'input.session.tainted';
    case 'rateAbove': return `input.session.ratePerMinute > ${check.limit}`;
    case 'recordsAbove': return `input.session.readRecords.${check.label} > ${check.limit}`;
  }
}

const conditionExpr = (c: Condition): string => (c.negated ? `not ${checkExpr(c.check)}` : checkExpr(c.check));

function ruleText(rule: RuleSpec): string {
  const body = [
    ...(rule.tool === '*' ? [] : [`input.tool == ${str(rule.tool)}`]),
    ...rule.when.map(conditionExpr),
  ];
  const head = rule.effect === 'allow' ? 'allow_rules contains' : 'deny_rules contains';
  return body.length === 0 ? `${head} ${str(rule.id)}` : `${head} ${str(rule.id)} if {\n  ${body.join('\n  ')}\n}`;
}

export function toRego(spec: PolicySpec): string {
  return [
    `package ${REGO_PACKAGE}`,
    '',
    'default allow := false',
    '',
    'allow if {',
    '  count(allow_rules) > 0',
    '  count(deny_rules) == 0',
    '}',
    '',
    ...spec.rules.map(ruleText).flatMap((r) => [r, '']),
  ].join('\n');
}

export interface RegoInput {
  readonly tool: string;
  readonly args: Readonly<Record<string, string | number>>;
  readonly session: { readonly tainted: boolean; readonly ratePerMinute: number; readonly readRecords: Readonly<Record<string, number>> };
}

export function regoInput(c: BenchCase): RegoInput {
  return { tool: c.tool, args: c.args, session: { tainted: c.facts.tainted, ratePerMinute: c.facts.ratePerMinute, readRecords: c.facts.readRecords } };
}
