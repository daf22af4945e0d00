import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../processors/core/errors.ts';
import type { Effect, Verb } from '../../../processors/core/types.ts';
import {
  EMPTY_STATE, STATE_FORMAT, type SessionEvent, decisionMade, deserializeState, fold, proposalReceived, resultReported,
  serializeState,
} from '../../../processors/trajectory/index.ts';
import {
  MAX_DENIED, MAX_DESTINATIONS, MAX_LABELS, MAX_PENDING, MAX_RECENT_CALLS, MAX_TAINT_SOURCES, MAX_VALUES,
} from '../../../processors/trajectory/limits.ts';
import { CALL_STRIDE, DENIED_STRIDE, PENDING_STRIDE } from '../../../processors/trajectory/state.ts';
import { EMAIL_BODY, T0, proposal, result, tool } from './fixtures.ts';

const VERBS: readonly Verb[] = ['read', 'remember', 'write', 'communicate', 'execute', 'delegate'];
const EFFECTS: readonly Effect[] = ['allow', 'deny', 'modify', 'escalate'];

/** Random but valid session events over ~3 days, so windows, rollovers and every ring get exercised. */
const eventArb: fc.Arbitrary<SessionEvent> = fc.oneof(
  fc.record({
    tool: fc.constantFrom('search', 'send_email', 'wire', 'browse'), q: fc.string({ maxLength: 40 }),
    dt: fc.integer({ min: 0, max: 3 * 86_400_000 }), verb: fc.constantFrom(...VERBS), effect: fc.constantFrom(...EFFECTS),
    out: fc.boolean(), id: fc.integer({ min: 0, max: 5 }),
  }).chain((r) => {
    const p = proposal(r.tool, { q: r.q, n: r.id }, T0 + r.dt, { proposalId: `p${r.id}` });
    const t = tool(r.verb);
    return fc.constantFrom<SessionEvent>(proposalReceived(p, t, r.out), decisionMade(p, t, r.effect, ['r'], T0 + r.dt));
  }),
  fc.record({
    dt: fc.integer({ min: 0, max: 3 * 86_400_000 }), label: fc.constantFrom('pii', 'financial', 'health', 'ünïcode'),
    n: fc.integer({ min: 0, max: 1e9 }), src: fc.array(fc.constantFrom('email:inbox', 'web:x'), { maxLength: 2 }),
    dest: fc.array(fc.emailAddress(), { maxLength: 3 }), cost: fc.double({ min: 0, max: 100, noNaN: true }),
    vals: fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 4 }),
    stream: fc.constantFrom('s1', 's2', 's3', 's4', 's5'), seq: fc.integer({ min: 0, max: 80 }),
  }).map((r): SessionEvent => resultReported(result('read_inbox', T0 + r.dt, {
    recordsRead: { [r.label]: r.n }, bytesRead: { [r.label]: r.n * 7 }, untrustedSources: r.src, destinationsSeen: r.dest,
    valuesSeen: r.vals, cost: r.cost,
  }), tool('read'), { stream: r.stream, seq: r.seq })),
  fc.record({ dt: fc.integer({ min: 0, max: 86_400_000 }), id: fc.integer({ min: 0, max: 5 }), ok: fc.boolean() })
    .map((r): SessionEvent => ({ kind: 'approval', atMs: T0 + r.dt, proposalId: `p${r.id}`, approved: r.ok })),
  fc.record({ dt: fc.integer({ min: 0, max: 86_400_000 }), on: fc.boolean(), until: fc.integer({ min: 0, max: 1e6 }) })
    .map((r): SessionEvent => ({ kind: 'quarantine', atMs: T0 + r.dt, active: r.on, untilMs: r.until === 0 ? 0 : T0 + r.until })),
  fc.record({ d: fc.array(fc.emailAddress(), { maxLength: 3 }), v: fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 3 }) })
    .map((r): SessionEvent => ({ kind: 'trusted-input', atMs: T0, destinations: r.d, values: r.v })),
);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof ArbiterError ? e.code : 'not an ArbiterError';
  }
  return undefined;
}

describe('serializeState / deserializeState', () => {
  it('given the empty state, when serialized, then it takes a handful of bytes and restores to an equal state', () => {
    const b = serializeState(EMPTY_STATE);
    expect(b.length).toBeLessThanOrEqual(12);
    expect(deserializeState(b)).toEqual(EMPTY_STATE);
  });

  it('given any fold, when serialized and restored, then the restored state is equal and re-serializes byte for byte', () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
      const s = fold(events, EMPTY_STATE);
      const b = serializeState(s);
      const r = deserializeState(b);
      expect(r).toEqual(s);
      expect(serializeState(r).equals(b)).toBe(true);
    }), { numRuns: 300 });
  });

  it('given a restore midway, when the remaining events are folded, then the bytes equal a fresh fold of all events', () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 60 }), fc.nat(60), (events, cut) => {
      const k = Math.min(cut, events.length);
      const restored = deserializeState(serializeState(fold(events.slice(0, k), EMPTY_STATE)));
      const resumed = fold(events.slice(k), restored);
      expect(serializeState(resumed).equals(serializeState(fold(events, EMPTY_STATE)))).toBe(true);
    }), { numRuns: 300 });
  });

  it('given a typical twenty-step session, when serialized, then it stays well under 1 KB', () => {
    const events: SessionEvent[] = [];
    for (let i = 0; i < 20; i++) {
      const p = proposal(i % 2 ? 'send_email' : 'search', { to: `u${i}@corp.example`, body: EMAIL_BODY }, T0 + i * 5000);
      events.push(proposalReceived(p, tool('read')), decisionMade(p, tool('read'), i === 7 ? 'deny' : 'allow', [], T0 + i * 5000));
      events.push(resultReported(result(p.tool, T0 + i * 5000 + 300, { recordsRead: { pii: 2 }, destinationsSeen: [`u${i}@corp.example`], cost: 0.01 }), tool('read')));
    }
    expect(serializeState(fold(events, EMPTY_STATE)).length).toBeLessThan(1024);
  });

  it('given every truncation of a valid state, when deserialized, then each fails with ARB_TRAJECTORY_STATE_CORRUPT', () => {
    const s = fold([resultReported(result('x', T0, { recordsRead: { pii: 300 }, untrustedSources: ['web:x'], destinationsSeen: ['a@b.c'], cost: 2 }), tool('read')),
      proposalReceived(proposal('x', { a: 1 }, T0 + 5), tool('read'))], EMPTY_STATE);
    const b = serializeState(s);
    for (let n = 1; n < b.length; n++) expect(codeOf(() => deserializeState(b.subarray(0, n)))).toBe('ARB_TRAJECTORY_STATE_CORRUPT');
  });

  it('given trailing bytes, when deserialized, then it fails with ARB_TRAJECTORY_STATE_CORRUPT naming the key and offset', () => {
    const b = Buffer.concat([serializeState(EMPTY_STATE), Buffer.from([0])]);
    expect(() => deserializeState(b, 'session s1')).toThrow(/ARB_TRAJECTORY_STATE_CORRUPT: session state has 1 trailing bytes \(at session s1 byte/);
  });

  it('given another format version, when deserialized, then it fails with ARB_TRAJECTORY_STATE_VERSION', () => {
    const b = Buffer.from(serializeState(EMPTY_STATE));
    b[0] = STATE_FORMAT + 1;
    expect(codeOf(() => deserializeState(b))).toBe('ARB_TRAJECTORY_STATE_VERSION');
  });

  it('given a list longer than its cap, when deserialized, then it fails instead of growing the state', () => {
    // format, sections = LABELS, lastMs 0, five counters, privilege, then 200 labels.
    const b = Buffer.from([STATE_FORMAT, 1, 0, 0, 0, 0, 0, 0, 0, 200, 1]);
    expect(() => deserializeState(b)).toThrow(/holds 200 labels, more than the cap/);
  });
});

describe('names with unusual UTF-16', () => {
  it('given labels and sources with lone surrogates or an emoji at the cut, when folded and restored, then the states are equal', () => {
    const longEmoji = `${'x'.repeat(63)}😀tail`; // the emoji straddles the 64-character label cap
    const events: SessionEvent[] = [
      resultReported(result('x', T0, { recordsRead: { ['bad\uD800label']: 1, [longEmoji]: 2 }, untrustedSources: ['web:\uDC00'] }), tool('read')),
      resultReported(result('x', T0 + 1, { recordsRead: { ['bad\uD800label']: 1 } }), tool('read')),
    ];
    const s = fold(events, EMPTY_STATE);
    const r = deserializeState(serializeState(s));
    expect(r).toEqual(s);
    expect(s.labels).toContain('bad\uFFFDlabel');
    expect(s.labels).toContain('x'.repeat(63));
    expect(s.reads[2 * s.labels.indexOf('bad\uFFFDlabel')]).toBe(2);
    expect(fold(events.slice(1), deserializeState(serializeState(fold(events.slice(0, 1), EMPTY_STATE))))).toEqual(s);
  });
});

describe('bounded state', () => {
  it('given a long random session, when folded, then every list stays within its cap and the serialized state stays under 8 KB', () => {
    fc.assert(fc.property(fc.array(eventArb, { minLength: 200, maxLength: 400 }), (events) => {
      const s = fold(events, EMPTY_STATE);
      expect(s.labels.length).toBeLessThanOrEqual(MAX_LABELS);
      expect(s.taintSources.length).toBeLessThanOrEqual(MAX_TAINT_SOURCES);
      expect(s.destinations.length).toBeLessThanOrEqual(MAX_DESTINATIONS);
      expect(s.values.length).toBeLessThanOrEqual(MAX_VALUES);
      expect(s.calls.length).toBeLessThanOrEqual(MAX_RECENT_CALLS * CALL_STRIDE);
      expect(s.denied.length).toBeLessThanOrEqual(MAX_DENIED * DENIED_STRIDE);
      expect(s.pending.length).toBeLessThanOrEqual(MAX_PENDING * PENDING_STRIDE);
      expect(serializeState(s).length).toBeLessThan(8192);
    }), { numRuns: 50 });
  });
});
