// The reference meaning of a PolicySpec: plain, obviously-correct TypeScript that every engine must agree with.
// Not timed; it only decides what the right answer is for the equivalence check.

import type { BenchCase, Check, Condition, PolicySpec, RuleSpec, Verdict } from './spec.ts';

function checkHolds(check: Check, c: BenchCase): boolean {
  switch (check.kind) {
    case 'oneOf': return check.values.includes(String(c.args[check.arg]));
    case 'above': return Number(c.args[check.arg]) > check.limit;
    case 'pattern': {
      const v = String(c.args[check.arg]);
      return check.shape === 'prefix' ? v.startsWith(check.text) : v.endsWith(check.text);
    }
    case 'tainted': return c.facts.tainted;
    case 'rateAbove': return c.facts.ratePerMinute > check.limit;
    case 'recordsAbove': return (c.facts.readRecords[check.label] ?? 0) > check.limit;
  }
}

const conditionHolds = (cond: Condition, c: BenchCase): boolean => checkHolds(cond.check, c) !== cond.negated;

export function ruleFires(rule: RuleSpec, c: BenchCase): boolean {
  return (rule.tool === '*' || rule.tool === c.tool) && rule.when.every((cond) => conditionHolds(cond, c));
}

/** Default deny: allowed when an allow rule fires and no deny rule does. */
export function oracleDecide(spec: PolicySpec, c: BenchCase): Verdict {
  const fired = spec.rules.filter((r) => ruleFires(r, c));
  return fired.some((r) => r.effect === 'allow') && !fired.some((r) => r.effect === 'deny') ? 'allow' : 'deny';
}
