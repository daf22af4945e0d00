// The group assignor for co-partitioned consumers (docs/decisions.md "Co-partitioned assignment"): partition NUMBERS
// are spread over the members, and every subscribed topic's partition p goes to the member that owns number p. A
// group that keeps per-key state joined across topics (the verdict processor: proposals, results and approvals of a
// session) is only correct under this rule; the clients' default round-robin assignors break it whenever the
// partition count is not a multiple of the member count (their member counter runs on from topic to topic).
// Contract: pure and deterministic (members in member-id order); balanced (every member gets floor or ceil of
// partitions / members numbers); sticky: a number a member says it owned stays with it while its share allows
// (claimed by two members: neither keeps it). Refuses, with a stable code, what would split a number: members that
// subscribe different topics, or topics whose partition counts differ.
import { ArbiterError } from '../../core/errors.ts';

/** The protocol name members of a co-partitioned group announce (a member announcing another one cannot join). */
export const CO_PARTITION_PROTOCOL = 'arbiter-copartition';

export interface CoPartitionMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Partition numbers the member owned before this rebalance (from its subscription's user data). */
  readonly owned: readonly number[];
}

/** Per member: topic -> partitions (ascending); every member is present, possibly with nothing. */
export type CoPartitionAssignment = Map<string, Map<string, number[]>>;

const sameTopics = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((t, i) => t === b[i]);

/** The one topic list every member subscribes; throws ARB_ASSIGN_SUBSCRIPTIONS_DIFFER otherwise. */
function commonTopics(members: readonly CoPartitionMember[], groupId: string): string[] {
  const lists = members.map((m) => [...new Set(m.topics)].sort());
  const first = lists[0] ?? [];
  const odd = lists.findIndex((l) => !sameTopics(l, first));
  if (odd >= 0) {
    throw new ArbiterError('ARB_ASSIGN_SUBSCRIPTIONS_DIFFER',
      `group ${groupId}: member ${members[odd]?.memberId} subscribes [${lists[odd]?.join(', ')}], member ${members[0]?.memberId} [${first.join(', ')}]; ` +
      'a co-partitioned group needs one topic list (are two versions running?)', { key: groupId });
  }
  return first;
}

/** The partition count all `topics` share; throws ARB_ASSIGN_PARTITION_COUNTS_DIFFER otherwise. */
function commonCount(topics: readonly string[], partitionsOf: (topic: string) => number | undefined, groupId: string): number {
  const counts = topics.map((t) => ({ topic: t, count: partitionsOf(t) }));
  const first = counts[0]?.count ?? 0;
  if (counts.some((c) => c.count === undefined || c.count !== first)) {
    throw new ArbiterError('ARB_ASSIGN_PARTITION_COUNTS_DIFFER',
      `group ${groupId}: co-partitioned topics must have one partition count, found ${counts.map((c) => `${c.topic}=${c.count ?? 'unknown'}`).join(', ')}`,
      { key: groupId });
  }
  return first;
}

/** Numbers 0..count-1 -> member id: kept claims first (within each member's share), the rest to the least loaded. */
function ownersOf(members: readonly CoPartitionMember[], count: number): Map<number, string> {
  const claimants = new Map<number, string[]>();
  for (const m of members) {
    for (const p of new Set(m.owned)) {
      if (Number.isInteger(p) && p >= 0 && p < count) claimants.set(p, [...(claimants.get(p) ?? []), m.memberId]);
    }
  }
  const base = Math.floor(count / members.length);
  let extra = count % members.length;
  const load = new Map(members.map((m) => [m.memberId, 0]));
  const owner = new Map<number, string>();
  const kept = new Map<string, number[]>();
  for (const [p, ids] of claimants) if (ids.length === 1 && ids[0] !== undefined) kept.set(ids[0], [...(kept.get(ids[0]) ?? []), p]);
  const take = (id: string, p: number) => {
    owner.set(p, id);
    load.set(id, (load.get(id) ?? 0) + 1);
  };
  // Everyone keeps up to its base share first, then those with more claims keep one more while extra slots last.
  for (const m of members) for (const p of (kept.get(m.memberId) ?? []).sort((a, b) => a - b).slice(0, base)) take(m.memberId, p);
  for (const m of members) {
    const more = (kept.get(m.memberId) ?? []).sort((a, b) => a - b).slice(base, base + 1);
    if (extra > 0 && more[0] !== undefined) {
      take(m.memberId, more[0]);
      extra--;
    }
  }
  for (let p = 0; p < count; p++) {
    if (owner.has(p)) continue;
    let least = members[0] as CoPartitionMember;
    for (const m of members) if ((load.get(m.memberId) ?? 0) < (load.get(least.memberId) ?? 0)) least = m;
    take(least.memberId, p);
  }
  return owner;
}

/** The co-partitioned assignment of `members` (any order) over their topics; see the file comment for the contract. */
export function assignCoPartitioned(groupId: string, members: readonly CoPartitionMember[],
  partitionsOf: (topic: string) => number | undefined): CoPartitionAssignment {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const out: CoPartitionAssignment = new Map(sorted.map((m) => [m.memberId, new Map<string, number[]>()]));
  if (sorted.length === 0) return out;
  const topics = commonTopics(sorted, groupId);
  const count = commonCount(topics, partitionsOf, groupId);
  const owner = ownersOf(sorted, count);
  for (let p = 0; p < count; p++) {
    const byTopic = out.get(owner.get(p) as string) as Map<string, number[]>;
    for (const t of topics) byTopic.set(t, [...(byTopic.get(t) ?? []), p]);
  }
  return out;
}

/** A member's subscription user data: the partition numbers it owns now (version 1, JSON). */
export function encodeOwned(partitions: readonly { partition: number }[]): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, owned: [...new Set(partitions.map((p) => p.partition))].sort((a, b) => a - b) }));
}

/** The numbers in a member's user data; anything unreadable (another version, no data) claims nothing. */
export function decodeOwned(userData: Buffer | null | undefined): number[] {
  if (userData === null || userData === undefined || userData.length === 0) return [];
  try {
    const parsed = JSON.parse(userData.toString('utf8')) as { v?: unknown; owned?: unknown };
    return parsed.v === 1 && Array.isArray(parsed.owned) ? parsed.owned.filter((p): p is number => Number.isInteger(p)) : [];
  } catch {
    return [];
  }
}

/**
 * A member's own assignment checked against the rule: every subscribed topic holds the same partition numbers.
 * For a client whose assignor runs natively (librdkafka's range): returns what is wrong, or undefined.
 */
export function coPartitionViolation(topics: readonly string[], assigned: readonly { topic: string; partition: number }[]): string | undefined {
  const numbers = (t: string) => assigned.filter((a) => a.topic === t).map((a) => a.partition).sort((a, b) => a - b).join(',');
  const first = topics[0];
  if (first === undefined) return undefined;
  const odd = topics.find((t) => numbers(t) !== numbers(first));
  return odd === undefined ? undefined : `${first} got [${numbers(first)}] but ${odd} got [${numbers(odd)}]`;
}
