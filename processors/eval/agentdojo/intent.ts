// Declaring a session's task intent from the user's prompt, as an agent runtime would: capability -> patterns
// (policyDir/intents.yaml), every matching capability joined by "+". A capability is a list of patterns (any one
// matching declares it) or { all: [...] } (every pattern must match somewhere in the prompt). No match declares
// "read-only", which no bundle lists, so every effectful tool is off task. RE2 patterns: linear-time on any prompt.

import { readFileSync } from 'node:fs';
import { RE2JS } from 're2js';
import { parse } from 'yaml';
import { ArbiterError } from '../../core/errors.ts';

export type IntentDeclarer = (prompt: string) => string;

export const NO_CAPABILITY = 'read-only';

interface Capability {
  readonly name: string;
  readonly mode: 'any' | 'all';
  readonly res: readonly RE2JS[];
}

function patternsOf(name: string, spec: unknown, file: string): Capability {
  const isList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string');
  const compile = (pats: string[]): RE2JS[] => pats.map((p) => {
    try {
      return RE2JS.compile(p, RE2JS.CASE_INSENSITIVE);
    } catch (e) {
      throw new ArbiterError('ARB_EVAL_POLICY_INVALID', `capability "${name}": bad pattern ${JSON.stringify(p)}: ${(e as Error).message}`, { file, key: name });
    }
  });
  if (isList(spec)) return { name, mode: 'any', res: compile(spec) };
  const all = spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>)['all'] : undefined;
  if (isList(all) && Object.keys(spec as object).length === 1) return { name, mode: 'all', res: compile(all) };
  throw new ArbiterError('ARB_EVAL_POLICY_INVALID', `capability "${name}" must be a non-empty list of pattern strings or { all: [patterns] }`, { file, key: name });
}

/** Declarer from intents.yaml text (path is used in errors only). */
export function intentDeclarerFrom(text: string, path: string): IntentDeclarer {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ArbiterError('ARB_EVAL_POLICY_INVALID', `cannot parse intent patterns: ${(e as Error).message}`, { file: path });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ArbiterError('ARB_EVAL_POLICY_INVALID', 'intent patterns must be a map of capability -> list of patterns', { file: path });
  }
  const caps = Object.entries(doc as Record<string, unknown>).map(([name, spec]) => patternsOf(name, spec, path))
    .sort((a, b) => a.name.localeCompare(b.name));
  const hits = (c: Capability, prompt: string): boolean =>
    c.mode === 'any' ? c.res.some((re) => re.matcher(prompt).find()) : c.res.every((re) => re.matcher(prompt).find());
  return (prompt) => {
    const hit = caps.filter((c) => hits(c, prompt)).map((c) => c.name);
    return hit.length === 0 ? NO_CAPABILITY : hit.join('+');
  };
}

export function loadIntentDeclarer(path: string): IntentDeclarer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ArbiterError('ARB_EVAL_POLICY_INVALID', `cannot read intent patterns: ${(e as Error).message}`, { file: path });
  }
  return intentDeclarerFrom(text, path);
}
