// Argument minimisation for the audit record: what a DecisionRecord may say about a call's arguments.
// Contract: no argument value leaves in raw form unless it is provably harmless.
//   - numbers, booleans, null                      -> the literal (amounts are what auditors need to see)
//   - destination arguments (tool metadata)        -> email/url/host: "<host> sha256:<16 hex>"; iban/path: hash only
//   - strings with a PII or credential finding     -> "[redacted:<kinds>]"
//   - short identifier-like strings (<= 32, no spaces, no findings) -> the literal
//   - everything else (free text, lists, maps)     -> "sha256:<16 hex>" (with the length / item count)
// Hashes are truncated sha256 of the canonical JSON: equal values correlate across records without revealing them.
import { hash } from 'node:crypto';
import { canonicalJson } from '../core/chain.ts';
import type { ArgValue, Args } from '../core/types.ts';
import { detect } from '../policy/detectors.ts';
import { hostOf } from '../policy/matchers.ts';
import type { ToolMeta } from '../policy/model.ts';

const SAFE_LITERAL = /^[A-Za-z0-9_.:\-/]{0,32}$/;

export function shortHash(value: ArgValue): string {
  return `sha256:${hash('sha256', canonicalJson(value), 'hex').slice(0, 16)}`;
}

function minimiseString(s: string): string {
  const kinds = [...new Set(detect(s).map((f) => f.kind))];
  if (kinds.length > 0) return `[redacted:${kinds.sort().join(',')}]`;
  if (SAFE_LITERAL.test(s)) return s;
  return `${shortHash(s)} (${s.length} chars)`;
}

function minimiseDestination(value: ArgValue, kind: string): string {
  if (typeof value !== 'string') return shortHash(value);
  if (kind === 'email' || kind === 'url' || kind === 'host') return `${hostOf(value)} ${shortHash(value)}`;
  return shortHash(value);
}

export function minimiseValue(value: ArgValue, destinationKind: string | undefined): string {
  if (destinationKind !== undefined) {
    if (Array.isArray(value)) return (value as readonly ArgValue[]).map((v) => minimiseDestination(v, destinationKind)).join(', ');
    return minimiseDestination(value, destinationKind);
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return minimiseString(value);
  if (Array.isArray(value)) return `${shortHash(value)} (${value.length} items)`;
  return `${shortHash(value)} (${Object.keys(value).length} keys)`;
}

export interface MinimisedArgs {
  readonly argsMinimised: Record<string, string>;
  /** Destination values as the record may carry them (host + hash, or hash). */
  readonly destinations: string[];
  readonly dataLabels: string[];
}

export function minimiseArgs(args: Args, tool: ToolMeta | undefined): MinimisedArgs {
  const argsMinimised: Record<string, string> = {};
  const destinations: string[] = [];
  for (const name of Object.keys(args)) {
    const value = args[name] as ArgValue;
    const kind = tool?.destinations[name];
    if (kind === undefined) {
      argsMinimised[name] = minimiseValue(value, kind);
      continue;
    }
    // minimiseValue of a destination, without minimising each value twice
    const each = (Array.isArray(value) ? (value as readonly ArgValue[]) : [value]).map((v) => minimiseDestination(v, kind));
    argsMinimised[name] = each.join(', ');
    for (const d of each) destinations.push(d);
  }
  return { argsMinimised, destinations, dataLabels: [...(tool?.labels ?? [])] };
}
