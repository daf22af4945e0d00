import { describe, expect, it } from 'vitest';
import { canonicalJson, chainNext, checkLink, computeHash, genesisHead, GENESIS_HASH, headAfter, type ChainHead } from '../../../processors/core/chain.ts';
import type { DecisionRecord } from '../../../processors/core/types.ts';
import { makeDecisions } from './decision-fixtures.ts';

function walk(records: readonly DecisionRecord[]): { seq: number; code: string }[] {
  let head: ChainHead = genesisHead(records[0]?.chainPartition ?? 0);
  const problems: { seq: number; code: string }[] = [];
  for (const r of records) {
    for (const p of checkLink(head, r)) problems.push({ seq: p.seq, code: p.code });
    head = headAfter(r);
  }
  return problems;
}

const chainOf = (n: number): DecisionRecord[] => makeDecisions({ count: n, partitions: 1, seed: 7 });

describe('canonicalJson', () => {
  it('sorts keys at every level and ignores insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } })).toBe('{"a":{"c":null,"d":[1,"x"]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
  it('rejects values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ x: () => 1 })).toThrow(/unsupported/);
  });
});

describe('chainNext', () => {
  it('starts at genesis with seq 0 and links each record to the previous hash', () => {
    const rs = chainOf(3);
    expect(rs[0]?.chainSeq).toBe(0);
    expect(rs[0]?.prevHash).toBe(GENESIS_HASH);
    expect(rs[1]?.prevHash).toBe(rs[0]?.hash);
    expect(rs[2]?.chainSeq).toBe(2);
    for (const r of rs) expect(computeHash(r)).toBe(r.hash);
  });
  it('gives a different hash when any field differs', () => {
    const [r] = chainOf(1);
    if (!r) throw new Error('fixture');
    const { chainPartition: _a, chainSeq: _b, prevHash: _c, hash: _d, ...base } = r;
    const again = chainNext(genesisHead(0), base).record;
    const changed = chainNext(genesisHead(0), { ...base, argsMinimised: { ...base.argsMinimised, to: 'sha256:other' } }).record;
    expect(again.hash).toBe(r.hash);
    expect(changed.hash).not.toBe(r.hash);
  });
});

describe('checkLink', () => {
  it('accepts an intact chain', () => {
    expect(walk(chainOf(50))).toEqual([]);
  });
  it('names the altered record when a field changes without re-hashing', () => {
    const rs = chainOf(10);
    rs[4] = { ...rs[4]!, effect: 'allow', reasons: ['edited'] };
    expect(walk(rs)).toEqual([{ seq: 4, code: 'ARB_CHAIN_HASH_MISMATCH' }]);
  });
  it('names the record after a re-hashed alteration (its prevHash no longer matches)', () => {
    const rs = chainOf(10);
    const forged = { ...rs[4]!, reasons: ['forged'] };
    rs[4] = { ...forged, hash: computeHash(forged) };
    expect(walk(rs)).toEqual([{ seq: 5, code: 'ARB_CHAIN_PREV_MISMATCH' }]);
  });
  it('names the gap when a record is deleted', () => {
    const rs = chainOf(10);
    rs.splice(6, 1);
    const problems = walk(rs);
    expect(problems).toEqual([{ seq: 7, code: 'ARB_CHAIN_GAP' }]);
  });
});
