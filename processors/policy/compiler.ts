// compileBundle: policy sources -> an immutable PolicyBundle, through named stages run in order.
// Each stage lists what it depends on; a stage runs only when the stages before it produced no errors.
// Errors and warnings are data (code + file:line:col), collected across all sources, never thrown.

import type { Problem } from '../core/errors.ts';
import type { Effect, RuleMode, Verb } from '../core/types.ts';
import {
  DEFAULT_COMPILE_OPTIONS,
  type ArgDecl, type ArgType, type CompileOptions, type CompileResult, type CompiledModification, type CompiledRule,
  type DestinationKind, type PolicyBundle, type PolicySource, type Scope, type SideEffect, type ToolMeta, type ToolRules,
} from './model.ts';
import { entry, formatPos, problemAt, readYaml, toPlain, type YMap, type YNode } from './reader.ts';
import { checkSchema } from './schema-check.ts';
import { collect, strings, type Collected, type CollectedSource } from './collector.ts';
import { ConditionCompiler } from './conditions.ts';
import { compileModification } from './modifications.ts';
import { compileIntents } from './intents.ts';
import { compileGlob, isGlob } from './matchers.ts';
import { lintRules } from './lint.ts';
import { canonicalJson, deepFreeze, freezeMap, sha256Hex } from './seal.ts';

interface State {
  readonly options: Required<CompileOptions>;
  readonly sources: readonly PolicySource[];
  readonly problems: Problem[];
  read: CollectedSource[];
  collected?: Collected;
  tools: Map<string, ToolMeta>;
  rules: (CompiledRule & { readonly unsat: boolean })[];
  index: Map<string, ToolRules>;
  bundle?: PolicyBundle;
}

interface Stage {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly run: (s: State) => void;
}

/** The compiler pipeline, in order. Exported so `arbiter policy explain --stages` and the docs can list it. */
export const STAGES: readonly Stage[] = [
  { name: 'read', dependsOn: [], run: stageRead },
  { name: 'schema', dependsOn: ['read'], run: stageSchema },
  { name: 'collect', dependsOn: ['schema'], run: stageCollect },
  { name: 'declare-tools', dependsOn: ['collect'], run: stageTools },
  { name: 'compile-rules', dependsOn: ['collect', 'declare-tools'], run: stageRules },
  { name: 'lint', dependsOn: ['compile-rules', 'declare-tools'], run: stageLint },
  { name: 'index-tools', dependsOn: ['compile-rules', 'declare-tools'], run: stageIndex },
  { name: 'seal', dependsOn: ['index-tools', 'collect'], run: stageSeal },
];

export function compileBundle(sources: readonly PolicySource[], options: CompileOptions = {}): CompileResult {
  const state: State = {
    options: { ...DEFAULT_COMPILE_OPTIONS, ...options },
    sources,
    problems: [],
    read: [],
    tools: new Map(),
    rules: [],
    index: new Map(),
  };
  if (sources.length === 0) {
    return { problems: [{ code: 'ARB_POLICY_NO_SOURCES', message: 'no policy sources were given', severity: 'error' }] };
  }
  for (const stage of STAGES) {
    stage.run(state);
    if (state.problems.some((p) => p.severity === 'error')) return { problems: state.problems };
  }
  return state.bundle === undefined ? { problems: state.problems } : { bundle: state.bundle, problems: state.problems };
}

function stageRead(s: State): void {
  for (const src of s.sources) {
    const r = readYaml(src.path, src.text, s.options.maxSourceBytes, s.options.maxDepth);
    s.problems.push(...r.problems);
    if (r.root === undefined) continue;
    if (r.root.kind !== 'map') {
      s.problems.push(problemAt('ARB_POLICY_TYPE', 'a policy file must be a YAML map at the top level', r.root.pos));
      continue;
    }
    s.read.push({ file: src.path, root: r.root });
  }
}

function stageSchema(s: State): void {
  for (const src of s.read) s.problems.push(...checkSchema(src.root));
}

function stageCollect(s: State): void {
  s.collected = collect(s.read, s.problems);
}

function stageTools(s: State): void {
  for (const [name, { node }] of s.collected!.tools) s.tools.set(name, toolMeta(name, node));
}

function toolMeta(name: string, node: YMap): ToolMeta {
  const scalar = (k: string): YNode | undefined => entry(node, k)?.value;
  const destinations: Record<string, DestinationKind> = {};
  const dn = scalar('destinations');
  if (dn?.kind === 'map') for (const e of dn.entries) destinations[e.key] = String((e.value as { value: unknown }).value) as DestinationKind;
  const args: Record<string, ArgDecl> = {};
  const an = scalar('args');
  if (an?.kind === 'map') {
    for (const e of an.entries) {
      if (e.value.kind === 'scalar') args[e.key] = { type: String(e.value.value) as ArgType, required: false };
      else if (e.value.kind === 'map') {
        const req = entry(e.value, 'required')?.value;
        args[e.key] = {
          type: String((entry(e.value, 'type')?.value as { value: unknown }).value) as ArgType,
          required: req?.kind === 'scalar' && req.value === true,
        };
      }
    }
  }
  const sv = (k: string): unknown => (scalar(k)?.kind === 'scalar' ? (scalar(k) as { value: unknown }).value : undefined);
  return {
    name,
    verb: sv('verb') as Verb,
    sideEffect: (sv('side_effect') as SideEffect | undefined) ?? 'none',
    destinations,
    destinationArgs: Object.entries(destinations).map(([arg, kind]) => ({ arg, kind })),
    amounts: strings(scalar('amounts')),
    values: strings(scalar('values')),
    labels: strings(scalar('labels')),
    untrustedOutput: sv('untrusted_output') === true,
    cost: typeof sv('cost') === 'number' ? (sv('cost') as number) : 0,
    args,
  };
}

function scopeMatcher(scopes: readonly Scope[], unless: readonly Scope[]): (p: { agentRole: string; tenantId: string; userId: string; environment: string }) => boolean {
  const compileDim = (pats: readonly string[]): ((v: string) => boolean) | undefined => {
    if (pats.length === 0) return undefined;
    const gs = pats.map(compileGlob);
    return (v) => gs.some((g) => g(v));
  };
  const compileScope = (sc: Scope) => {
    const dims = [
      [compileDim(sc.roles), 'agentRole'],
      [compileDim(sc.tenants), 'tenantId'],
      [compileDim(sc.users), 'userId'],
      [compileDim(sc.environments), 'environment'],
    ].filter((d) => d[0] !== undefined) as [(v: string) => boolean, 'agentRole' | 'tenantId' | 'userId' | 'environment'][];
    return (p: Record<'agentRole' | 'tenantId' | 'userId' | 'environment', string>) => dims.every(([m, k]) => m(p[k]));
  };
  const must = scopes.map(compileScope);
  const mustNot = unless.map(compileScope);
  if (must.length === 0 && mustNot.length === 0) return () => true;
  return (p) => must.every((m) => m(p)) && !mustNot.some((m) => m(p));
}

/** Two scopes that both list only literal values for one dimension, with no value in common, can never both match. */
function scopesDisjoint(scopes: readonly Scope[]): boolean {
  for (const dim of ['roles', 'tenants', 'users', 'environments'] as const) {
    const literal = scopes.map((sc) => sc[dim]).filter((vals) => vals.length > 0 && !vals.some(isGlob));
    for (let i = 1; i < literal.length; i++) {
      if (!literal[i]!.some((v) => literal[0]!.includes(v))) return true;
    }
  }
  return false;
}

function scopeText(scopes: readonly Scope[], unless: readonly Scope[]): string {
  const one = (sc: Scope): string =>
    (['roles', 'tenants', 'users', 'environments'] as const)
      .filter((k) => sc[k].length > 0)
      .map((k) => `${k}=${[...sc[k]].sort().join('|')}`)
      .join(',');
  const parts = scopes.map(one).filter((x) => x !== '');
  const nots = unless.map(one).filter((x) => x !== '').map((x) => `!(${x})`);
  return [...parts, ...nots].join(' & ') || '*';
}

function parseDuration(n: YNode | undefined): number {
  if (n?.kind !== 'scalar') return 0;
  if (typeof n.value === 'number') return n.value * 1000;
  const m = /^(\d+)(ms|s|m|h)$/.exec(String(n.value));
  if (m === null) return 0;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

function stageRules(s: State): void {
  const c = s.collected!;
  const intents = new Map([...c.intents].map(([k, v]) => [k, v.patterns] as const));
  c.rules.forEach((draft, order) => {
    const node = draft.node;
    const get = (k: string): YNode | undefined => entry(node, k)?.value;
    const sv = (k: string): unknown => (get(k)?.kind === 'scalar' ? (get(k) as { value: unknown }).value : undefined);
    const before = s.problems.length;
    const file = draft.pos.file;
    const cc = new ConditionCompiler({ lists: draft.env.lists, macros: draft.env.macros, paths: { intents, windows: c.windows } }, s.problems, file);

    // tools: a pattern, a list of patterns, or {list: name}
    const toolsNode = get('tools')!;
    let patterns: string[];
    let toolsText: string;
    if (toolsNode.kind === 'map') {
      const listName = String((entry(toolsNode, 'list')?.value as { value: unknown } | undefined)?.value ?? '');
      const list = draft.env.lists.get(listName);
      if (list === undefined) {
        s.problems.push(problemAt('ARB_POLICY_UNKNOWN_LIST', `rule ${draft.id}: list "${listName}" is not defined under lists:`, toolsNode.pos));
        patterns = [];
      } else patterns = list.map(String);
      toolsText = `list ${listName}`;
    } else {
      patterns = strings(toolsNode);
      toolsText = `[${patterns.join(', ')}]`;
    }
    const globs = patterns.map(compileGlob);

    const whenNode = get('when');
    const when = whenNode === undefined ? undefined : cc.compile(whenNode);
    const effect = sv('effect') as Effect;
    const mode = (sv('mode') as RuleMode | undefined) ?? 'enforce';

    const modifyNode = get('modify');
    const modifications: CompiledModification[] = [];
    if (modifyNode !== undefined && effect !== 'modify') {
      s.problems.push(problemAt('ARB_POLICY_EFFECT_SPEC', `rule ${draft.id}: modify: is only used with effect: modify`, modifyNode.pos));
    }
    if (effect === 'modify') {
      if (modifyNode?.kind !== 'seq') s.problems.push(problemAt('ARB_POLICY_EFFECT_SPEC', `rule ${draft.id}: effect modify needs a modify: list`, node.pos));
      else for (const m of modifyNode.items) {
        const cm = m.kind === 'map' ? compileModification(m, s.problems) : undefined;
        if (cm !== undefined) modifications.push(cm);
      }
    }
    const escNode = get('escalate');
    let approval: CompiledRule['approval'];
    if (escNode !== undefined && effect !== 'escalate') {
      s.problems.push(problemAt('ARB_POLICY_EFFECT_SPEC', `rule ${draft.id}: escalate: is only used with effect: escalate`, escNode.pos));
    }
    if (effect === 'escalate') {
      if (escNode?.kind !== 'map') s.problems.push(problemAt('ARB_POLICY_EFFECT_SPEC', `rule ${draft.id}: effect escalate needs an escalate: spec`, node.pos));
      else {
        approval = {
          approvers: strings(entry(escNode, 'approvers')?.value),
          timeoutMs: parseDuration(entry(escNode, 'timeout')?.value),
          onTimeout: String((entry(escNode, 'on_timeout')?.value as { value: unknown }).value) === 'allow' ? 'allow' : 'deny',
        };
      }
    }
    if (s.problems.length > before && s.problems.slice(before).some((p) => p.severity === 'error')) return;
    const message = sv('message');
    s.rules.push({
      id: draft.id,
      mode,
      effect,
      order,
      toolPatterns: patterns,
      toolsText,
      matchesTool: (t) => globs.some((g) => g(t)),
      scopeText: scopeText(draft.scopes, draft.unless),
      matchesScope: scopeMatcher(draft.scopes, draft.unless),
      scoped: draft.scopes.length > 0 || draft.unless.length > 0,
      when,
      modifications,
      approval,
      message: typeof message === 'string' ? message : undefined,
      alert: sv('alert') === true,
      facts: when?.facts ?? [],
      location: formatPos(draft.pos),
      unsat: (when?.unsat ?? false) || scopesDisjoint(draft.scopes),
    });
  });
}

function stageLint(s: State): void {
  s.problems.push(...lintRules(s.rules, s.tools, s.collected!.intents));
}

function stageIndex(s: State): void {
  const names = new Set<string>(s.tools.keys());
  for (const r of s.rules) for (const p of r.toolPatterns) if (!isGlob(p)) names.add(p);
  for (const name of [...names].sort()) {
    const meta = s.tools.get(name);
    s.index.set(name, {
      tool: name,
      meta,
      rules: s.rules.filter((r) => r.matchesTool(name)),
      argChecks: meta === undefined ? [] : Object.entries(meta.args).map(([n, d]) => ({ name: n, type: d.type, required: d.required })),
    });
  }
}

function stageSeal(s: State): void {
  const c = s.collected!;
  // The revision covers the layered sources' content (not formatting, comments or file names) in layer order.
  const canonical = canonicalJson({ sources: s.read.map((r) => toPlain(r.root)) });
  const rules = s.rules.map(({ unsat: _u, ...r }) => r as CompiledRule);
  const index = new Map([...s.index].map(([k, v]) => [k, { ...v, rules: v.rules.map((r) => rules[s.rules.indexOf(r as CompiledRule & { unsat: boolean })]!) }]));
  const bundle: PolicyBundle = {
    name: c.name,
    revision: sha256Hex(canonical),
    defaultEffect: c.defaultEffect,
    tools: freezeMap(s.tools),
    intents: freezeMap(new Map([...c.intents].map(([k, v]) => [k, v.patterns]))),
    onTask: compileIntents(new Map([...c.intents].map(([k, v]) => [k, v.patterns]))),
    lists: freezeMap(new Map([...c.global.lists].map(([k, v]) => [k, v.map(String)]))),
    rules,
    index: freezeMap(index),
    wildcardRules: rules.filter((r) => r.toolPatterns.some(isGlob)),
    canonical,
  };
  s.bundle = deepFreeze(bundle);
}
