// Read-only questions over a SessionState's rings. Shared by evolve() (to count) and factsFor() (to report).

import { type CallFingerprint, signatureSimilarity } from './fingerprint.ts';
import { LOOP_WINDOW_MS, SIMILAR_THRESHOLD } from './limits.ts';
import { CALL_STRIDE, DENIED_STRIDE, type SessionState } from './state.ts';

/** Similarity of `fp` to a stored entry: exact argument match is 1, otherwise the MinHash estimate. */
function similarityTo(fp: CallFingerprint, ring: readonly number[], argsAt: number, sigAt: number): number {
  return ring[argsAt] === fp.args ? 1 : signatureSimilarity(fp.sig, 0, ring, sigAt);
}

/** A retry after deny: a denied call with the same tool and intent but different arguments exists. */
export function isRetryAfterDeny(denied: readonly number[], fp: CallFingerprint): boolean {
  for (let i = 0; i < denied.length; i += DENIED_STRIDE) {
    if (denied[i + 1] === fp.tool && denied[i + 2] === fp.intent && denied[i + 3] !== fp.args) return true;
  }
  return false;
}

/** Highest argument similarity (0..1) to a denied call of the same tool; 0 when there is none. */
export function deniedSimilarity(denied: readonly number[], fp: CallFingerprint): number {
  let best = 0;
  for (let i = 0; i < denied.length && best < 1; i += DENIED_STRIDE) {
    if (denied[i + 1] !== fp.tool) continue;
    const s = similarityTo(fp, denied, i + 3, i + 4);
    if (s > best) best = s;
  }
  return best;
}

/**
 * Identical and near-identical earlier calls of the same tool within LOOP_WINDOW_MS before `nowMs`
 * (entries in (nowMs - LOOP_WINDOW_MS, nowMs]). Near-identical includes identical.
 */
export function loopCounts(calls: readonly number[], fp: CallFingerprint, nowMs: number): { identical: number; similar: number } {
  let identical = 0;
  let similar = 0;
  const from = nowMs - LOOP_WINDOW_MS;
  for (let i = 0; i < calls.length; i += CALL_STRIDE) {
    const at = calls[i] as number;
    if (at <= from || at > nowMs || calls[i + 1] !== fp.tool) continue;
    if (calls[i + 2] === fp.args) {
      identical++;
      similar++;
    } else if (signatureSimilarity(fp.sig, 0, calls, i + 3) >= SIMILAR_THRESHOLD) {
      similar++;
    }
  }
  return { identical, similar };
}

/** Untrusted content had entered the context at `ms` (the earliest time a taint source was seen is ≤ ms). */
export function isTaintedAt(s: SessionState, ms: number): boolean {
  for (let i = 0; i < s.taintAt.length; i++) if ((s.taintAt[i] as number) <= ms) return true;
  return false;
}

/** Index of a destination key in the destinations list (origin bit ignored), or -1. */
export function findDestination(destinations: readonly number[], key: number): number {
  for (let i = 0; i < destinations.length; i++) if (((destinations[i] as number) & ~1) === key) return i;
  return -1;
}

/** Index of a value key in the values list (the two origin bits ignored), or -1. */
export function findValue(values: readonly number[], key: number): number {
  for (let i = 0; i < values.length; i++) if (((values[i] as number) & ~3) === key) return i;
  return -1;
}
