// Declaring a session's task intent from the user's prompt, as an agent runtime would: capability -> patterns
// (policyDir/intents.yaml), every matching capability joined by "+". No match declares "read-only", which no
// bundle lists, so every effectful tool is off task. RE2 patterns: linear-time on any prompt.

import { readFileSync } from 'node:fs';
import { RE2JS } from 're2js';
import { parse } from 'yaml';
import { ArbiterError } from '../../core/errors.ts';

export type IntentDeclarer = (prompt: string) => string;

export const NO_CAPABILITY = 'read-only';

export function loadIntentDeclarer(path: string): IntentDeclarer {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ArbiterError('ARB_EVAL_POLICY_INVALID', `cannot read intent patterns: ${(e as Error).message}`, { file: path });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ArbiterError('ARB_EVAL_POLICY_INVALID', 'intent patterns must be a map of capability -> list of patterns', { file: path });
  }
  const caps = Object.entries(doc as Record<string, unknown>).map(([name, pats]) => {
    if (!Array.isArray(pats) || !pats.every((p) => typeof p === 'string')) {
      throw new ArbiterError('ARB_EVAL_POLICY_INVALID', `capability "${name}" must list pattern strings`, { file: path, key: name });
    }
    return { name, res: pats.map((p) => RE2JS.compile(p, RE2JS.CASE_INSENSITIVE)) };
  }).sort((a, b) => a.name.localeCompare(b.name));
  return (prompt) => {
    const hit = caps.filter((c) => c.res.some((re) => re.matcher(prompt).find())).map((c) => c.name);
    return hit.length === 0 ? NO_CAPABILITY : hit.join('+');
  };
}
