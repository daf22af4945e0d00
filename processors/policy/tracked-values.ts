// The values a call picks: the strings in the arguments its tool declares under `values` (a hotel, an event title,
// a file id, a new password), as normalizeValue keys, and where each first entered the session. Read only when a
// rule reading a value.* path is evaluated for the call; a tool that declares no values yields none.

import { normalizeValue } from '../core/named-values.ts';
import type { ArgValue, Args, ValueOrigin } from '../core/types.ts';
import type { EvalContext } from './model.ts';

function collect(v: ArgValue | undefined, out: string[]): void {
  if (typeof v === 'string' || typeof v === 'number') {
    const key = normalizeValue(String(v));
    if (key !== '') out.push(key);
  } else if (Array.isArray(v)) {
    for (const x of v) collect(x, out);
  }
}

/** Distinct normalized values of the named arguments (top level, and arrays of them). */
export function declaredValues(args: Args, names: readonly string[]): string[] {
  if (names.length === 0) return [];
  const out: string[] = [];
  for (const name of names) collect(args[name], out);
  return [...new Set(out)];
}

/** The values of the arguments the call's tool declares under `values`. */
export function trackedValues(ctx: EvalContext): readonly string[] {
  return declaredValues(ctx.proposal.args, ctx.tool?.values ?? []);
}

/** Where each tracked value first entered the session ('unseen' when the fold tracks no values). */
export function trackedValueOrigins(ctx: EvalContext): ValueOrigin[] {
  const origin = ctx.facts.valueOrigin;
  return trackedValues(ctx).map((v) => (origin === undefined ? 'unseen' : origin(v)));
}
