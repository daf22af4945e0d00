// The compiled DecisionRecord serializer of the hash chain (chain.ts decisionJson) against the generic canonicalJson
// that `arbiter verify` recomputes: the same bytes for every record, and hashes pinned to the values the generic
// serializer produced before the compiled one existed (golden vectors), so neither side can drift unnoticed.
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainNext, computeHash, decisionJson, genesisHead, type UnchainedDecision } from '../../../processors/core/chain.ts';
import type { DecisionRecord } from '../../../processors/core/types.ts';
import { makeDecisions } from '../clickhouse/decision-fixtures.ts';

const withoutHash = ({ hash: _h, ...rest }: DecisionRecord): Omit<DecisionRecord, 'hash'> => rest;

/** Strings JSON escapes, non-BMP characters, keys whose sorted order differs from insertion order, empty collections. */
const ODD: UnchainedDecision = {
  decisionId: 'd-ü\u2028"\\', proposalId: 'p\n\t', sessionId: 's-😀', agentId: 'a', userId: '', tenantId: 't', agentRole: 'r', environment: 'e',
  tool: 'tool', intent: '</script>', effect: 'modify', ruleIds: ['b', 'a', 'é'], reasons: ['x\u0000y'],
  modifications: [{ kind: 'redact', path: 'body', ruleId: 'r1', detail: 'd' }, { kind: 'mask', path: 'to', ruleId: 'r2', detail: 'ü' }],
  shadow: [{ ruleId: 'o', mode: 'observe', effect: 'deny', reason: 'why' }], bundleRevision: 'rev',
  argsMinimised: { zeta: '1', Alpha: '2', alpha: '3', 'ä': '4', '10': 'ten', '9': 'nine', _u: 'sha256:abc' }, dataLabels: [], destinations: ['x.example.com'],
  factsUsed: {}, approvalId: '', errorCode: 'ARB_X', decidedAtMs: 1_763_700_000_123, latencyUs: 0,
};

describe('decisionJson (the chain serializer)', () => {
  it('gives the bytes of canonicalJson for every fixture record and for awkward strings and keys', () => {
    const records = [...makeDecisions({ count: 300, partitions: 3, seed: 11 }), chainNext(genesisHead(5), ODD).record];
    for (const r of records) expect(decisionJson(withoutHash(r))).toBe(canonicalJson(withoutHash(r)));
  });

  it('serialises values of an unexpected shape the generic way (nested objects in maps, non-string list items)', () => {
    const r = withoutHash(chainNext(genesisHead(0), ODD).record);
    const odd = { ...r, argsMinimised: { b: { y: 1, x: [2, 'z'] }, a: 'k' }, ruleIds: [1, 'x', null] } as unknown as Omit<DecisionRecord, 'hash'>;
    expect(decisionJson(odd)).toBe(canonicalJson(odd));
    expect(() => decisionJson({ ...r, latencyUs: Number.NaN })).toThrow(/non-finite/);
  });

  it('chains to the hashes the generic serializer gave before (golden vectors) and verifies with computeHash', () => {
    const last = new Map<number, string>();
    for (const r of makeDecisions({ count: 300, partitions: 3, seed: 11 })) {
      expect(computeHash(r)).toBe(r.hash);
      last.set(r.chainPartition, r.hash);
    }
    expect(Object.fromEntries(last)).toEqual({
      0: 'ae0a750d14d5ca3e0f824533f434017a70ba0a9a0c9204196ad5b5ec2cbc976d',
      1: 'b362f7be0c60eb4402c8b1e5cce9499ac5b871ee9fd16d2b40f3977d2b2e10ab',
      2: 'f6da7f82cb0cc094cda97fe1e1f264cc4c82f8afed55b62f788596f1ef8f66f7',
    });
    const odd = chainNext(genesisHead(5), ODD);
    expect(odd.record.hash).toBe('a2bbc01beb7562b45abb6581ea5ef4d44f04c8013c921be3fc62e20955ce9841');
    expect(odd.head).toEqual({ partition: 5, nextSeq: 1, lastHash: odd.record.hash });
  });
});
