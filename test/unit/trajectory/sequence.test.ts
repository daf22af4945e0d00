import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, evolve, fold, resultReported, type SessionEvent } from '../../../processors/trajectory/index.ts';
import { MAX_EVENT_STREAMS, SEQ_WINDOW } from '../../../processors/trajectory/limits.ts';
import { SEQ_STRIDE, markFolded } from '../../../processors/trajectory/sequence.ts';
import { T0, result, tool } from './fixtures.ts';

function folds(seqs: readonly number[][], stream: string, order: readonly number[]): boolean[] {
  let ring: readonly number[] = seqs.flat();
  return order.map((seq) => {
    const next = markFolded(ring, { stream, seq });
    if (next === undefined) return false;
    ring = next;
    return true;
  });
}

describe('markFolded (sequence window)', () => {
  it('folds each sequence once, in any order within the window', () => {
    expect(folds([], 'a', [1, 2, 2, 1, 3])).toEqual([true, true, false, false, true]);
    expect(folds([], 'a', [3, 1, 2, 3, 1, 2])).toEqual([true, true, true, false, false, false]);
  });

  it('folds a late original that missed the topic (a gap below the highest)', () => {
    expect(folds([], 'a', [2, 3, 1, 1])).toEqual([true, true, true, false]);
  });

  it('takes a sequence more than SEQ_WINDOW below the highest as folded', () => {
    const highest = SEQ_WINDOW + 2;
    expect(folds([], 'a', [highest, 2, 1])).toEqual([true, true, false]);
  });

  it('keeps streams apart and at most MAX_EVENT_STREAMS of them, dropping the oldest', () => {
    let ring: readonly number[] = [];
    for (let i = 0; i <= MAX_EVENT_STREAMS; i++) ring = markFolded(ring, { stream: `s${i}`, seq: 1 }) ?? ring;
    expect(ring.length).toBe(MAX_EVENT_STREAMS * SEQ_STRIDE);
    expect(markFolded(ring, { stream: `s${MAX_EVENT_STREAMS}`, seq: 1 })).toBeUndefined();
    expect(markFolded(ring, { stream: 's0', seq: 1 })).toBeDefined(); // forgotten: folded again
  });

  it('property: any delivery with duplicates folds each sequence exactly once (window-sized gaps)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }), (deliveries) => {
      // Deliveries arrive in an order where no sequence trails the highest by SEQ_WINDOW or more.
      const ordered = [...deliveries];
      let highest = 0;
      const seen = new Set<number>();
      const folded: number[] = [];
      let ring: readonly number[] = [];
      for (const seq of ordered) {
        if (highest - seq >= SEQ_WINDOW) continue;
        highest = Math.max(highest, seq);
        const next = markFolded(ring, { stream: 'x', seq });
        if (next !== undefined) {
          ring = next;
          folded.push(seq);
        }
        seen.add(seq);
      }
      expect(folded.sort((a, b) => a - b)).toEqual([...seen].sort((a, b) => a - b));
    }));
  });
});

describe('evolve with sequenced results', () => {
  const tainting = (seq: number): SessionEvent => resultReported(
    result('browse', T0 + seq, { untrustedSources: ['web:evil'], recordsRead: { pii: 5 } }), tool('read'), { stream: 'h1', seq });

  it('a copy of a folded result changes nothing (same state object)', () => {
    const once = evolve(EMPTY_STATE, tainting(1));
    expect(evolve(once, tainting(1))).toBe(once);
    expect(once.reads).toEqual([5, 0]);
  });

  it('embedded-then-topic and topic-then-embedded orders give the same state', () => {
    const a = fold([tainting(1), tainting(2), tainting(1), tainting(2)], EMPTY_STATE);
    const b = fold([tainting(2), tainting(1), tainting(2), tainting(1)], EMPTY_STATE);
    expect(a.reads).toEqual([10, 0]);
    expect(b.reads).toEqual(a.reads);
    expect(b.taintSources).toEqual(a.taintSources);
  });

  it('unsequenced results (seq 0) are folded every time, as before', () => {
    const r = resultReported(result('browse', T0, { recordsRead: { pii: 5 } }), tool('read'), { stream: 'h1', seq: 0 });
    expect(fold([r, r], EMPTY_STATE).reads).toEqual([10, 0]);
  });
});
