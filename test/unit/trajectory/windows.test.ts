import { describe, expect, it } from 'vitest';
import {
  EMPTY_STATE, type SessionEvent, type SessionState, factsFor, fold, proposalReceived, resultReported,
} from '../../../processors/trajectory/index.ts';
import { RATE_BUCKET_MS, RATE_BUCKETS, RATE_SLOT_MAX } from '../../../processors/trajectory/limits.ts';
import { type RateRing, callsInWindow, countCall, monthIndex } from '../../../processors/trajectory/windows.ts';
import { proposal, result, tool } from './fixtures.ts';

const read = tool('read');
const paid = tool('read', { cost: 0.25 });
/** A time exactly on a rate bucket boundary. */
const B = Math.ceil(Date.UTC(2026, 2, 10, 12) / RATE_BUCKET_MS) * RATE_BUCKET_MS;
const SPAN = RATE_BUCKETS * RATE_BUCKET_MS;
const EMPTY_RING: RateRing = { rateBucket: 0, rateLow: 0, rateHigh: 0 };

function after(events: SessionEvent[], from: SessionState = EMPTY_STATE): SessionState {
  return fold(events, from);
}
function callsAt(times: number[]): SessionState {
  return after(times.map((t) => proposalReceived(proposal('search', { t }, t), read)));
}
const rateAt = (s: SessionState, now: number) => factsFor(s, proposal('search', {}, now), read, now).ratePerMinute.session;

describe('session call rate', () => {
  it('given five calls in the last minute, when the sixth is proposed, then the session rate is 5 per minute', () => {
    expect(rateAt(callsAt([B, B + 5000, B + 10_000, B + 30_000, B + 50_000]), B + 55_000)).toBe(5);
  });

  it('given a call in the oldest bucket of the window, when the window moves one bucket on, then the call drops out', () => {
    const s = callsAt([B]);
    expect(rateAt(s, B + SPAN - 1)).toBe(1);
    expect(rateAt(s, B + SPAN)).toBe(0);
  });

  it('given calls long ago, when a burst follows, then the old buckets are cleared and only the burst counts', () => {
    const s = callsAt([B, B + 1, B + 2, B + 10 * SPAN, B + 10 * SPAN + 1]);
    expect(rateAt(s, B + 10 * SPAN + 2)).toBe(2);
  });

  it('given a call later than the time asked about, when the rate is computed, then the later call is not counted', () => {
    expect(rateAt(callsAt([B, B + 20_000]), B + 1000)).toBe(1);
  });

  it('given a call older than the ring span arriving late, when counted, then it is dropped', () => {
    const ring = countCall(EMPTY_RING, B + 2 * SPAN);
    expect(countCall(ring, B)).toBe(ring);
  });

  it('given an empty ring, when asked, then the window holds no calls', () => {
    expect(callsInWindow(EMPTY_RING, B)).toBe(0);
  });

  it('given more calls in one bucket than a slot holds, when counted, then the bucket saturates at RATE_SLOT_MAX', () => {
    let ring = EMPTY_RING;
    for (let i = 0; i < RATE_SLOT_MAX + 50; i++) ring = countCall(ring, B + 5);
    ring = countCall(ring, B + RATE_BUCKET_MS);
    expect(callsInWindow(ring, B + RATE_BUCKET_MS)).toBe(RATE_SLOT_MAX + 1);
  });

  it('given agent and tenant rates from the aggregator, when facts are computed, then they are passed through', () => {
    const f = factsFor(EMPTY_STATE, proposal('x', {}, B), read, B, { agentRatePerMinute: 40, tenantRatePerMinute: 900 });
    expect(f.ratePerMinute).toEqual({ session: 0, agent: 40, tenant: 900 });
  });
});

describe('spend against a budget', () => {
  const day = (d: number, h: number) => Date.UTC(2026, 2, d, h);

  it('given results with costs today, when facts are computed, then day and month spend are summed', () => {
    const s = after([
      resultReported(result('llm', day(10, 9), { cost: 1.5 }), read),
      resultReported(result('llm', day(10, 11), { cost: 2 }), read),
    ]);
    expect(factsFor(s, proposal('x', {}, day(10, 12)), read, day(10, 12)).spent).toEqual({ day: 3.5, month: 3.5 });
  });

  it('given a result without a cost, when the tool declares a cost per call, then that cost is booked', () => {
    const s = after([resultReported(result('search', day(10, 9)), paid), resultReported(result('search', day(10, 9)), paid)]);
    expect(factsFor(s, proposal('x', {}, day(10, 10)), read, day(10, 10)).spent.day).toBe(0.5);
  });

  it('given spend at 23:59:59.999 UTC, when asked at 00:00 UTC the next day, then the day resets and the month does not', () => {
    const s = after([resultReported(result('llm', Date.UTC(2026, 2, 10, 23, 59, 59, 999), { cost: 4 }), read)]);
    const just = Date.UTC(2026, 2, 10, 23, 59, 59, 999);
    const next = Date.UTC(2026, 2, 11);
    expect(factsFor(s, proposal('x', {}, just), read, just).spent).toEqual({ day: 4, month: 4 });
    expect(factsFor(s, proposal('x', {}, next), read, next).spent).toEqual({ day: 0, month: 4 });
  });

  it('given spend on the last day of a month, when a result arrives on the 1st, then day and month both restart', () => {
    const s = after([
      resultReported(result('llm', Date.UTC(2026, 2, 31, 22), { cost: 4 }), read),
      resultReported(result('llm', Date.UTC(2026, 3, 1, 1), { cost: 1 }), read),
    ]);
    const now = Date.UTC(2026, 3, 1, 2);
    expect(factsFor(s, proposal('x', {}, now), read, now).spent).toEqual({ day: 1, month: 1 });
  });

  it('given a late result from yesterday, when folded after today\'s spend, then it counts for the month only', () => {
    const s = after([
      resultReported(result('llm', day(11, 9), { cost: 2 }), read),
      resultReported(result('llm', day(10, 23), { cost: 3 }), read),
    ]);
    expect(factsFor(s, proposal('x', {}, day(11, 10)), read, day(11, 10)).spent).toEqual({ day: 2, month: 5 });
  });

  it('given a skipped call that reports no cost, when folded, then the tool cost is not booked', () => {
    const s = after([resultReported(result('search', day(10, 9), { outcome: 'skipped' }), paid)]);
    expect(factsFor(s, proposal('x', {}, day(10, 9)), read, day(10, 9)).spent.day).toBe(0);
  });

  it('given UTC month indices, when a year turns, then December and January are consecutive', () => {
    expect(monthIndex(Date.UTC(2027, 0, 1)) - monthIndex(Date.UTC(2026, 11, 31, 23, 59))).toBe(1);
  });
});

describe('quarantine', () => {
  it('given a quarantine signal without end, when facts are computed, then the session is quarantined until lifted', () => {
    const s = after([{ kind: 'quarantine', atMs: B, active: true, untilMs: 0 }]);
    expect(factsFor(s, proposal('x', {}, B + 1e9), read, B + 1e9).quarantined).toBe(true);
    const lifted = after([{ kind: 'quarantine', atMs: B + 10, active: false, untilMs: 0 }], s);
    expect(factsFor(lifted, proposal('x', {}, B + 20), read, B + 20).quarantined).toBe(false);
  });

  it('given a quarantine until T, when asked just before and at T, then it holds before and has ended at T', () => {
    const s = after([{ kind: 'quarantine', atMs: B, active: true, untilMs: B + 60_000 }]);
    expect(factsFor(s, proposal('x', {}, B + 59_999), read, B + 59_999).quarantined).toBe(true);
    expect(factsFor(s, proposal('x', {}, B + 60_000), read, B + 60_000).quarantined).toBe(false);
  });
});
