// Time windows as bucketed counters. Time is always passed in (event timestamps or the decision time), never read.

import { DAY_MS, RATE_BUCKET_MS, RATE_BUCKETS } from './limits.ts';

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

/**
 * Counts one call at `atMs` into the ring whose newest bucket is `newest`. A call older than the ring's span is
 * dropped (it can no longer affect any window the ring can answer for).
 */
export function countCall(newest: number, counts: readonly number[], atMs: number): { bucket: number; counts: number[] } {
  const b = rateBucketOf(atMs);
  if (counts.length === 0) {
    const fresh = new Array<number>(RATE_BUCKETS).fill(0);
    fresh[b % RATE_BUCKETS] = 1;
    return { bucket: b, counts: fresh };
  }
  const next = counts.slice();
  let top = newest;
  if (b > newest) {
    const gap = Math.min(b - newest, RATE_BUCKETS);
    for (let i = 1; i <= gap; i++) next[(newest + i) % RATE_BUCKETS] = 0;
    top = b;
  } else if (b <= newest - RATE_BUCKETS) {
    return { bucket: newest, counts: next };
  }
  next[b % RATE_BUCKETS] = (next[b % RATE_BUCKETS] as number) + 1;
  return { bucket: top, counts: next };
}

/**
 * Calls in the sliding window ending at `nowMs`: the bucket holding `nowMs` and the RATE_BUCKETS - 1 before it
 * (so the window spans between (RATE_BUCKETS - 1) and RATE_BUCKETS bucket lengths). Calls after `nowMs` are ignored.
 */
export function callsInWindow(newest: number, counts: readonly number[], nowMs: number): number {
  if (counts.length === 0) return 0;
  const nb = rateBucketOf(nowMs);
  const lo = Math.max(nb, newest) - RATE_BUCKETS + 1;
  const hi = Math.min(nb, newest);
  let sum = 0;
  for (let b = lo; b <= hi; b++) sum += counts[((b % RATE_BUCKETS) + RATE_BUCKETS) % RATE_BUCKETS] as number;
  return sum;
}
