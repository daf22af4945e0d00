// Stage "compile-conditions": a condition tree (YAML, schema-checked) -> one closure tree. Depends on: collector
// (lists, macros), paths, matchers, detectors, RE2. Everything is resolved here; test() only walks closures.
//
// Semantics (documented in docs/policy-language.md):
// - A map holds path: test pairs; all of them must hold. all/any/not/macro combine conditions.
// - Multi-valued inputs (arrays, the destinations of a tool) are existential: some element satisfies the operator.
//   Negative operators (ne, not_in, not_matches, *_not_in, path_not_under) hold for an element that fails the
//   positive one; wrap with not: to require that no element matches.
// - A missing value fails every positive operator and passes every negative one ("absent is in no list").
// - An element of the wrong type for the operator (a string for gt) sets ctx.typeError: the decision is denied.

import { RE2JS } from 're2js';
import type { Problem } from '../core/errors.ts';
import type { ArgValue } from '../core/types.ts';
import type { CompiledCondition, DestinationKind, EvalContext } from './model.ts';
import { problemAt, type Pos, type YMap, type YNode } from './reader.ts';
import { resolvePath, type PathEnv, type ResolvedPath } from './paths.ts';
import { compileCidrSet, compileDomainSet, compileHostSet, compilePathSet, hostOf, parseCidr, type Cidr } from './matchers.ts';
import { containsAny, screenForInstructions, type DetectorKind } from './detectors.ts';

export interface CondEnv {
  readonly lists: ReadonlyMap<string, readonly (string | number)[]>;
  readonly macros: ReadonlyMap<string, YNode>;
  readonly paths: PathEnv;
}

/** One operator over one element. `show` is how the element appears in a reason (never secret values). */
interface Op {
  readonly name: string;
  readonly test: (el: ArgValue | undefined, ctx: EvalContext) => boolean;
  readonly phrase: (ctx: EvalContext) => string;
  readonly show: (el: ArgValue | undefined) => string;
  /** Applies to the whole value rather than per element (length, present). */
  readonly whole: boolean;
  readonly facts: readonly string[];
  readonly canon: string;
  /** Statically known to never hold (e.g. in: []). */
  readonly unsat: boolean;
}

interface Operand {
  readonly get: (ctx: EvalContext) => ArgValue | undefined;
  readonly text: (ctx: EvalContext) => string;
  readonly facts: readonly string[];
  readonly canon: string;
  readonly literal?: ArgValue;
}

interface Values {
  readonly items: readonly (string | number | boolean)[];
  readonly name: string;
}

const NEGATIVE: Readonly<Record<string, string>> = {
  ne: 'eq', not_in: 'in', not_matches: 'matches', host_not_in: 'host_in', domain_not_in: 'domain_in',
  path_not_under: 'path_under', cidr_not_in: 'cidr_in',
};

export function fmt(v: ArgValue | undefined): string {
  if (v === undefined) return '(missing)';
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

export class ConditionCompiler {
  readonly env: CondEnv;
  readonly out: Problem[];
  readonly file: string;
  private readonly macroStack: string[] = [];

  constructor(env: CondEnv, out: Problem[], file: string) {
    this.env = env;
    this.out = out;
    this.file = file;
  }

  private err(code: Problem['code'], msg: string, pos: Pos): undefined {
    this.out.push(problemAt(code, msg, pos));
    return undefined;
  }

  compile(node: YNode): (CompiledCondition & { readonly unsat: boolean }) | undefined {
    if (node.kind !== 'map') return this.err('ARB_POLICY_TYPE', 'a condition must be a map', node.pos);
    const parts: (CompiledCondition & { unsat: boolean })[] = [];
    let failed = false;
    for (const e of node.entries) {
      const c = this.compileEntry(e.key, e.value, e.keyPos);
      if (c === undefined) failed = true;
      else parts.push(c);
    }
    if (failed) return undefined;
    return parts.length === 1 ? parts[0] : allOf(parts);
  }

  private compileEntry(key: string, value: YNode, keyPos: Pos): (CompiledCondition & { unsat: boolean }) | undefined {
    if (key === 'all' || key === 'any') {
      if (value.kind !== 'seq') return this.err('ARB_POLICY_TYPE', `${key}: expects a list of conditions`, value.pos);
      const kids = value.items.map((i) => this.compile(i));
      if (kids.some((k) => k === undefined)) return undefined;
      const ok = kids as (CompiledCondition & { unsat: boolean })[];
      return key === 'all' ? allOf(ok) : anyOf(ok);
    }
    if (key === 'not') {
      const inner = this.compile(value);
      if (inner === undefined) return undefined;
      return {
        test: (ctx) => !inner.test(ctx),
        explain: (ctx) => `not (${inner.text})`,
        facts: inner.facts,
        text: `not(${inner.text})`,
        unsat: false,
      };
    }
    if (key === 'macro') {
      const name = value.kind === 'scalar' ? String(value.value) : '';
      const body = this.env.macros.get(name);
      if (body === undefined) return this.err('ARB_POLICY_UNKNOWN_MACRO', `macro "${name}" is not defined under macros:`, value.pos);
      if (this.macroStack.includes(name)) {
        return this.err('ARB_POLICY_MACRO_CYCLE', `macro cycle: ${[...this.macroStack, name].join(' -> ')}`, value.pos);
      }
      this.macroStack.push(name);
      const c = this.compile(body);
      this.macroStack.pop();
      return c;
    }
    return this.compileLeaf(key, value, keyPos);
  }

  private compileLeaf(pathText: string, testNode: YNode, keyPos: Pos): (CompiledCondition & { unsat: boolean }) | undefined {
    const path = resolvePath(pathText, this.env.paths);
    if (typeof path === 'string') return this.err('ARB_POLICY_UNKNOWN_PATH', path, keyPos);
    const opsNode: YMap =
      testNode.kind === 'map' ? testNode : { kind: 'map', pos: testNode.pos, entries: [{ key: 'eq', keyPos: testNode.pos, value: testNode }] };
    const ops: Op[] = [];
    let failed = false;
    for (const e of opsNode.entries) {
      const op = this.compileOp(e.key, e.value, path, e.keyPos);
      if (op === undefined) failed = true;
      else ops.push(op);
    }
    if (failed) return undefined;
    const facts = [...new Set([...(path.fact !== '' ? [path.fact] : []), ...ops.flatMap((o) => o.facts)])];
    const unsat = ops.some((o) => o.unsat) || rangeUnsat(ops);
    const leaves = ops.map((op) => leaf(path, op, facts));
    return leaves.length === 1 ? { ...(leaves[0] as CompiledCondition), unsat } : { ...allOf(leaves.map((l) => ({ ...l, unsat: false }))), unsat };
  }

  private values(node: YNode, pos: Pos): Values | undefined {
    if (node.kind === 'seq') {
      const items: (string | number | boolean)[] = [];
      for (const i of node.items) {
        if (i.kind !== 'scalar' || i.value === null) return this.err('ARB_POLICY_TYPE', 'list items must be strings, numbers or booleans', i.pos);
        items.push(i.value);
      }
      return { items, name: `[${items.join(', ')}]` };
    }
    if (node.kind === 'map') {
      const name = node.entries.find((e) => e.key === 'list')?.value;
      const n = name?.kind === 'scalar' ? String(name.value) : '';
      const list = this.env.lists.get(n);
      if (list === undefined) return this.err('ARB_POLICY_UNKNOWN_LIST', `list "${n}" is not defined under lists:`, node.pos);
      return { items: list, name: n };
    }
    return this.err('ARB_POLICY_TYPE', 'expected a list or {list: name}', pos);
  }

  private operand(node: YNode, path: ResolvedPath, opName: string): Operand | undefined {
    if (node.kind === 'map') {
      const p = node.entries.find((e) => e.key === 'path')?.value;
      const text = p?.kind === 'scalar' ? String(p.value) : '';
      const ref = resolvePath(text, this.env.paths);
      if (typeof ref === 'string') return this.err('ARB_POLICY_UNKNOWN_PATH', ref, node.pos);
      if (ref.kind !== 'value') return this.err('ARB_POLICY_BAD_OPERATOR', `${opName}: a path operand must be single-valued, not ${text}`, node.pos);
      return {
        get: ref.get,
        text: (ctx) => `${text} (${fmt(ref.get(ctx))})`,
        facts: ref.fact !== '' ? [ref.fact] : [],
        canon: `@${text}`,
      };
    }
    if (node.kind !== 'scalar') return this.err('ARB_POLICY_TYPE', `${opName}: expected a value or {path: ...}`, node.pos);
    const lit = node.value;
    const want = path.type;
    const litType = lit === null ? 'null' : typeof lit;
    const fits =
      want === 'any' || lit === null || (want === 'strings' ? litType === 'string' : want === litType);
    if (!fits) return this.err('ARB_POLICY_TYPE', `${opName}: ${path.text} is a ${want}, but the value ${JSON.stringify(lit)} is a ${litType}`, node.pos);
    return { get: () => lit, text: () => fmt(lit), facts: [], canon: JSON.stringify(lit), literal: lit };
  }

  private regex(pattern: string, pos: Pos): RE2JS | undefined {
    try {
      return RE2JS.compile(pattern);
    } catch (e) {
      return this.err('ARB_POLICY_REGEX', `RE2 refuses pattern ${JSON.stringify(pattern)}: ${(e as Error).message}`, pos);
    }
  }

  private compileOp(name: string, node: YNode, path: ResolvedPath, pos: Pos): Op | undefined {
    const positive = NEGATIVE[name];
    if (positive !== undefined) {
      const p = this.compileOp(positive, node, path, pos);
      if (p === undefined) return undefined;
      return {
        name,
        test: (el, ctx) => !p.test(el, ctx),
        phrase: (ctx) => negatePhrase(p.phrase(ctx)),
        show: name === 'ne' ? (el) => fmt(el) : p.show,
        whole: p.whole,
        facts: p.facts,
        canon: `!${p.canon}`,
        unsat: false,
      };
    }
    const numericOnly = path.type === 'boolean';
    const requireType = (types: readonly string[]): boolean => {
      if (path.type === 'any' || types.includes(path.type)) return true;
      this.err('ARB_POLICY_BAD_OPERATOR', `${name} does not apply to ${path.text}, which is a ${path.type}`, pos);
      return false;
    };
    const scalarNum = (): number | undefined => (node.kind === 'scalar' && typeof node.value === 'number' ? node.value : undefined);
    switch (name) {
      case 'eq': {
        const o = this.operand(node, path, name);
        if (o === undefined) return undefined;
        return {
          name, whole: false, facts: o.facts, canon: `eq ${o.canon}`, unsat: false,
          test: o.literal !== undefined ? ((lit) => (el) => el !== undefined && el === lit)(o.literal) : (el, ctx) => el !== undefined && el === o.get(ctx),
          phrase: (ctx) => `is ${o.text(ctx)}`,
          // "session.tainted is true" rather than "session.tainted true is true"; a path operand shows both sides.
          show: o.literal !== undefined ? () => '' : (el) => fmt(el),
        };
      }
      case 'in': {
        const vals = this.values(node, pos);
        if (vals === undefined) return undefined;
        const set = new Set<ArgValue>(vals.items);
        return {
          name, whole: false, facts: [], canon: `in ${JSON.stringify([...vals.items].sort())}`, unsat: vals.items.length === 0,
          test: (el) => el !== undefined && set.has(el),
          phrase: () => `in ${vals.name}`,
          show: (el) => fmt(el),
        };
      }
      case 'gt': case 'gte': case 'lt': case 'lte': {
        if (numericOnly || !requireType(['number'])) return numericOnly ? this.err('ARB_POLICY_BAD_OPERATOR', `${name} does not apply to ${path.text}, which is a boolean`, pos) : undefined;
        const o = this.operand(node, { ...path, type: 'number' } as ResolvedPath, name);
        if (o === undefined) return undefined;
        const cmp = name === 'gt' ? (a: number, b: number) => a > b : name === 'gte' ? (a: number, b: number) => a >= b : name === 'lt' ? (a: number, b: number) => a < b : (a: number, b: number) => a <= b;
        const sym = name === 'gt' ? '>' : name === 'gte' ? '>=' : name === 'lt' ? '<' : '<=';
        return {
          name, whole: false, facts: o.facts, canon: `${name} ${o.canon}`, unsat: false,
          test: typeof o.literal === 'number' ? numericLiteralTest(name, o.literal, path.text, sym) : (el, ctx) => {
            if (el === undefined) return false;
            const b = o.get(ctx);
            if (typeof el !== 'number' || typeof b !== 'number') {
              ctx.typeError ??= `${path.text} ${sym} needs numbers, got ${fmt(el)} and ${fmt(b)}`;
              return false;
            }
            return cmp(el, b);
          },
          phrase: (ctx) => `${sym} ${o.text(ctx)}`,
          show: (el) => fmt(el),
          ...(scalarNum() !== undefined ? { bound: scalarNum() } : {}),
        } as Op;
      }
      case 'length_gt': case 'length_lt': {
        if (!requireType(['string', 'strings'])) return undefined;
        const n = scalarNum() ?? 0;
        const gt = name === 'length_gt';
        return {
          name, whole: true, facts: [], canon: `${name} ${n}`, unsat: !gt && n === 0,
          test: (el, ctx) => {
            if (el === undefined) return false;
            const len = typeof el === 'string' || Array.isArray(el) ? el.length : -1;
            if (len < 0) {
              ctx.typeError ??= `${path.text} ${name} needs a string or list, got ${fmt(el)}`;
              return false;
            }
            return gt ? len > n : len < n;
          },
          phrase: () => (gt ? `is longer than ${n}` : `is shorter than ${n}`),
          show: (el) => `length ${typeof el === 'string' || Array.isArray(el) ? el.length : '?'}`,
        };
      }
      case 'present': {
        const want = node.kind === 'scalar' && node.value === true;
        return {
          name, whole: true, facts: [], canon: `present ${want}`, unsat: false,
          test: (el) => (el !== undefined && el !== null) === want,
          phrase: () => (want ? 'is set' : 'is not set'),
          show: () => '',
        };
      }
      case 'matches': {
        if (!requireType(['string', 'strings'])) return undefined;
        const pattern = node.kind === 'scalar' ? String(node.value) : '';
        const rx = this.regex(pattern, node.pos);
        if (rx === undefined) return undefined;
        return {
          name, whole: false, facts: [], canon: `matches ${JSON.stringify(pattern)}`, unsat: false,
          test: (el, ctx) => stringTest(el, ctx, path.text, name, (s) => rx.test(s)),
          phrase: () => `matches /${pattern}/`,
          show: () => '',
        };
      }
      case 'contains': {
        if (!requireType(['string', 'strings'])) return undefined;
        const kinds = node.kind === 'seq' ? node.items.map((i) => (i.kind === 'scalar' ? String(i.value) : '')) as DetectorKind[] : [];
        return {
          name, whole: false, facts: [], canon: `contains ${JSON.stringify([...kinds].sort())}`, unsat: false,
          test: (el, ctx) => stringTest(el, ctx, path.text, name, (s) => containsAny(s, kinds) !== undefined),
          phrase: () => `contains ${kinds.join(' or ')}`,
          show: () => '',
        };
      }
      case 'has_instructions': {
        if (!requireType(['string', 'strings'])) return undefined;
        const want = node.kind === 'scalar' && node.value === true;
        return {
          name, whole: false, facts: [], canon: `has_instructions ${want}`, unsat: false,
          test: (el, ctx) => stringTest(el, ctx, path.text, name, (s) => screenForInstructions(s).flagged === want),
          phrase: () => (want ? 'carries instructions aimed at the agent' : 'carries no instructions aimed at the agent'),
          show: () => '',
        };
      }
      case 'host_in': case 'domain_in': case 'path_under': case 'cidr_in': {
        if (!requireType(['string', 'strings'])) return undefined;
        const vals = this.values(node, pos);
        if (vals === undefined) return undefined;
        const items = vals.items.map(String);
        let match: (s: string) => boolean;
        let show: (el: ArgValue | undefined) => string;
        if (name === 'cidr_in') {
          const cidrs: Cidr[] = [];
          for (const c of items) {
            const parsed = parseCidr(c);
            if (parsed === undefined) return this.err('ARB_POLICY_BAD_VALUE', `"${c}" is not a CIDR range or IP address`, node.pos);
            cidrs.push(parsed);
          }
          match = compileCidrSet(cidrs);
          show = (el) => `address ${fmt(el)}`;
        } else if (name === 'path_under') {
          match = compilePathSet(items);
          show = (el) => `path ${fmt(el)}`;
        } else {
          const set = name === 'host_in' ? compileHostSet(items) : compileDomainSet(items);
          const word = name === 'host_in' ? 'host' : 'domain';
          // Destination projections already yield hosts; raw values (e-mail, URL, host) are reduced here.
          const raw = path.kind === 'value' || path.attribute === '';
          match = raw ? (s) => set(hostOf(s)) : set;
          show = (el) => `${word} ${typeof el === 'string' ? (raw ? hostOf(el) : el) : fmt(el)}`;
        }
        return {
          name, whole: false, facts: [], canon: `${name} ${JSON.stringify([...items].sort())}`, unsat: items.length === 0,
          test: (el, ctx) => stringTest(el, ctx, path.text, name, match),
          phrase: () => `in ${vals.name}`,
          show,
        };
      }
      default:
        return this.err('ARB_POLICY_BAD_OPERATOR', `unknown operator "${name}"`, pos);
    }
  }
}

/** gt/gte/lt/lte against a literal number: one comparison, no operand lookup. */
function numericLiteralTest(name: string, b: number, path: string, sym: string): (el: ArgValue | undefined, ctx: EvalContext) => boolean {
  const wrong = (el: ArgValue, ctx: EvalContext): false => {
    ctx.typeError ??= `${path} ${sym} needs numbers, got ${fmt(el)} and ${b}`;
    return false;
  };
  switch (name) {
    case 'gt': return (el, ctx) => (typeof el === 'number' ? el > b : el !== undefined && wrong(el, ctx));
    case 'gte': return (el, ctx) => (typeof el === 'number' ? el >= b : el !== undefined && wrong(el, ctx));
    case 'lt': return (el, ctx) => (typeof el === 'number' ? el < b : el !== undefined && wrong(el, ctx));
    default: return (el, ctx) => (typeof el === 'number' ? el <= b : el !== undefined && wrong(el, ctx));
  }
}

function stringTest(el: ArgValue | undefined, ctx: EvalContext, path: string, op: string, f: (s: string) => boolean): boolean {
  if (el === undefined || el === null) return false;
  if (typeof el !== 'string') {
    ctx.typeError ??= `${path} ${op} needs a string, got ${fmt(el)}`;
    return false;
  }
  return f(el);
}

function negatePhrase(p: string): string {
  if (p.startsWith('is ')) return `is not ${p.slice(3)}`;
  if (p.startsWith('in ')) return `not in ${p.slice(3)}`;
  if (p.startsWith('matches ')) return `does not match ${p.slice(8)}`;
  return `not: ${p}`;
}

/** A numeric test pair that can never hold together (gt 10 and lt 5) makes the leaf unsatisfiable. */
function rangeUnsat(ops: readonly Op[]): boolean {
  let lo = -Infinity;
  let hi = Infinity;
  let loStrict = false;
  let hiStrict = false;
  for (const op of ops) {
    const b = (op as Op & { bound?: number }).bound;
    if (b === undefined) continue;
    if ((op.name === 'gt' || op.name === 'gte') && b >= lo) {
      loStrict = op.name === 'gt' || (b === lo && loStrict);
      lo = b;
    }
    if ((op.name === 'lt' || op.name === 'lte') && b <= hi) {
      hiStrict = op.name === 'lt' || (b === hi && hiStrict);
      hi = b;
    }
  }
  return lo > hi || (lo === hi && (loStrict || hiStrict));
}

/** Wraps one operator into a condition over the path's elements (existential over arrays and destinations). */
function leaf(path: ResolvedPath, op: Op, facts: readonly string[]): CompiledCondition {
  const text = `${path.text} ${op.canon}`;
  if (path.kind === 'destination') {
    const firstHit = (ctx: EvalContext): { arg: string; value: string; kind: DestinationKind } | undefined => {
      const dests = ctx.tool?.destinationArgs;
      if (dests === undefined) return undefined;
      for (let i = 0; i < dests.length; i++) {
        const d = dests[i]!;
        if (!path.applies(d.kind)) continue;
        const v = ctx.proposal.args[d.arg];
        if (typeof v === 'string') {
          if (op.test(path.project(v, d.kind, ctx), ctx)) return { arg: d.arg, value: v, kind: d.kind };
        } else if (Array.isArray(v)) {
          for (let j = 0; j < v.length; j++) {
            const el = v[j];
            if (typeof el === 'string' && op.test(path.project(el, d.kind, ctx), ctx)) return { arg: d.arg, value: el, kind: d.kind };
          }
        }
      }
      return undefined;
    };
    return {
      test: (ctx) => firstHit(ctx) !== undefined,
      explain: (ctx) => {
        const hit = firstHit(ctx);
        if (hit === undefined) return text;
        const projected = path.project(hit.value, hit.kind, ctx);
        const shown = path.attribute === 'first seen in' ? `${fmt(hit.value)} first seen in` : path.attribute === '' ? fmt(hit.value) : op.show(projected);
        return `args.${hit.arg} ${shown} ${op.phrase(ctx)}`;
      },
      facts,
      text,
    };
  }
  const get = path.get;
  const pick = (ctx: EvalContext): ArgValue | undefined | typeof NO_HIT => {
    const v = get(ctx);
    if (op.whole || !Array.isArray(v)) return op.test(v, ctx) ? v : NO_HIT;
    for (let i = 0; i < v.length; i++) if (op.test(v[i], ctx)) return v[i];
    return NO_HIT;
  };
  // Single-valued paths (facts, subject, tool) never hold arrays: test them without the element loop.
  const scalarOnly = path.type === 'number' || path.type === 'boolean' || path.type === 'string';
  const opTest = op.test;
  return {
    test: scalarOnly ? (ctx) => opTest(get(ctx), ctx) : (ctx) => pick(ctx) !== NO_HIT,
    explain: (ctx) => {
      const el = pick(ctx);
      const shown = el === NO_HIT ? '' : op.show(el);
      return `${path.text}${shown === '' ? '' : ` ${shown}`} ${op.phrase(ctx)}`;
    },
    facts,
    text,
  };
}

const NO_HIT = Symbol('no-hit');

function allOf(parts: readonly (CompiledCondition & { unsat: boolean })[]): CompiledCondition & { unsat: boolean } {
  const tests = parts.map((p) => p.test);
  return {
    test: (ctx) => {
      for (let i = 0; i < tests.length; i++) if (!tests[i]!(ctx)) return false;
      return true;
    },
    explain: (ctx) => parts.map((p) => p.explain(ctx)).join(' and '),
    facts: [...new Set(parts.flatMap((p) => p.facts))],
    text: `all(${parts.map((p) => p.text).sort().join('; ')})`,
    unsat: parts.some((p) => p.unsat) || conflictingEq(parts),
  };
}

function anyOf(parts: readonly (CompiledCondition & { unsat: boolean })[]): CompiledCondition & { unsat: boolean } {
  const tests = parts.map((p) => p.test);
  return {
    test: (ctx) => {
      for (let i = 0; i < tests.length; i++) if (tests[i]!(ctx)) return true;
      return false;
    },
    explain: (ctx) => {
      for (const p of parts) if (p.test(ctx)) return p.explain(ctx);
      return parts.map((p) => p.text).join(' or ');
    },
    facts: [...new Set(parts.flatMap((p) => p.facts))],
    text: `any(${parts.map((p) => p.text).sort().join('; ')})`,
    unsat: parts.every((p) => p.unsat),
  };
}

/** Two eq tests of one single-valued path against different literals can never both hold. */
function conflictingEq(parts: readonly CompiledCondition[]): boolean {
  const seen = new Map<string, string>();
  for (const p of parts) {
    const m = /^((?:subject|tool|intent|session|time)[^ ]*) eq (.+)$/.exec(p.text);
    if (m === null) continue;
    const [, path = '', val = ''] = m;
    if (val.startsWith('@')) continue;
    const prev = seen.get(path);
    if (prev !== undefined && prev !== val) return true;
    seen.set(path, val);
  }
  return false;
}
