import { describe, expect, it } from 'vitest';
import { genesisHead } from '../../../processors/core/chain.ts';
import { evolve, proposalReceived } from '../../../processors/trajectory/index.ts';
import { OverlayStore } from '../../../processors/runtime/stream/overlay-store.ts';
import {
  CHAIN_HEAD_KEY, EMPTY_ENTRY, RECENT_VERDICTS, SessionRestore, chainHeadFromSnapshot, chainHeadToSnapshot, entryFromSnapshot, entryToSnapshot,
  findRecent, isVerdictSlotKey, slotFromSnapshot, verdictFromSnapshot, verdictSlotKey, verdictToSnapshot, withVerdict, type SessionEntry,
} from '../../../processors/verdict/session-store.ts';
import { avroType } from '../../../schemas/catalogue.ts';
import { proposal } from './fixtures.ts';

describe('session entries and their changelog form', () => {
  const type = avroType('SessionStateSnapshot');
  const avro = <T>(x: T): T => type.fromBuffer(type.toBuffer(x)) as T;
  /** `n` verdicts p-0..p-(n-1), each with its own bytes. */
  const sent = (n: number, from: SessionEntry = EMPTY_ENTRY): SessionEntry => {
    let entry = from;
    for (let i = from.nextSeq; i < from.nextSeq + n; i++) entry = withVerdict(entry, entry.state, { proposalId: `p-${i}`, verdict: Buffer.from(`v-${i}`) });
    return entry;
  };

  it('write the state record without verdicts and each verdict once in its slot; restore assembles the entry', () => {
    const state = evolve(EMPTY_ENTRY.state, proposalReceived(proposal(), { verb: 'read', untrustedOutput: false, cost: 0 }));
    const entry = withVerdict(EMPTY_ENTRY, state, { proposalId: 'p-1', verdict: Buffer.from([0, 0, 0, 0, 1, 2]) });
    const snapshot = avro(entryToSnapshot('s-1', entry, 5));
    expect(snapshot.recentVerdicts).toEqual([]);
    expect(entryFromSnapshot(snapshot).state).toEqual(state);
    const slot = avro(verdictToSnapshot('s-1', entry.recent[0] as never, 5));
    const restore = new SessionRestore();
    restore.state('s-1', entryFromSnapshot(snapshot));
    restore.slot(verdictSlotKey('s-1', 0), verdictFromSnapshot(slot));
    const [[id, back] = ['', EMPTY_ENTRY]] = [...restore.entries()];
    expect(id).toBe('s-1');
    expect(back.state).toEqual(state);
    expect(findRecent(back, 'p-1')?.verdict).toEqual(Buffer.from([0, 0, 0, 0, 1, 2]));
    expect(findRecent(back, 'p-2')).toBeUndefined();
    expect(back.nextSeq).toBe(1);
  });

  it('slot keys cannot be taken for a session id or the chain head, and name their session', () => {
    expect(isVerdictSlotKey(verdictSlotKey('s\u0000x', 33))).toBe(true);
    expect(verdictSlotKey('s-1', 33)).toBe(verdictSlotKey('s-1', 1));
    expect(isVerdictSlotKey('s-1')).toBe(false);
    expect(isVerdictSlotKey('v\u0000s')).toBe(false);
    expect(isVerdictSlotKey(CHAIN_HEAD_KEY)).toBe(false);
    const restore = new SessionRestore();
    restore.slot(verdictSlotKey('s\u0000x', 0), { proposalId: 'p', verdict: Buffer.from('v'), seq: 0 });
    expect([...restore.entries()].map(([id]) => id)).toEqual(['s\u0000x']);
  });

  it('restores exactly the last RECENT_VERDICTS verdicts from the slots of a log replayed in order (later slot records win)', () => {
    const total = RECENT_VERDICTS * 2 + 5;
    const entry = sent(total);
    const restore = new SessionRestore();
    restore.state('s-1', entryFromSnapshot(entryToSnapshot('s-1', entry, 1)));
    // Every verdict as the log holds it before compaction: one slot record each, in the order they were sent.
    for (let seq = 0; seq < total; seq++) {
      const r = { proposalId: `p-${seq}`, verdict: Buffer.from(`v-${seq}`), seq };
      restore.slot(verdictSlotKey('s-1', seq), verdictFromSnapshot(avro(verdictToSnapshot('s-1', r, 1))));
    }
    const [[, back] = ['', EMPTY_ENTRY]] = [...restore.entries()];
    expect(back).toEqual(entry);
    expect(findRecent(back, `p-${total - RECENT_VERDICTS - 1}`)).toBeUndefined();
    expect(findRecent(back, `p-${total - RECENT_VERDICTS}`)?.verdict).toEqual(Buffer.from(`v-${total - RECENT_VERDICTS}`));
    // The next verdict continues the sequence, so it overwrites the oldest slot.
    expect(sent(1, back).recent.at(-1)?.seq).toBe(total);
  });

  it('keeps the inline window of a state record written before slot records, under later slots', () => {
    const legacy = sent(3);
    const inline = avro({ ...entryToSnapshot('s-1', legacy, 1), recentVerdicts: legacy.recent.map((r) => ({ proposalId: r.proposalId, verdict: r.verdict })) });
    const restore = new SessionRestore();
    restore.state('s-1', entryFromSnapshot(inline));
    const [[, alone] = ['', EMPTY_ENTRY]] = [...restore.entries()];
    expect(alone).toEqual(legacy);
    const after = sent(RECENT_VERDICTS - 1, alone); // seqs 3..33: slot 0 and 1 overwritten, slot 2 still the inline p-2
    for (const r of after.recent.filter((x) => x.seq >= 3)) restore.slot(verdictSlotKey('s-1', r.seq), r);
    const [[, back] = ['', EMPTY_ENTRY]] = [...restore.entries()];
    expect(back.recent.map((r) => r.proposalId)).toEqual(after.recent.map((r) => r.proposalId));
    expect(back.nextSeq).toBe(after.nextSeq);
  });

  it('a slot record carrying the state (format 2) round-trips; the latest state-bearing record in log order wins', () => {
    const early = evolve(EMPTY_ENTRY.state, proposalReceived(proposal(), { verb: 'read', untrustedOutput: false, cost: 0 }));
    const later = evolve(early, proposalReceived(proposal({ proposalId: 'p-2' }), { verb: 'write', untrustedOutput: false, cost: 0 }));
    const r = { proposalId: 'p-1', verdict: Buffer.from('v-1'), seq: 2 ** 40 + 7 };
    const back = slotFromSnapshot(avro(verdictToSnapshot('s-1', r, 1, later)));
    expect(back).toEqual({ verdict: r, state: later });
    expect(slotFromSnapshot(avro(verdictToSnapshot('s-1', r, 1))).state).toBeUndefined();
    // A plain state record (written before format 2, or before the session's first verdict) then a format 2 slot,
    // and the other way round: the later record's state is the session's; the inline window is kept either way.
    const legacy = sent(2);
    const inline = avro({ ...entryToSnapshot('s-1', { ...legacy, state: early }, 1),
      recentVerdicts: legacy.recent.map((x) => ({ proposalId: x.proposalId, verdict: x.verdict })) });
    const slot = avro(verdictToSnapshot('s-1', { proposalId: 'p-2', verdict: Buffer.from('v-2'), seq: 2 }, 1, later));
    const forwards = new SessionRestore();
    forwards.record('s-1', inline);
    forwards.record(verdictSlotKey('s-1', 2), slot);
    const [[, f] = ['', EMPTY_ENTRY]] = [...forwards.entries()];
    expect(f.state).toEqual(later);
    expect(f.recent.map((x) => x.proposalId)).toEqual(['p-0', 'p-1', 'p-2']);
    expect(f.nextSeq).toBe(3);
    const backwards = new SessionRestore();
    backwards.record(verdictSlotKey('s-1', 2), slot);
    backwards.record('s-1', inline);
    const [[, b] = ['', EMPTY_ENTRY]] = [...backwards.entries()];
    expect(b.state).toEqual(early);
    expect(b.recent.map((x) => x.proposalId)).toEqual(['p-0', 'p-1', 'p-2']);
  });

  it('rejects a malformed slot record', () => {
    const good = verdictToSnapshot('s-1', { proposalId: 'p', verdict: Buffer.from('v'), seq: 0 }, 1);
    expect(() => verdictFromSnapshot({ ...good, recentVerdicts: [] })).toThrow(/malformed/);
    expect(() => verdictFromSnapshot({ ...good, state: Buffer.from('{"seq":-1}') })).toThrow(/malformed/);
    const withState = verdictToSnapshot('s-1', { proposalId: 'p', verdict: Buffer.from('v'), seq: 0 }, 1, EMPTY_ENTRY.state);
    expect(() => slotFromSnapshot({ ...withState, state: withState.state.subarray(0, 6) })).toThrow(/malformed/);
    expect(() => slotFromSnapshot({ ...withState, version: 3 })).toThrow(/malformed/);
  });

  it('remembers at most RECENT_VERDICTS verdicts per session, dropping the oldest', () => {
    let entry = EMPTY_ENTRY;
    for (let i = 0; i <= RECENT_VERDICTS; i++) entry = withVerdict(entry, entry.state, { proposalId: `p-${i}`, verdict: Buffer.alloc(0) });
    expect(entry.recent).toHaveLength(RECENT_VERDICTS);
    expect(findRecent(entry, 'p-0')).toBeUndefined();
    expect(findRecent(entry, `p-${RECENT_VERDICTS}`)).toBeDefined();
  });

  it('keeps the chain head of a partition', () => {
    const head = { ...genesisHead(3), nextSeq: 9, lastHash: 'ab'.repeat(32) };
    expect(chainHeadFromSnapshot(3, chainHeadToSnapshot(head, 1))).toEqual(head);
  });
});

describe('overlay store', () => {
  it('shows a batch its own puts, commits them only on commit(), forgets them on abort()', () => {
    const s = new OverlayStore<number>();
    s.restore(0, 'a', 1);
    s.put(0, 'a', 2);
    expect(s.get(0, 'a')).toBe(2);
    expect([...s.changes()]).toEqual([{ partition: 0, key: 'a', value: 2 }]);
    s.abort();
    expect(s.get(0, 'a')).toBe(1);
    s.put(0, 'a', undefined);
    s.put(1, 'b', 7);
    s.commit();
    expect(s.get(0, 'a')).toBeUndefined();
    expect(s.get(1, 'b')).toBe(7);
    expect([...s.changes()]).toEqual([]);
    s.dropPartition(1);
    expect(s.get(1, 'b')).toBeUndefined();
  });
});
