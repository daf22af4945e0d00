// Stage 1, reader: YAML text -> a positioned tree (YNode). Depends on nothing.
// Every map, list, scalar and map key keeps file:line:col so later stages can report where a problem is.
// Limits (size, depth) are checked here so no later stage sees a hostile shape.

import { LineCounter, parseDocument, isMap, isSeq, isScalar, isAlias, isPair } from 'yaml';
import type { Problem } from '../core/errors.ts';

export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface YEntry {
  readonly key: string;
  readonly keyPos: Pos;
  readonly value: YNode;
}
export interface YMap {
  readonly kind: 'map';
  readonly pos: Pos;
  readonly entries: readonly YEntry[];
}
export interface YSeq {
  readonly kind: 'seq';
  readonly pos: Pos;
  readonly items: readonly YNode[];
}
export interface YScalar {
  readonly kind: 'scalar';
  readonly pos: Pos;
  readonly value: string | number | boolean | null;
}
export type YNode = YMap | YSeq | YScalar;

export interface ReadResult {
  readonly root?: YNode;
  readonly problems: Problem[];
}

export function problemAt(code: Problem['code'], message: string, pos: Pos, severity: Problem['severity'] = 'error'): Problem {
  return { code, message, severity, location: { file: pos.file, line: pos.line, col: pos.col } };
}

export function formatPos(pos: Pos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

export function readYaml(file: string, text: string, maxBytes: number, maxDepth: number): ReadResult {
  const problems: Problem[] = [];
  const start: Pos = { file, line: 1, col: 1 };
  if (text.length > maxBytes) {
    problems.push(problemAt('ARB_POLICY_TOO_LARGE', `policy source is ${text.length} bytes; the limit is ${maxBytes}`, start));
    return { problems };
  }
  const deep = flowDepthExceeds(text, maxDepth);
  if (deep !== undefined) {
    const before = text.slice(0, deep);
    const line = before.split('\n').length;
    problems.push(problemAt('ARB_POLICY_TOO_DEEP', `flow nesting deeper than ${maxDepth} levels`, { file, line, col: deep - before.lastIndexOf('\n') }));
    return { problems };
  }
  const lc = new LineCounter();
  let doc;
  try {
    // uniqueKeys rejects duplicate keys. Aliases are refused below, so alias expansion (billion laughs) cannot happen.
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    problems.push(problemAt('ARB_POLICY_YAML', `YAML parser failed: ${(e as Error).message}`, start));
    return { problems };
  }
  const posOf = (offset: number | undefined): Pos => {
    if (offset === undefined) return start;
    const lp = lc.linePos(offset);
    return { file, line: lp.line, col: lp.col };
  };
  for (const err of doc.errors) {
    const code = err.code === 'RESOURCE_EXHAUSTION' ? 'ARB_POLICY_TOO_DEEP' : 'ARB_POLICY_YAML';
    problems.push(problemAt(code, `${err.code}: ${firstLine(err.message)}`, posOf(err.pos[0])));
  }
  if (problems.length > 0) return { problems };

  let tooDeep = false;
  const convert = (node: unknown, depth: number): YNode => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const pos = posOf(range?.[0]);
    if (depth > maxDepth) {
      if (!tooDeep) problems.push(problemAt('ARB_POLICY_TOO_DEEP', `nesting deeper than ${maxDepth} levels`, pos));
      tooDeep = true;
      return { kind: 'scalar', pos, value: null };
    }
    if (isAlias(node)) {
      problems.push(problemAt('ARB_POLICY_YAML', 'YAML aliases are not supported in policies; use named lists or macros', pos));
      return { kind: 'scalar', pos, value: null };
    }
    if (isMap(node)) {
      const entries: YEntry[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = pair.key;
        const keyPos = posOf((k as { range?: [number] } | null)?.range?.[0]);
        if (!isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number')) {
          problems.push(problemAt('ARB_POLICY_TYPE', 'map keys must be plain strings', keyPos));
          continue;
        }
        const value = pair.value === null ? { kind: 'scalar' as const, pos: keyPos, value: null } : convert(pair.value, depth + 1);
        entries.push({ key: String(k.value), keyPos, value });
      }
      return { kind: 'map', pos, entries };
    }
    if (isSeq(node)) {
      return { kind: 'seq', pos, items: node.items.map((item) => convert(item, depth + 1)) };
    }
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { kind: 'scalar', pos, value: v };
      return { kind: 'scalar', pos, value: String(v) };
    }
    return { kind: 'scalar', pos, value: null };
  };
  const root = convert(doc.contents, 0);
  return problems.some((p) => p.severity === 'error') ? { problems } : { root, problems };
}

/**
 * A linear pre-scan for flow nesting ([ and { outside quotes and comments), so hostile inputs such as 500 000
 * nested brackets are refused before the YAML parser spends seconds on them. Returns the offset where the limit
 * is crossed, or undefined. Block (indentation) nesting is bounded by the converter's depth check.
 */
function flowDepthExceeds(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  let quote = '';
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote !== '') {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") {
      const prev = text[i - 1];
      if (prev === undefined || prev === ' ' || prev === '[' || prev === '{' || prev === ',' || prev === ':' || prev === '\n') quote = ch;
    } else if (ch === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\n')) comment = true;
    else if (ch === '[' || ch === '{') {
      if (++depth > maxDepth) return i;
    } else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return undefined;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

/** Converts a positioned node back to plain data (for canonical hashing and golden files). */
export function toPlain(node: YNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const e of node.entries) out[e.key] = toPlain(e.value);
      return out;
    }
  }
}

export function entry(map: YMap, key: string): YEntry | undefined {
  for (const e of map.entries) if (e.key === key) return e;
  return undefined;
}
