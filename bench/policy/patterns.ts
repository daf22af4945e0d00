// The RE2 text of a 'pattern' check, shared by the emitters of regex languages (Rego, Arbiter YAML).

import type { Check } from './spec.ts';

/** Escapes regex metacharacters so the literal text matches itself. */
const regexLiteral = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function patternRegex(check: Extract<Check, { kind: 'pattern' }>): string {
  return check.shape === 'prefix' ? `^${regexLiteral(check.text)}` : `${regexLiteral(check.text)}$`;
}
