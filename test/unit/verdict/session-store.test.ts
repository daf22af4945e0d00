import { describe, expect, it } from 'vitest';
import { genesisHead } from '../../../processors/core/chain.ts';
import { evolve, proposalReceived } from '../../../processors/trajectory/index.ts';
import { OverlayStore } from '../../../processors/runtime/stream/overlay-store.ts';
import {
  EMPTY_ENTRY, RECENT_VERDICTS, chainHeadFromSnapshot, chainHeadToSnapshot, entryFromSnapshot, entryToSnapshot, findRecent, withVerdict,
} from '../../../processors/verdict/session-store.ts';
import { avroType } from '../../../schemas/catalogue.ts';
import { proposal } from './fixtures.ts';

describe('session entries and their changelog form', () => {
  it('round-trip through the SessionStateSnapshot Avro schema with state and recent verdicts intact', () => {
    const state = evolve(EMPTY_ENTRY.state, proposalReceived(proposal(), { verb: 'read', untrustedOutput: false, cost: 0 }));
    const entry = withVerdict(EMPTY_ENTRY, state, { proposalId: 'p-1', verdict: Buffer.from([0, 0, 0, 0, 1, 2]) });
    const type = avroType('SessionStateSnapshot');
    const back = entryFromSnapshot(type.fromBuffer(type.toBuffer(entryToSnapshot('s-1', entry, 5))));
    expect(back.state).toEqual(state);
    expect(findRecent(back, 'p-1')?.verdict).toEqual(Buffer.from([0, 0, 0, 0, 1, 2]));
    expect(findRecent(back, 'p-2')).toBeUndefined();
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
