// Stage 3, collector: layers the schema-checked sources into one model. Depends on: reader, schema-check.
// Layering, in source order (the first source is the base):
// - An unscoped source (no `layer:`) overrides globally: `default`, lists, macros, windows, tools and intents replace
//   by name; `append_lists` extends; a rule with an existing id replaces it in place; `disabled: true` removes it.
// - A scoped source (`layer: {scope: ...}`, e.g. one tenant) adds rules that apply only inside its scope. Its lists
//   and macros are visible only to its own rules. Redefining a base rule id there overrides it inside the scope:
//   the base rule keeps applying outside it. It may not change `default`.

import type { Problem } from '../core/errors.ts';
import { entry, problemAt, type Pos, type YMap, type YNode, type YSeq } from './reader.ts';
import type { Scope } from './model.ts';

export interface CollectedSource {
  readonly file: string;
  readonly root: YMap;
}

export interface LayerEnv {
  readonly lists: Map<string, (string | number)[]>;
  readonly macros: Map<string, YNode>;
}

export interface RuleDraft {
  readonly id: string;
  readonly node: YMap;
  readonly pos: Pos;
  /** All must match: the rule's own scope and, for scoped layers, the layer's scope. */
  readonly scopes: readonly Scope[];
  /** None may match: scopes of layers that redefined or disabled this rule. */
  readonly unless: Scope[];
  readonly env: LayerEnv;
}

export interface Collected {
  readonly name: string;
  readonly defaultEffect: 'allow' | 'deny';
  readonly global: LayerEnv;
  readonly windows: Map<string, { from: number; to: number }[]>;
  readonly tools: Map<string, { node: YMap; pos: Pos }>;
  readonly intents: Map<string, { patterns: string[]; pos: Pos }>;
  readonly rules: RuleDraft[];
}

const str = (n: YNode | undefined): string | undefined => (n?.kind === 'scalar' && n.value !== null ? String(n.value) : undefined);

export function strings(n: YNode | undefined): string[] {
  if (n === undefined) return [];
  if (n.kind === 'scalar') return n.value === null ? [] : [String(n.value)];
  if (n.kind === 'seq') return n.items.flatMap((i) => (i.kind === 'scalar' && i.value !== null ? [String(i.value)] : []));
  return [];
}

export function parseScope(n: YNode | undefined): Scope | undefined {
  if (n === undefined || n.kind !== 'map') return undefined;
  return {
    roles: strings(entry(n, 'roles')?.value),
    tenants: strings(entry(n, 'tenants')?.value),
    users: strings(entry(n, 'users')?.value),
    environments: strings(entry(n, 'environments')?.value),
  };
}

function listItems(n: YNode): (string | number)[] {
  return (n as YSeq).items.flatMap((i) => (i.kind === 'scalar' && (typeof i.value === 'string' || typeof i.value === 'number') ? [i.value] : []));
}

export function collect(sources: readonly CollectedSource[], out: Problem[]): Collected {
  const global: LayerEnv = { lists: new Map(), macros: new Map() };
  const c: Collected = {
    name: '',
    defaultEffect: 'deny',
    global,
    windows: new Map(),
    tools: new Map(),
    intents: new Map(),
    rules: [],
  };
  let name = '';
  let defaultEffect: 'allow' | 'deny' = 'deny';

  sources.forEach((src, index) => {
    const root = src.root;
    const layerScope = parseScope(entry(entry(root, 'layer')?.value as YMap ?? { kind: 'map', pos: root.pos, entries: [] }, 'scope')?.value);
    const bundleName = str(entry(root, 'bundle')?.value);
    if (index === 0) name = bundleName ?? src.file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    const def = entry(root, 'default');
    if (def !== undefined) {
      if (layerScope !== undefined) out.push(problemAt('ARB_POLICY_BAD_VALUE', 'a scoped layer may not change the bundle default', def.keyPos));
      else defaultEffect = str(def.value) === 'allow' ? 'allow' : 'deny';
    }
    const env: LayerEnv = layerScope === undefined ? global : { lists: new Map(global.lists), macros: new Map(global.macros) };

    const lists = entry(root, 'lists')?.value;
    if (lists?.kind === 'map') for (const e of lists.entries) env.lists.set(e.key, listItems(e.value));
    const appends = entry(root, 'append_lists')?.value;
    if (appends?.kind === 'map') {
      for (const e of appends.entries) {
        const base = env.lists.get(e.key);
        if (base === undefined) out.push(problemAt('ARB_POLICY_UNKNOWN_LIST', `append_lists: list "${e.key}" is not defined by an earlier source`, e.keyPos));
        else env.lists.set(e.key, [...base, ...listItems(e.value)]);
      }
    }
    const macros = entry(root, 'macros')?.value;
    if (macros?.kind === 'map') for (const e of macros.entries) env.macros.set(e.key, e.value);

    const windows = entry(root, 'windows')?.value;
    if (windows?.kind === 'map') {
      for (const e of windows.entries) {
        const spans: { from: number; to: number }[] = [];
        for (const w of e.value.kind === 'seq' ? e.value.items : []) {
          if (w.kind !== 'map') continue;
          const from = Date.parse(str(entry(w, 'from')?.value) ?? '');
          const to = Date.parse(str(entry(w, 'to')?.value) ?? '');
          if (Number.isNaN(from) || Number.isNaN(to) || to <= from) {
            out.push(problemAt('ARB_POLICY_BAD_VALUE', `window "${e.key}": from/to must be ISO-8601 times with from before to`, w.pos));
          } else spans.push({ from, to });
        }
        c.windows.set(e.key, spans);
      }
    }

    const tools = entry(root, 'tools')?.value;
    if (tools?.kind === 'map') for (const e of tools.entries) if (e.value.kind === 'map') c.tools.set(e.key, { node: e.value, pos: e.keyPos });
    const intents = entry(root, 'intents')?.value;
    if (intents?.kind === 'map') for (const e of intents.entries) c.intents.set(e.key, { patterns: strings(e.value), pos: e.keyPos });

    const rules = entry(root, 'rules')?.value;
    const idsHere = new Set<string>();
    for (const r of rules?.kind === 'seq' ? rules.items : []) {
      if (r.kind !== 'map') continue;
      const id = str(entry(r, 'id')?.value) ?? '';
      if (idsHere.has(id)) {
        out.push(problemAt('ARB_POLICY_DUPLICATE', `rule id "${id}" is defined twice in ${src.file}`, r.pos));
        continue;
      }
      idsHere.add(id);
      const disabled = entry(r, 'disabled')?.value;
      const isDisabled = disabled?.kind === 'scalar' && disabled.value === true;
      const ownScope = parseScope(entry(r, 'scope')?.value);
      const scopes = [ownScope, layerScope].filter((s): s is Scope => s !== undefined);
      const existing = c.rules.findIndex((d) => d.id === id);
      const draft: RuleDraft = { id, node: r, pos: r.pos, scopes, unless: [], env };
      if (layerScope === undefined) {
        if (existing >= 0) {
          if (isDisabled) c.rules.splice(existing, 1);
          else c.rules[existing] = draft;
        } else if (!isDisabled) c.rules.push(draft);
      } else {
        if (existing >= 0) {
          c.rules[existing]!.unless.push(layerScope);
          if (!isDisabled) c.rules.splice(existing + 1, 0, draft);
        } else if (!isDisabled) c.rules.push(draft);
      }
    }
  });
  return { ...c, name, defaultEffect };
}
