import type { GroupPartitionsAssigner } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import type { PartitionAssigner } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  assignCoPartitioned, coPartitionViolation, decodeOwned, encodeOwned, type CoPartitionAssignment, type CoPartitionMember,
} from '../../processors/runtime/transport/co-partition-assignor.ts';
import { kafkajsCoPartition, platformaticCoPartition } from '../../processors/runtime/transport/co-partition-clients.ts';

const TOPICS = ['proposals', 'results', 'approvals'];
const member = (memberId: string, owned: number[] = [], topics = TOPICS): CoPartitionMember => ({ memberId, topics, owned });
const counts = (n: number) => (topic: string) => (TOPICS.includes(topic) ? n : undefined);
const members = (n: number) => Array.from({ length: n }, (_, i) => member(`m-${i}`));

/** partition number -> owners per topic, to check every topic's p went to one member. */
function ownersByNumber(a: CoPartitionAssignment): Map<number, Set<string>> {
  const owners = new Map<number, Set<string>>();
  for (const [id, byTopic] of a) for (const ps of byTopic.values()) for (const p of ps) owners.set(p, (owners.get(p) ?? new Set()).add(id));
  return owners;
}
const numbersOf = (a: CoPartitionAssignment, id: string) => a.get(id)?.get('proposals') ?? [];

describe('assignCoPartitioned', () => {
  it.each([[3, 4], [5, 4], [2, 6], [4, 6], [7, 12], [1, 3]])('%i members on %i partitions: each number to one member, on every topic, balanced', (m, n) => {
    const a = assignCoPartitioned('g', members(m), counts(n));
    const owners = ownersByNumber(a);
    expect([...owners.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, p) => p));
    for (const set of owners.values()) expect(set.size).toBe(1);
    for (const byTopic of a.values()) {
      const lists = TOPICS.map((t) => JSON.stringify(byTopic.get(t) ?? []));
      expect(new Set(lists).size).toBe(1);
    }
    const loads = [...a.keys()].map((id) => numbersOf(a, id).length);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    expect(a.size).toBe(m);
  });

  it('does not depend on the order members are listed in', () => {
    const ms = members(3);
    const a = assignCoPartitioned('g', ms, counts(4));
    const b = assignCoPartitioned('g', [...ms].reverse(), counts(4));
    expect([...b].sort()).toEqual([...a].sort());
  });

  it('keeps each member\'s numbers when a member joins, moving only what the newcomer needs', () => {
    const before = assignCoPartitioned('g', members(2), counts(6));
    const kept = [...before].map(([id]) => member(id, numbersOf(before, id)));
    const after = assignCoPartitioned('g', [...kept, member('m-new')], counts(6));
    expect(numbersOf(after, 'm-new')).toHaveLength(2);
    for (const m of kept) {
      expect(numbersOf(after, m.memberId)).toHaveLength(2);
      for (const p of numbersOf(after, m.memberId)) expect(m.owned).toContain(p);
    }
  });

  it('gives a leaving member\'s numbers to the others and keeps theirs', () => {
    const before = assignCoPartitioned('g', members(3), counts(6));
    const stay = ['m-0', 'm-2'].map((id) => member(id, numbersOf(before, id)));
    const after = assignCoPartitioned('g', stay, counts(6));
    for (const m of stay) for (const p of m.owned) expect(numbersOf(after, m.memberId)).toContain(p);
    expect(ownersByNumber(after).size).toBe(6);
  });

  it('hands a number two members claim to neither claimant by right, and ignores claims beyond the partition count', () => {
    const a = assignCoPartitioned('g', [member('a', [0, 1, 9]), member('b', [1, 2])], counts(4));
    expect(numbersOf(a, 'a')).toContain(0);
    expect(numbersOf(a, 'b')).toContain(2);
    expect(ownersByNumber(a).get(1)?.size).toBe(1);
    expect(ownersByNumber(a).has(9)).toBe(false);
  });

  it('caps a member that claims more than its share', () => {
    const a = assignCoPartitioned('g', [member('a', [0, 1, 2, 3]), member('b')], counts(4));
    expect(numbersOf(a, 'a')).toEqual([0, 1]);
    expect(numbersOf(a, 'b')).toEqual([2, 3]);
  });

  it('refuses topics with different partition counts (ARB_ASSIGN_PARTITION_COUNTS_DIFFER)', () => {
    const uneven = (t: string) => (t === 'results' ? 6 : 4);
    expect(() => assignCoPartitioned('g', members(2), uneven)).toThrow(expect.objectContaining({
      code: 'ARB_ASSIGN_PARTITION_COUNTS_DIFFER', message: expect.stringContaining('results=6'),
    }));
    expect(() => assignCoPartitioned('g', members(2), () => undefined)).toThrow(expect.objectContaining({ code: 'ARB_ASSIGN_PARTITION_COUNTS_DIFFER' }));
  });

  it('refuses members that subscribe different topics (ARB_ASSIGN_SUBSCRIPTIONS_DIFFER)', () => {
    expect(() => assignCoPartitioned('g', [member('a'), member('b', [], ['proposals', 'results'])], counts(4)))
      .toThrow(expect.objectContaining({ code: 'ARB_ASSIGN_SUBSCRIPTIONS_DIFFER' }));
  });

  it('gives every member an entry, more members than partitions included', () => {
    const a = assignCoPartitioned('g', members(5), counts(2));
    expect(a.size).toBe(5);
    expect([...a.values()].filter((byTopic) => byTopic.size > 0)).toHaveLength(2);
  });
});

describe('owned partitions user data', () => {
  it('round-trips the distinct numbers and claims nothing for unreadable data', () => {
    expect(decodeOwned(encodeOwned([{ partition: 3 }, { partition: 1 }, { partition: 3 }]))).toEqual([1, 3]);
    expect(decodeOwned(Buffer.from('not json'))).toEqual([]);
    expect(decodeOwned(Buffer.from('{"v":2,"owned":[1]}'))).toEqual([]);
    expect(decodeOwned(undefined)).toEqual([]);
  });
});

describe('coPartitionViolation', () => {
  it('accepts equal numbers on every topic and names the first topic that differs', () => {
    const tp = (topic: string, partition: number) => ({ topic, partition });
    expect(coPartitionViolation(TOPICS, [tp('proposals', 0), tp('results', 0), tp('approvals', 0)])).toBeUndefined();
    expect(coPartitionViolation(TOPICS, [])).toBeUndefined();
    expect(coPartitionViolation(TOPICS, [tp('proposals', 0), tp('results', 1), tp('approvals', 0)])).toBe('proposals got [0] but results got [1]');
  });
});

describe('client shapes (co-partition-clients.ts)', () => {
  const metadataOf = (counts: Record<string, number>) =>
    ({ topics: new Map(Object.entries(counts).map(([t, n]) => [t, { partitionsCount: n }])) }) as unknown as Parameters<GroupPartitionsAssigner>[3];
  const subscribers = (ids: string[], owned: number[][] = []) => new Map(ids.map((memberId, i) => [memberId,
    { memberId, version: 1, topics: TOPICS, metadata: encodeOwned((owned[i] ?? []).map((partition) => ({ partition }))) }]));

  it('platformatic: assigns by number, announces what the consumer owns, and on a refusal reports it and gives nobody anything', () => {
    const failures: unknown[] = [];
    const options = platformaticCoPartition('g', () => [{ partition: 2 }], (e) => failures.push(e));
    expect(decodeOwned(options.protocolsMetadata([], TOPICS, metadataOf({}), () => undefined) as Buffer)).toEqual([2]);
    const ok = options.partitionAssigner('m-0', subscribers(['m-0', 'm-1'], [[3]]), new Set(TOPICS), metadataOf({ proposals: 4, results: 4, approvals: 4 }));
    const m0 = ok.find((a) => a.memberId === 'm-0');
    expect([...(m0?.assignments.values() ?? [])].map((a) => [a.topic, a.partitions])).toEqual([...TOPICS].sort().map((t) => [t, [1, 3]])); // keeps its 3, p0 to the idle m-1, p1 on the tie to m-0
    const refused = options.partitionAssigner('m-0', subscribers(['m-0', 'm-1']), new Set(TOPICS), metadataOf({ proposals: 4, results: 6, approvals: 4 }));
    expect(refused.map((a) => a.assignments.size)).toEqual([0, 0]);
    expect(failures).toEqual([expect.objectContaining({ code: 'ARB_ASSIGN_PARTITION_COUNTS_DIFFER' })]);
  });

  it('kafkajs: reads members\' subscriptions and partition counts, and throws a refusal', async () => {
    const { MemberMetadata, MemberAssignment } = kafkajs.AssignerProtocol;
    const cluster = (n: Record<string, number>) => ({ findTopicPartitionMetadata: (t: string) => Array.from({ length: n[t] ?? 0 }, (_, partitionId) => ({ partitionId })) });
    const assigner = (n: Record<string, number>) =>
      kafkajsCoPartition(() => [{ partition: 1 }])({ cluster: cluster(n), groupId: 'g' } as unknown as Parameters<PartitionAssigner>[0]);
    const even = assigner({ proposals: 3, results: 3, approvals: 3 });
    const announced = MemberMetadata.decode(even.protocol({ topics: TOPICS }).metadata);
    expect(decodeOwned(announced?.userData)).toEqual([1]);
    const members = ['m-0', 'm-1'].map((memberId, i) => ({ memberId, memberMetadata: MemberMetadata.encode({ version: 1, topics: TOPICS, userData: encodeOwned(i === 1 ? [{ partition: 0 }] : []) }) }));
    const out = await even.assign({ members, topics: TOPICS });
    const m1 = MemberAssignment.decode(out.find((a) => a.memberId === 'm-1')?.memberAssignment as Buffer)?.assignment;
    expect(m1).toEqual(Object.fromEntries(TOPICS.map((t) => [t, [0]])));
    await expect(assigner({ proposals: 3, results: 4, approvals: 3 }).assign({ members, topics: TOPICS }))
      .rejects.toMatchObject({ code: 'ARB_ASSIGN_PARTITION_COUNTS_DIFFER' });
  });
});
