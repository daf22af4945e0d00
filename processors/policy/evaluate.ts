// evaluate(bundle, proposal, facts, nowMs) -> Decision. Pure and synchronous: no parsing, no I/O, no clock.
// It looks the tool up in the bundle index and runs only that tool's rules (wildcard rules were merged in at
// compile time); an undeclared tool runs the wildcard rules that match its name.
//
// Combining (enforce-mode rules that fire):
//   1. any deny                        -> deny
//   2. no allow fired and default deny -> deny (modify and escalate rules never grant on their own)
//   3. any escalate                    -> escalate (with the modifications, if any, for the approved call)
//   4. any modify that changed a value -> modify, with the modified args
//   5. otherwise                       -> allow
// warn/observe rules that fire are recorded in `shadow` with what they would have done; they never change the effect.
// A proposal argument of the wrong type (tool declaration or operator) denies with ARB_POLICY_ARG_TYPE.

import type { Args, ArgValue, Decision, Effect, Modification, SessionFacts, ShadowOutcome, ToolCallProposal } from '../core/types.ts';
import type { ArgType, CompiledRule, EvalContext, PolicyBundle, ToolRules } from './model.ts';
import { applyAt } from './modifications.ts';

const NONE: readonly never[] = Object.freeze([]);
const VERB: Readonly<Record<Effect, string>> = { allow: 'allowed', deny: 'denied', modify: 'modified', escalate: 'needs approval' };

function reasonFor(rule: CompiledRule, effect: Effect, ctx: EvalContext): string {
  const tool = ctx.proposal.tool;
  const why =
    rule.message ??
    (rule.when !== undefined
      ? rule.when.explain(ctx)
      : effect === 'modify'
        ? rule.modifications.map((m) => m.detail).join('; ')
        : `tool ${tool} is in ${rule.toolsText}`);
  return `${tool} ${VERB[effect]}: ${why} (rule ${rule.id})`;
}

function typeOf(v: ArgValue): ArgType | 'null' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as ArgType;
}

function argTypeError(tr: ToolRules, args: Args): string | undefined {
  const checks = tr.argChecks;
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    const v = args[c.name];
    if (v === undefined) {
      if (c.required) return `argument ${c.name} is required by the tool declaration`;
      continue;
    }
    const t = typeOf(v);
    if (t === c.type || (c.type === 'number' && t === 'integer')) continue;
    return `argument ${c.name} must be ${c.type}, got ${t}`;
  }
  return undefined;
}

function errorDecision(bundle: PolicyBundle, reason: string, code: string): Decision {
  return {
    effect: 'deny', ruleIds: NONE, reasons: [reason], modifications: NONE, shadow: NONE,
    bundleRevision: bundle.revision, factsUsed: NONE, errorCode: code,
  };
}

export function evaluate(bundle: PolicyBundle, proposal: ToolCallProposal, facts: SessionFacts, nowMs: number): Decision {
  const tr = bundle.index.get(proposal.tool);
  const rules = tr === undefined ? bundle.wildcardRules : tr.rules;
  // Unknown = neither declared under tools: nor named literally by any rule (then it has no index entry).
  const unknownTool = tr === undefined;
  if (tr !== undefined && tr.argChecks.length > 0) {
    const bad = argTypeError(tr, proposal.args);
    if (bad !== undefined) return errorDecision(bundle, `${proposal.tool} denied: ${bad}`, 'ARB_POLICY_ARG_TYPE');
  }
  const ctx: EvalContext = { proposal, facts, nowMs, tool: tr?.meta, typeError: undefined, onTask: undefined };

  let denies: CompiledRule[] | undefined;
  let allows: CompiledRule[] | undefined;
  let escalates: CompiledRule[] | undefined;
  let modifies: CompiledRule[] | undefined;
  let shadow: ShadowOutcome[] | undefined;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (tr === undefined && !r.matchesTool(proposal.tool)) continue;
    if (r.scoped && !r.matchesScope(proposal)) continue;
    if (r.when !== undefined && !r.when.test(ctx)) {
      if (ctx.typeError !== undefined) break;
      continue;
    }
    if (ctx.typeError !== undefined) break;
    if (r.mode !== 'enforce') {
      (shadow ??= []).push({ ruleId: r.id, mode: r.mode, effect: r.effect, reason: reasonFor(r, r.effect, ctx) });
      continue;
    }
    switch (r.effect) {
      case 'deny': (denies ??= []).push(r); break;
      case 'allow': (allows ??= []).push(r); break;
      case 'escalate': (escalates ??= []).push(r); break;
      case 'modify': (modifies ??= []).push(r); break;
    }
  }
  if (ctx.typeError !== undefined) return errorDecision(bundle, `${proposal.tool} denied: ${ctx.typeError}`, 'ARB_POLICY_ARG_TYPE');

  const unknownCode = unknownTool ? 'ARB_POLICY_UNKNOWN_TOOL' : undefined;
  const base = { bundleRevision: bundle.revision, shadow: shadow ?? NONE };
  if (denies !== undefined) {
    return decide('deny', denies, ctx, base, unknownCode);
  }
  if (allows === undefined && bundle.defaultEffect === 'deny') {
    const why = unknownTool
      ? `tool ${proposal.tool} is not declared in bundle ${bundle.name} and no rule allows it (default deny)`
      : `no rule in bundle ${bundle.name} allows it (default deny)`;
    return {
      effect: 'deny', ruleIds: NONE, reasons: [`${proposal.tool} denied: ${why}`], modifications: NONE,
      ...base, factsUsed: NONE, ...(unknownCode !== undefined ? { errorCode: unknownCode } : {}),
    };
  }
  // Modifications apply to allow, modify and escalate outcomes; a modify rule that changes nothing does not count.
  let modifiedArgs: Args | undefined;
  let modifications: Modification[] | undefined;
  let effective: CompiledRule[] | undefined;
  if (modifies !== undefined) {
    let args = proposal.args;
    for (const r of modifies) {
      let changed = false;
      for (const m of r.modifications) {
        const next = applyAt(args, m.segs, m.apply);
        if (next !== args) {
          args = next;
          changed = true;
          (modifications ??= []).push({ kind: m.kind, path: m.path, ruleId: r.id, detail: m.detail });
        }
      }
      if (changed) (effective ??= []).push(r);
    }
    if (modifications !== undefined) modifiedArgs = args;
  }
  const granting = allows ?? NONE;
  if (escalates !== undefined) {
    const first = escalates[0]!;
    const d = decide('escalate', [...granting, ...(effective ?? NONE), ...escalates], ctx, base, unknownCode);
    d.modifications = modifications ?? NONE;
    if (modifiedArgs !== undefined) d.modifiedArgs = modifiedArgs;
    d.approval = { ...first.approval!, ruleId: first.id };
    return d;
  }
  if (effective !== undefined) {
    const d = decide('modify', [...granting, ...effective], ctx, base, unknownCode);
    d.modifications = modifications ?? NONE;
    d.modifiedArgs = modifiedArgs!;
    return d;
  }
  if (granting.length === 0) {
    return {
      effect: 'allow', ruleIds: NONE, reasons: [`${proposal.tool} allowed: bundle ${bundle.name} allows by default`],
      modifications: NONE, ...base, factsUsed: NONE, ...(unknownCode !== undefined ? { errorCode: unknownCode } : {}),
    };
  }
  return decide('allow', granting, ctx, base, unknownCode);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function decide(
  effect: Effect,
  fired: readonly CompiledRule[],
  ctx: EvalContext,
  base: { bundleRevision: string; shadow: readonly ShadowOutcome[] },
  errorCode: string | undefined,
): Mutable<Decision> {
  const ruleIds: string[] = [];
  const reasons: string[] = [];
  let factsUsed: readonly string[] = NONE;
  let alerts: string[] | undefined;
  for (let i = 0; i < fired.length; i++) {
    const r = fired[i]!;
    ruleIds.push(r.id);
    reasons.push(reasonFor(r, r.effect, ctx));
    if (r.facts.length > 0) factsUsed = factsUsed.length === 0 ? r.facts : [...new Set([...factsUsed, ...r.facts])];
    if (r.alert) (alerts ??= []).push(r.id);
  }
  const d: Mutable<Decision> = {
    effect, ruleIds, reasons, modifications: NONE, bundleRevision: base.bundleRevision, shadow: base.shadow, factsUsed,
  };
  if (alerts !== undefined) d.alerts = alerts;
  if (errorCode !== undefined) d.errorCode = errorCode;
  return d;
}
