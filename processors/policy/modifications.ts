// Stage "compile-effects" (modify part): modify specs -> functions that rewrite one argument value.
// Depends on: detectors, RE2. Applying returns the same reference when nothing changed, so evaluate() can tell
// whether a modify rule actually modified anything (a modify rule that changes nothing does not count).

import { RE2JS } from 're2js';
import type { Problem } from '../core/errors.ts';
import type { ArgValue, Args } from '../core/types.ts';
import type { CompiledModification } from './model.ts';
import { detect, redactFindings, type DetectorKind, type Finding } from './detectors.ts';
import { entry, problemAt, type YMap } from './reader.ts';
import { strings } from './collector.ts';

const REDACTED = '[REDACTED]';

function mapStrings(v: ArgValue, f: (s: string) => string): ArgValue {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) {
    let changed = false;
    const next = v.map((el: ArgValue) => {
      const n = typeof el === 'string' ? f(el) : el;
      if (n !== el) changed = true;
      return n;
    });
    return changed ? next : v;
  }
  return v;
}

function patternFindings(text: string, patterns: readonly RE2JS[]): Finding[] {
  const out: Finding[] = [];
  for (const re of patterns) {
    if (!re.test(text)) continue;
    const m = re.matcher(text);
    let from = 0;
    while (from <= text.length && m.find(from)) {
      const start = m.start();
      const end = m.end();
      if (end > start) out.push({ kind: 'pattern' as DetectorKind, start, end });
      from = end > start ? end : start + 1;
    }
  }
  return out;
}

function spans(text: string, kinds: readonly DetectorKind[], patterns: readonly RE2JS[]): Finding[] {
  const found = [...(kinds.length > 0 ? detect(text, kinds) : []), ...patternFindings(text, patterns)];
  return found.sort((a, b) => a.start - b.start || b.end - a.end);
}

function maskSpans(text: string, found: readonly Finding[], keepLast: number): string {
  if (found.length === 0) return text;
  const chars = [...text];
  let changed = false;
  for (const f of found) {
    for (let i = f.start; i < f.end - keepLast; i++) {
      const ch = chars[i];
      if (ch !== undefined && /[A-Za-z0-9]/.test(ch)) {
        chars[i] = '*';
        changed = true;
      }
    }
  }
  return changed ? chars.join('') : text;
}

/** Compiles one modify entry; pushes a problem and returns undefined when it is not usable. */
export function compileModification(node: YMap, out: Problem[]): CompiledModification | undefined {
  const kinds = ['redact', 'mask', 'cap', 'truncate'] as const;
  const present = kinds.filter((k) => entry(node, k) !== undefined);
  if (present.length !== 1) {
    out.push(problemAt('ARB_POLICY_EFFECT_SPEC', `a modify entry needs exactly one of redact, mask, cap, truncate (found ${present.length})`, node.pos));
    return undefined;
  }
  const kind = present[0]!;
  const target = entry(node, kind)!.value;
  const path = target.kind === 'scalar' ? String(target.value).replace(/^args\./, '') : '';
  const segs = path.split('.');
  const detectors = strings(entry(node, 'detectors')?.value) as DetectorKind[];
  const patternNodes = entry(node, 'patterns')?.value;
  const patterns: RE2JS[] = [];
  for (const p of patternNodes?.kind === 'seq' ? patternNodes.items : []) {
    const text = p.kind === 'scalar' ? String(p.value) : '';
    try {
      patterns.push(RE2JS.compile(text));
    } catch (e) {
      out.push(problemAt('ARB_POLICY_REGEX', `RE2 refuses pattern ${JSON.stringify(text)}: ${(e as Error).message}`, p.pos));
      return undefined;
    }
  }
  const maxNode = entry(node, 'max')?.value;
  const max = maxNode?.kind === 'scalar' && typeof maxNode.value === 'number' ? maxNode.value : undefined;
  const keepNode = entry(node, 'keep_last')?.value;
  const keepLast = keepNode?.kind === 'scalar' && typeof keepNode.value === 'number' ? keepNode.value : 0;
  const what = [...detectors, ...(patterns.length > 0 ? [`${patterns.length} pattern(s)`] : [])].join(', ');

  const needsMax = (): boolean => {
    if (max !== undefined) return true;
    out.push(problemAt('ARB_POLICY_EFFECT_SPEC', `${kind} needs max:`, node.pos));
    return false;
  };
  switch (kind) {
    case 'redact': {
      const whole = detectors.length === 0 && patterns.length === 0;
      return {
        kind, path, segs,
        detail: whole ? `redacted args.${path}` : `redacted ${what} in args.${path}`,
        apply: (v) => mapStrings(v, (s) => (whole ? (s === REDACTED ? s : REDACTED) : redactFindings(s, spans(s, detectors, patterns)))),
      };
    }
    case 'mask': {
      if (detectors.length === 0 && patterns.length === 0) {
        out.push(problemAt('ARB_POLICY_EFFECT_SPEC', 'mask needs detectors: or patterns:', node.pos));
        return undefined;
      }
      return {
        kind, path, segs,
        detail: `masked ${what} in args.${path}${keepLast > 0 ? ` keeping the last ${keepLast}` : ''}`,
        apply: (v) => mapStrings(v, (s) => maskSpans(s, spans(s, detectors, patterns), keepLast)),
      };
    }
    case 'cap': {
      if (!needsMax()) return undefined;
      const m = max!;
      return { kind, path, segs, detail: `capped args.${path} at ${m}`, apply: (v) => (typeof v === 'number' && v > m ? m : v) };
    }
    case 'truncate': {
      if (!needsMax()) return undefined;
      const m = Math.max(0, Math.floor(max!));
      return {
        kind, path, segs, detail: `truncated args.${path} to ${m}`,
        apply: (v) => ((typeof v === 'string' || Array.isArray(v)) && v.length > m ? v.slice(0, m) : v),
      };
    }
  }
}

/** Returns args with the value at a dotted path replaced (copying along the path); the same args when unchanged. */
export function applyAt(args: Args, segs: readonly string[], f: (v: ArgValue) => ArgValue): Args {
  const [head, ...rest] = segs;
  if (head === undefined || !(head in args)) return args;
  const cur = args[head] as ArgValue;
  let next: ArgValue;
  if (rest.length === 0) next = f(cur);
  else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) next = applyAt(cur as Args, rest, f);
  else return args;
  return next === cur ? args : { ...args, [head]: next };
}
