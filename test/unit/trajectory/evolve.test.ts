import { describe, expect, it } from 'vitest';
import {
  EMPTY_STATE, type SessionEvent, type SessionState, decisionMade, evolve, factsFor, fold, proposalReceived,
  resultReported,
} from '../../../processors/trajectory/index.ts';
import { CALL_STRIDE } from '../../../processors/trajectory/state.ts';
import { destinationKey, valueKey } from '../../../processors/trajectory/hash.ts';
import { MAX_LABELS, MAX_TAINT_SOURCES, MAX_DESTINATIONS, MAX_VALUES, OVERFLOW_LABEL, OVERFLOW_SOURCE } from '../../../processors/trajectory/limits.ts';
import { T0, proposal, result, tool } from './fixtures.ts';

const read = tool('read');
const send = tool('communicate');
const web = tool('read', { untrustedOutput: true });

function after(events: SessionEvent[], from: SessionState = EMPTY_STATE): SessionState {
  return fold(events, from);
}

describe('evolve: purity', () => {
  it('given a state, when an event is applied, then the input state is unchanged and untouched arrays are shared', () => {
    const p = proposal('search', { q: 'x' }, T0);
    const s1 = after([proposalReceived(p, read)]);
    const snapshot = JSON.stringify(s1);
    const s2 = evolve(s1, resultReported(result('search', T0 + 1, { recordsRead: { pii: 2 } }), read));
    expect(JSON.stringify(s1)).toBe(snapshot);
    expect(s2.calls).toBe(s1.calls);
    expect(s2.reads).toEqual([2, 0]);
  });

  it('given the same events, when folded twice, then the states are equal (no clock, no randomness)', () => {
    const p = proposal('search', { q: 'x' }, T0);
    const events = [proposalReceived(p, read), decisionMade(p, read, 'allow', [], T0)];
    expect(after(events)).toEqual(after(events));
  });

  it('given an event with an invalid time, when applied, then the latest known time is used instead', () => {
    const s1 = after([proposalReceived(proposal('a', {}, T0), read)]);
    const s2 = evolve(s1, proposalReceived(proposal('a', {}, Number.NaN), read));
    expect(s2.lastMs).toBe(T0);
    expect(s2.calls[s2.calls.length - CALL_STRIDE]).toBe(T0);
  });
});

describe('reads per data label', () => {
  it('given two results with pii reads, when folded, then records and bytes are summed per label', () => {
    const s = after([
      resultReported(result('crm', T0, { recordsRead: { pii: 3, financial: 1 }, bytesRead: { pii: 300 } }), read),
      resultReported(result('crm', T0 + 10, { recordsRead: { pii: 4 }, bytesRead: { pii: 50, financial: 7 } }), read),
    ]);
    const f = factsFor(s, proposal('x', {}, T0 + 20), read, T0 + 20);
    expect(f.readRecords).toEqual({ financial: 1, pii: 7 });
    expect(f.readBytes).toEqual({ financial: 7, pii: 350 });
  });

  it('given a skipped result, when folded, then nothing is counted as read', () => {
    const s = after([resultReported(result('crm', T0, { outcome: 'skipped', recordsRead: { pii: 3 } }), read)]);
    expect(factsFor(s, proposal('x', {}, T0), read, T0).readRecords).toEqual({});
  });

  it('given negative or fractional counts, when folded, then negatives count 0 and fractions round down', () => {
    const s = after([resultReported(result('crm', T0, { recordsRead: { pii: -5, x: 2.9 } }), read)]);
    expect(factsFor(s, proposal('x', {}, T0), read, T0).readRecords).toEqual({ x: 2 });
  });

  it('given more labels than the cap, when folded, then the extra labels are summed under the overflow label', () => {
    const recordsRead: Record<string, number> = {};
    for (let i = 0; i < MAX_LABELS + 4; i++) recordsRead[`l${String(i).padStart(2, '0')}`] = 1;
    const s = after([resultReported(result('crm', T0, { recordsRead }), read)]);
    const f = factsFor(s, proposal('x', {}, T0), read, T0);
    expect(Object.keys(f.readRecords)).toHaveLength(MAX_LABELS);
    expect(f.readRecords[OVERFLOW_LABEL]).toBe(5);
    expect(Object.values(f.readRecords).reduce((a, b) => a + b, 0)).toBe(MAX_LABELS + 4);
  });
});

describe('taint', () => {
  it('given a clean session, when facts are computed, then it is not tainted', () => {
    const f = factsFor(EMPTY_STATE, proposal('x', {}, T0), read, T0);
    expect(f.tainted).toBe(false);
    expect(f.taintSources).toEqual([]);
  });

  it('given a result carrying untrusted content, when a later call is proposed, then the session is tainted and names the source', () => {
    const s = after([resultReported(result('read_inbox', T0, { untrustedSources: ['email:inbox'] }), read)]);
    const f = factsFor(s, proposal('send_email', {}, T0 + 1), send, T0 + 1);
    expect(f.tainted).toBe(true);
    expect(f.taintSources).toEqual(['email:inbox']);
    expect(s.taintAt).toEqual([T0]);
  });

  it('given a tool declared untrustedOutput, when its result reports no sources, then the tool itself taints the session', () => {
    const s = after([resultReported(result('browse', T0), web)]);
    expect(factsFor(s, proposal('x', {}, T0 + 1), read, T0 + 1).taintSources).toEqual(['tool:browse']);
  });

  it('given taint entered at T, when facts are asked for a time before T, then the session is not yet tainted', () => {
    const s = after([resultReported(result('browse', T0), web)]);
    expect(factsFor(s, proposal('x', {}, T0 - 1), read, T0 - 1).tainted).toBe(false);
    expect(factsFor(s, proposal('x', {}, T0), read, T0).tainted).toBe(true);
  });

  it('given a tainted session, when calls are proposed, then each is counted as a tainted call', () => {
    const s = after([
      proposalReceived(proposal('a', {}, T0 - 5), read),
      resultReported(result('browse', T0), web),
      proposalReceived(proposal('b', {}, T0 + 5), read),
      proposalReceived(proposal('c', {}, T0 + 6), read),
    ]);
    expect(s.taintedCalls).toBe(2);
  });

  it('given more untrusted sources than the cap, when folded, then the first ones are named and the rest share the overflow name with their earliest time', () => {
    const sources = Array.from({ length: MAX_TAINT_SOURCES + 3 }, (_, i) => `web:site${i}`);
    const s = after([
      resultReported(result('browse', T0, { untrustedSources: sources }), read),
      resultReported(result('browse', T0 - 500, { untrustedSources: ['web:late-but-earlier'] }), read),
    ]);
    expect(s.taintSources).toEqual([...sources.slice(0, MAX_TAINT_SOURCES - 1), OVERFLOW_SOURCE]);
    expect(s.taintAt[MAX_TAINT_SOURCES - 1]).toBe(T0 - 500);
    expect(factsFor(s, proposal('x', {}, T0 - 500), read, T0 - 500).tainted).toBe(true);
    expect(factsFor(s, proposal('x', {}, T0 - 501), read, T0 - 501).tainted).toBe(false);
  });
});

describe('named values and their origin', () => {
  it('given a value first seen in untrusted output, when later seen in trusted output or context, then the first origin (untrusted) stays', () => {
    const s = after([
      resultReported(result('read_reviews', T0, { untrustedSources: ['web:reviews'], valuesSeen: ['riverside view hotel'] }), read),
      resultReported(result('list_hotels', T0 + 1, { valuesSeen: ['riverside view hotel', 'good night'] }), read),
      { kind: 'trusted-input', atMs: T0 + 2, destinations: [], values: ['riverside view hotel'] },
    ]);
    const f = factsFor(s, proposal('book', {}, T0 + 3), send, T0 + 3);
    expect(f.valueOrigin?.('riverside view hotel')).toBe('untrusted');
    expect(f.valueOrigin?.('good night')).toBe('trusted');
    expect(f.valueOrigin?.('luxury palace')).toBe('unseen');
  });

  it('given the user prompt named a value, when asked, then its origin is user; values and destinations are kept apart', () => {
    const s = after([{ kind: 'trusted-input', atMs: T0, destinations: ['alice@corp.example'], values: ['1j1l-2k3j'] }]);
    const f = factsFor(s, proposal('send', {}, T0), send, T0);
    expect(f.valueOrigin?.('1j1l-2k3j')).toBe('user');
    expect(f.valueOrigin?.('alice@corp.example')).toBe('unseen');
    expect(f.destinationOrigin('1j1l-2k3j')).toBe('unseen');
  });

  it('given more values than the cap, when folded, then trusted-output ones are forgotten first, then untrusted ones, the user\'s own last', () => {
    const seen = (p: string) => Array.from({ length: MAX_VALUES }, (_, i) => `${p} ${i}`);
    const s = after([
      { kind: 'trusted-input', atMs: T0, destinations: [], values: ['le marais boutique'] },
      resultReported(result('read_reviews', T0 + 1, { untrustedSources: ['web:reviews'], valuesSeen: ['riverside view hotel'] }), read),
      resultReported(result('list_hotels', T0 + 2, { valuesSeen: seen('listed') }), read),
    ]);
    const f = factsFor(s, proposal('book', {}, T0 + 3), send, T0 + 3);
    expect(s.values).toHaveLength(MAX_VALUES);
    expect([f.valueOrigin?.('le marais boutique'), f.valueOrigin?.('riverside view hotel')]).toEqual(['user', 'untrusted']);
    expect([f.valueOrigin?.('listed 0'), f.valueOrigin?.('listed 1'), f.valueOrigin?.(`listed ${MAX_VALUES - 1}`)]).toEqual(['unseen', 'unseen', 'trusted']);
    const flooded = after([resultReported(result('read_reviews', T0 + 4, { untrustedSources: ['web:x'], valuesSeen: seen('junk') }), web)], s);
    const g = factsFor(flooded, proposal('book', {}, T0 + 5), send, T0 + 5);
    // 62 trusted-output entries go first, then the two oldest untrusted ones, which the forgotten filter keeps
    // reading as untrusted: a flood of names cannot hide the planted value.
    expect(flooded.values).toHaveLength(MAX_VALUES);
    expect(flooded.values.some((v) => (v & ~3) === valueKey('riverside view hotel'))).toBe(false);
    expect([g.valueOrigin?.('le marais boutique'), g.valueOrigin?.('riverside view hotel'), g.valueOrigin?.('junk 0'), g.valueOrigin?.('junk 1')])
      .toEqual(['user', 'untrusted', 'untrusted', 'untrusted']);
    expect(g.valueOrigin?.('listed 0')).toBe('unseen'); // trusted output forgotten: not in the filter
  });

  it('given an untrusted value forgotten by a flood, when it is seen again in trusted output, then its first origin (untrusted) stays', () => {
    const seen = (p: string) => Array.from({ length: MAX_VALUES }, (_, i) => `${p} ${i}`);
    const s = after([
      resultReported(result('read_reviews', T0, { untrustedSources: ['web:reviews'], valuesSeen: ['riverside view hotel'] }), read),
      resultReported(result('read_reviews', T0 + 1, { untrustedSources: ['web:x'], valuesSeen: seen('junk') }), web),
      resultReported(result('list_hotels', T0 + 2, { valuesSeen: ['riverside view hotel'] }), read),
    ]);
    expect(factsFor(s, proposal('book', {}, T0 + 3), send, T0 + 3).valueOrigin?.('riverside view hotel')).toBe('untrusted');
  });
});

describe('destinations and their origin', () => {
  it('given a destination first seen in trusted tool output, when asked, then its origin is trusted (case and spaces ignored)', () => {
    const s = after([resultReported(result('contacts', T0, { destinationsSeen: ['Bob@Example.com'] }), read)]);
    const f = factsFor(s, proposal('send', {}, T0), send, T0);
    expect(f.destinationOrigin('bob@example.com')).toBe('trusted');
    expect(f.destinationOrigin(' BOB@example.COM ')).toBe('trusted');
    expect(f.destinationOrigin('eve@evil.example')).toBe('unseen');
  });

  it('given a destination first seen in untrusted output, when later seen in trusted output, then the first origin (untrusted) stays', () => {
    const s = after([
      resultReported(result('read_inbox', T0, { untrustedSources: ['email:inbox'], destinationsSeen: ['DE89 3704 0044 0532 0130 00'] }), read),
      resultReported(result('contacts', T0 + 1, { destinationsSeen: ['de89370400440532013000'] }), read),
    ]);
    expect(factsFor(s, proposal('pay', {}, T0 + 2), send, T0 + 2).destinationOrigin('DE89370400440532013000')).toBe('untrusted');
  });

  it('given the user prompt named a destination, when asked, then its origin is trusted', () => {
    const s = after([{ kind: 'trusted-input', atMs: T0, destinations: ['alice@corp.example'] }]);
    expect(factsFor(s, proposal('send', {}, T0), send, T0).destinationOrigin('alice@corp.example')).toBe('trusted');
  });

  it('given more trusted destinations than the cap, when folded, then the oldest is forgotten and reads as unseen', () => {
    const seen = Array.from({ length: MAX_DESTINATIONS + 1 }, (_, i) => `user${i}@corp.example`);
    const s = after([resultReported(result('contacts', T0, { destinationsSeen: seen }), read)]);
    const f = factsFor(s, proposal('send', {}, T0), send, T0);
    expect(s.destinations).toHaveLength(MAX_DESTINATIONS);
    expect(s.forgotten).toEqual([]);
    expect(f.destinationOrigin('user0@corp.example')).toBe('unseen');
    expect(f.destinationOrigin(`user${MAX_DESTINATIONS}@corp.example`)).toBe('trusted');
  });

  it('given an injected address followed by a flood of addresses, when the agent sends to it, then it still reads untrusted', () => {
    const flood = Array.from({ length: 4 * MAX_DESTINATIONS }, (_, i) => `filler${i}@lists.example`);
    const s = after([
      resultReported(result('contacts', T0, { destinationsSeen: ['bob@corp.example'] }), read),
      resultReported(result('read_inbox', T0 + 1, { untrustedSources: ['email:inbox'], destinationsSeen: ['exfil@attacker.example', ...flood] }), read),
    ]);
    const f = factsFor(s, proposal('send', {}, T0 + 2), send, T0 + 2);
    expect(s.destinations.some((d) => (d & ~1) === destinationKey('exfil@attacker.example'))).toBe(false);
    expect(f.destinationOrigin('exfil@attacker.example')).toBe('untrusted');
    expect(f.destinationOrigin('filler0@lists.example')).toBe('untrusted');
    // Trusted entries are forgotten before untrusted ones; a name never seen stays unseen (no false positive here).
    expect(f.destinationOrigin('bob@corp.example')).toBe('unseen');
    expect(f.destinationOrigin('carol@corp.example')).toBe('unseen');
  });
});
