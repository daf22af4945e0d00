// SessionState: everything the trajectory remembers about one session. Immutable plain data; evolve() returns a new
// object and shares every array it did not change. Rings are flat number arrays with a fixed stride (oldest first)
// rather than arrays of objects, so a session costs about 1 KB of heap on a realistic mix (docs/benchmarks.md).
// Hashes are int32, times are epoch milliseconds (UTC), money is in the budget's currency units.

import { SIG_WORDS } from './fingerprint.ts';

/** Loop ring entry: [atMs, toolHash, argsHash, sig × SIG_WORDS]. */
export const CALL_STRIDE = 3 + SIG_WORDS;
/** Denied ring entry: [atMs, toolHash, intentHash, argsHash, sig × SIG_WORDS]. */
export const DENIED_STRIDE = 4 + SIG_WORDS;
/** Pending approval entry: [proposalIdHash, verbPrivilege, toolHash, intentHash, argsHash, sig × SIG_WORDS]. */
export const PENDING_STRIDE = 5 + SIG_WORDS;

export interface SessionState {
  /** Time of the latest event applied (0 before any). */
  readonly lastMs: number;
  /** Proposals received. */
  readonly steps: number;
  /** Proposals received while the session was tainted. */
  readonly taintedCalls: number;
  /** Denied calls (deny decisions and rejected approvals). */
  readonly deniedCalls: number;
  /** Proposals that were a retry after deny (same tool and intent, altered arguments). */
  readonly deniedRetries: number;
  /** Proposals outside the declared intent's tool set. */
  readonly outsideIntentCalls: number;
  /** Highest VERB_PRIVILEGE among allowed calls; -1 before the first. */
  readonly maxPrivilege: number;
  /** Data labels (first seen order, ≤ MAX_LABELS); reads[2i] and reads[2i + 1] are records and bytes read under labels[i]. */
  readonly labels: readonly string[];
  readonly reads: readonly number[];
  /** Untrusted sources that entered the context (first seen order, ≤ MAX_TAINT_SOURCES) and when each first did. */
  readonly taintSources: readonly string[];
  readonly taintAt: readonly number[];
  /** Destination keys (destinationKey()) with the low bit set when first seen in untrusted context. */
  readonly destinations: readonly number[];
  /**
   * Named-value keys (valueKey()) with their origin in the two low bits (first sighting wins): VALUE_UNTRUSTED,
   * VALUE_USER (trusted input: the user's own words), or 0 (trusted tool output).
   */
  readonly values: readonly number[];
  /**
   * Bloom filter (forgotten.ts) of untrusted destination and value keys the lists above had to forget, so a flood
   * of names cannot turn "untrusted" into "unseen". Empty until the first such eviction, then FORGOTTEN_BLOOM_WORDS.
   */
  readonly forgotten: readonly number[];
  /** Loop ring, CALL_STRIDE per entry. */
  readonly calls: readonly number[];
  /** Denied ring, DENIED_STRIDE per entry. */
  readonly denied: readonly number[];
  /** Escalations awaiting approval, PENDING_STRIDE per entry. */
  readonly pending: readonly number[];
  /**
   * Rate buckets: index (atMs / RATE_BUCKET_MS) of the newest, and the counts by index % RATE_BUCKETS packed
   * RATE_SLOT_BITS bits each, slots 0–2 in rateLow and 3–5 in rateHigh (see windows.ts). All 0 before a call.
   */
  readonly rateBucket: number;
  readonly rateLow: number;
  readonly rateHigh: number;
  /** Spend in the current UTC day (day index = ms / DAY_MS) and UTC month (year * 12 + month). */
  readonly spendDay: number;
  readonly spentDay: number;
  readonly spendMonth: number;
  readonly spentMonth: number;
  /** Set by the cross-session aggregator: -1 not quarantined, 0 until lifted, otherwise the end (epoch ms). */
  readonly quarantineUntilMs: number;
  /** Sequenced results already folded, per SDK stream: SEQ_STRIDE per entry (sequence.ts), ≤ MAX_EVENT_STREAMS. */
  readonly eventSeqs: readonly number[];
}

const NONE: readonly never[] = Object.freeze([]);

/** The state of a session nothing is known about. */
export const EMPTY_STATE: SessionState = Object.freeze({
  lastMs: 0,
  steps: 0,
  taintedCalls: 0,
  deniedCalls: 0,
  deniedRetries: 0,
  outsideIntentCalls: 0,
  maxPrivilege: -1,
  labels: NONE,
  reads: NONE,
  taintSources: NONE,
  taintAt: NONE,
  destinations: NONE,
  values: NONE,
  forgotten: NONE,
  calls: NONE,
  denied: NONE,
  pending: NONE,
  rateBucket: 0,
  rateLow: 0,
  rateHigh: 0,
  spendDay: 0,
  spentDay: 0,
  spendMonth: 0,
  spentMonth: 0,
  quarantineUntilMs: -1,
  eventSeqs: NONE,
});

export const VALUE_UNTRUSTED = 1;
export const VALUE_USER = 2;

export const EMPTY_LIST: readonly never[] = NONE;

/**
 * Appends one entry of `stride` numbers to a ring holding at most `cap` entries, dropping the oldest. The result is
 * allocated at its exact length: growing an array with push() reserves spare capacity that would stay in every
 * stored state.
 */
export function pushRing(ring: readonly number[], entry: readonly number[], stride: number, cap: number): number[] {
  const from = ring.length >= cap * stride ? ring.length - (cap - 1) * stride : 0;
  const kept = ring.length - from;
  const out = new Array<number>(kept + entry.length);
  for (let i = 0; i < kept; i++) out[i] = ring[from + i] as number;
  for (let i = 0; i < entry.length; i++) out[kept + i] = entry[i] as number;
  return out;
}

/** An array grown with push() copied to its exact length (see pushRing). */
export function compact<T>(a: T[]): T[] {
  return a.slice();
}
