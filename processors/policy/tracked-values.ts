// The values a call picks: the strings in the arguments its tool declares under `values` (a hotel, an event title,
// a file id, a new password), as normalizeValue keys, and where each first entered the session. Read only when a
// rule reading a value.* path is evaluated for the call; a tool that declares no values yields none.

import { normalizeValue } from '../core/named-values.ts';
import type { ArgValue, DestinationOrigin } from '../core/types.ts';
import type { EvalContext } from './model.ts';

function collect(v: ArgValue | undefined, out: string[]): void {
  if (typeof v === 'string' || typeof v === 'number') {
    const key = normalizeValue(String(v));
    if (key !== '') out.push(key);
  } else if (Array.isArray(v)) {
    for (const x of v) collect(x, out);
  }
}

/** Distinct normalized values of the tool's declared value arguments (top level, and arrays of them). */
export function trackedValues(ctx: EvalContext): readonly string[] {
  const names = ctx.tool?.values ?? [];
  if (names.length === 0) return names;
  const out: string[] = [];
  for (const name of names) collect(ctx.proposal.args[name], out);
  return [...new Set(out)];
}

/** Where each tracked value first entered the session ('unseen' when the fold tracks no values). */
export function trackedValueOrigins(ctx: EvalContext): DestinationOrigin[] {
  const origin = ctx.facts.valueOrigin;
  return trackedValues(ctx).map((v) => (origin === undefined ? 'unseen' : origin(v)));
}
