// Destinations written inside a call's content: the e-mail addresses, URLs/hosts and IBAN-shaped account numbers
// that appear in string arguments the tool does NOT declare as destinations (a message body, a file's text, a
// payment subject). A phishing link forwarded in a message body is data leaving towards a place the content chose,
// even though the recipient argument is trusted. Extraction runs at most once per evaluation (memo on the context)
// and only when a rule reading a content.* path is evaluated for the call; RE2 patterns keep it linear.

import { extractDestinations } from '../core/destinations.ts';
import type { ArgValue } from '../core/types.ts';
import type { EvalContext } from './model.ts';

function collect(v: ArgValue | undefined, out: string[]): void {
  if (typeof v === 'string') {
    for (const d of extractDestinations(v)) out.push(d);
  } else if (Array.isArray(v)) {
    for (const x of v) if (typeof x === 'string') for (const d of extractDestinations(x)) out.push(d);
  }
}

/** Distinct destinations found in the non-destination string arguments (top level, and arrays of strings). */
export function contentDestinations(ctx: EvalContext): readonly string[] {
  if (ctx.contentDestinations !== undefined) return ctx.contentDestinations;
  const declared = ctx.tool?.destinations ?? {};
  const out: string[] = [];
  for (const [name, value] of Object.entries(ctx.proposal.args)) {
    if (Object.hasOwn(declared, name)) continue;
    collect(value, out);
  }
  ctx.contentDestinations = [...new Set(out)];
  return ctx.contentDestinations;
}
