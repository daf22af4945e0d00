// Time windows as bucketed counters. Time is always passed in (event timestamps or the decision time), never read.

import { DAY_MS, RATE_BUCKET_MS, RATE_BUCKETS, RATE_SLOT_BITS, RATE_SLOT_MAX } from './limits.ts';

/** UTC day index of an epoch-ms time. */
export function dayIndex(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** UTC month index (year * 12 + month) of an epoch-ms time. */
export function monthIndex(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

export function rateBucketOf(ms: number): number {
  return Math.floor(ms / RATE_BUCKET_MS);
}

/** The session rate ring as kept in SessionState: newest bucket index and six packed counts. */
export interface RateRing {
  readonly rateBucket: number;
  readonly rateLow: number;
  readonly rateHigh: number;
}

const SLOTS_PER_WORD = RATE_BUCKETS / 2;

function slotAt(r: RateRing, slot: number): number {
  const word = slot < SLOTS_PER_WORD ? r.rateLow : r.rateHigh;
  return (word >>> ((slot % SLOTS_PER_WORD) * RATE_SLOT_BITS)) & RATE_SLOT_MAX;
}

function pack(slots: readonly number[], from: number): number {
  let w = 0;
  for (let i = SLOTS_PER_WORD - 1; i >= 0; i--) w = (w << RATE_SLOT_BITS) | (slots[from + i] as number);
  return w;
}

function slotOf(bucket: number): number {
  return ((bucket % RATE_BUCKETS) + RATE_BUCKETS) % RATE_BUCKETS;
}

/**
 * Counts one call at `atMs`. A call older than the ring's span is dropped (it can no longer affect any window the
 * ring can answer for); a bucket saturates at RATE_SLOT_MAX.
 */
export function countCall(r: RateRing, atMs: number): RateRing {
  const b = rateBucketOf(atMs);
  const empty = r.rateLow === 0 && r.rateHigh === 0;
  const slots: number[] = [];
  for (let i = 0; i < RATE_BUCKETS; i++) slots.push(empty ? 0 : slotAt(r, i));
  let newest = empty ? b : r.rateBucket;
  if (b > newest) {
    const gap = Math.min(b - newest, RATE_BUCKETS);
    for (let i = 1; i <= gap; i++) slots[slotOf(newest + i)] = 0;
    newest = b;
  } else if (b <= newest - RATE_BUCKETS) {
    return r;
  }
  const at = slotOf(b);
  slots[at] = Math.min(RATE_SLOT_MAX, (slots[at] as number) + 1);
  return { rateBucket: newest, rateLow: pack(slots, 0), rateHigh: pack(slots, SLOTS_PER_WORD) };
}

/**
 * Calls in the sliding window ending at `nowMs`: the bucket holding `nowMs` and the RATE_BUCKETS - 1 before it
 * (so the window spans between (RATE_BUCKETS - 1) and RATE_BUCKETS bucket lengths). Calls after `nowMs` are ignored.
 */
export function callsInWindow(r: RateRing, nowMs: number): number {
  if (r.rateLow === 0 && r.rateHigh === 0) return 0;
  const nb = rateBucketOf(nowMs);
  const lo = Math.max(nb, r.rateBucket) - RATE_BUCKETS + 1;
  const hi = Math.min(nb, r.rateBucket);
  let sum = 0;
  for (let b = lo; b <= hi; b++) sum += slotAt(r, slotOf(b));
  return sum;
}
