// Stage "lint": warnings about rules that cannot matter. Depends on: compile-rules, declare-tools.
// - ARB_POLICY_UNSATISFIABLE: the condition can never hold (in: [], gt 10 and lt 5, eq a and eq b), or the rule's
//   own scope and its layer's scope exclude each other (environments [prod] inside a layer for [dev]).
// - ARB_POLICY_SHADOWED: an earlier enforce deny with no condition and the same or wider scope covers every tool the
//   rule names, or an earlier rule is identical (tools, scope, condition, effect).
// - ARB_POLICY_CONFLICT: same tools, scope and condition as an earlier rule but a different effect.
// - ARB_POLICY_NO_SUCH_TOOL: a literal tool name in a rule or intent that the bundle does not declare, or a
//   pattern that matches none of the declared tools (a typo such as tickt.*).

import type { Problem } from '../core/errors.ts';
import type { CompiledRule, ToolMeta } from './model.ts';
import { isGlob } from './matchers.ts';
import type { Pos } from './reader.ts';

function at(code: Problem['code'], message: string, location: string): Problem {
  const m = /^(.*):(\d+):(\d+)$/.exec(location);
  return {
    code, message, severity: 'warning',
    location: m === null ? { file: location } : { file: m[1] ?? '', line: Number(m[2]), col: Number(m[3]) },
  };
}

export function lintRules(
  rules: readonly (CompiledRule & { readonly unsat: boolean })[],
  tools: ReadonlyMap<string, ToolMeta>,
  intents: ReadonlyMap<string, { readonly patterns: readonly string[]; readonly pos: Pos }>,
): Problem[] {
  const out: Problem[] = [];
  const declared = tools.size > 0;
  const key = (r: CompiledRule): string => `${[...r.toolPatterns].sort().join(',')}|${r.scopeText}|${r.when?.text ?? ''}|${r.mode}`;
  const seen = new Map<string, CompiledRule>();
  rules.forEach((r, i) => {
    if (r.unsat) out.push(at('ARB_POLICY_UNSATISFIABLE', `rule ${r.id} can never match: ${r.when?.text ?? `scope ${r.scopeText}`}`, r.location));
    if (declared) {
      for (const p of r.toolPatterns) {
        if (!isGlob(p) && !tools.has(p)) out.push(at('ARB_POLICY_NO_SUCH_TOOL', `rule ${r.id} names tool "${p}", which the bundle does not declare under tools:`, r.location));
        if (isGlob(p) && p !== '*' && ![...tools.keys()].some((t) => r.matchesTool(t))) {
          out.push(at('ARB_POLICY_NO_SUCH_TOOL', `rule ${r.id}: pattern "${p}" matches no tool the bundle declares`, r.location));
        }
      }
    }
    const k = key(r);
    const twin = seen.get(k);
    if (twin !== undefined) {
      if (twin.effect === r.effect) out.push(at('ARB_POLICY_SHADOWED', `rule ${r.id} repeats rule ${twin.id} (same tools, scope and condition)`, r.location));
      else out.push(at('ARB_POLICY_CONFLICT', `rule ${r.id} (${r.effect}) and rule ${twin.id} (${twin.effect}) have the same tools, scope and condition; ${r.effect === 'deny' || twin.effect === 'deny' ? 'deny' : 'the higher precedence'} wins`, r.location));
    } else seen.set(k, r);
    if (r.mode !== 'enforce' || twin !== undefined) return;
    for (let j = 0; j < i; j++) {
      const d = rules[j]!;
      if (d.mode !== 'enforce' || d.effect !== 'deny' || d.when !== undefined || d.scopeText !== '*') continue;
      const covered = r.toolPatterns.length > 0 && r.toolPatterns.every((p) => d.toolPatterns.includes(p) || (!isGlob(p) && d.matchesTool(p)) || d.toolPatterns.includes('*'));
      if (covered) {
        out.push(at('ARB_POLICY_SHADOWED', `rule ${r.id} can never change a decision: rule ${d.id} always denies ${r.toolPatterns.join(', ')}`, r.location));
        break;
      }
    }
  });
  if (declared) {
    for (const [name, { patterns, pos }] of intents) {
      for (const p of patterns) {
        if (!isGlob(p) && !tools.has(p)) {
          out.push({ code: 'ARB_POLICY_NO_SUCH_TOOL', severity: 'warning', message: `intent ${name} names tool "${p}", which the bundle does not declare`, location: { file: pos.file, line: pos.line, col: pos.col } });
        }
      }
    }
  }
  return out;
}
