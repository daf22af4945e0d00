// The KafkaTransport contract, run against every adapter on the real broker (KAFKA_BROKERS or .run/stack.env).
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport, KAFKA_CLIENTS } from '../../processors/runtime/transport/index.ts';
import type { Batch, InRecord, KafkaClientName, KafkaTransport, TransportAdmin, TransportConsumer } from '../../processors/runtime/transport/index.ts';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';

const FAST_GROUP = { sessionTimeoutMs: 10_000, maxWaitMs: 50 } as const;

/** Runs a consumer until `enough(records)` holds (or the deadline passes), then closes it. */
async function consumeUntil(
  consumer: TransportConsumer,
  enough: (records: readonly InRecord[]) => boolean,
  onBatch?: (batch: Batch) => Promise<void>,
  timeoutMs = 30_000,
): Promise<InRecord[]> {
  const seen: InRecord[] = [];
  let done!: () => void;
  const reached = new Promise<void>((resolve) => (done = resolve));
  const running = consumer.run(async (batch) => {
    seen.push(...batch.records);
    await onBatch?.(batch);
    if (enough(seen)) done();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([reached, timeout, running]);
  clearTimeout(timer);
  await consumer.close();
  await running;
  return seen;
}

const text = (b: Buffer | null | undefined): string | undefined => b?.toString();

/** Waits until `ok()` holds, polling; fails naming `what` after 60 s. */
async function until(ok: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The group's committed offset as a plain OffsetFetch (no requireStable) reads it: what a client's own start-offset fetch sees. */
async function plainCommitted(groupId: string, topic: string): Promise<string | undefined> {
  const admin = new kafkajs.Kafka({ clientId: 'contract-plain-fetch', brokers: localBrokers(), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets?.partitions.find((p) => p.partition === 0)?.offset;
  } finally {
    await admin.disconnect();
  }
}

describe.each(KAFKA_CLIENTS)('KafkaTransport contract: %s', (client) => {
  let transport: KafkaTransport;
  let admin: TransportAdmin;
  const run = randomUUID().slice(0, 8);
  const topic = (name: string) => `t.${client}.${name}.${run}`;

  beforeAll(async () => {
    transport = await createTransport(client, { brokers: localBrokers(), clientId: `contract-${client}` });
    admin = await transport.admin();
  });
  afterAll(async () => {
    await admin?.close();
  });

  it('ensureTopics creates topics with their partition count and is idempotent', async () => {
    const spec = { topic: topic('created'), partitions: 3, replicationFactor: 1, configs: { 'retention.ms': '3600000' } };
    await admin.ensureTopics([spec]);
    await admin.ensureTopics([spec]);
    const offsets = await admin.fetchOffsets(spec.topic);
    expect(offsets.map((o) => o.partition)).toEqual([0, 1, 2]);
    expect(offsets.every((o) => o.low === '0' && o.high === '0')).toBe(true);
  });

  it('round-trips keys (also with a NUL byte), values, headers and an explicit partition; onAssigned runs before the first batch', async () => {
    const t = topic('roundtrip');
    await admin.ensureTopics([{ topic: t, partitions: 3, replicationFactor: 1, configs: {} }]);
    const producer = await transport.producer({ idempotent: true });
    await producer.send([
      { topic: t, key: 'session-a', value: Buffer.from('one'), headers: { 'reply-partition': Buffer.from('2') } },
      { topic: t, partition: 2, key: Buffer.from('session-b'), value: Buffer.from('two'), headers: { h: Buffer.from([0, 1, 255]) } },
      { topic: t, partition: 1, key: null, value: null },
      { topic: t, partition: 0, key: 'nul\u0000inside', value: Buffer.from('nul-key') },
    ]);
    await producer.close();
    expect((await admin.fetchOffsets(t)).reduce((n, o) => n + Number(o.high), 0)).toBe(4);

    const events: string[] = [];
    const consumer = await transport.consumer({
      groupId: `g.roundtrip.${client}.${run}`,
      topics: [t],
      fromBeginning: true,
      ...FAST_GROUP,
      onAssigned: async (parts) => {
        events.push(`assigned:${parts.length}`);
      },
    });
    const seen = await consumeUntil(
      consumer,
      (rs) => rs.length >= 4,
      async (batch) => {
        events.push(`batch:${batch.partition}`);
      },
    );
    expect(events[0]).toBe('assigned:3');
    const byValue = new Map(seen.map((r) => [text(r.value) ?? '<null>', r]));
    const one = byValue.get('one');
    expect(text(one?.key)).toBe('session-a');
    expect(text(one?.headers['reply-partition'])).toBe('2');
    const two = byValue.get('two');
    expect(two?.partition).toBe(2);
    expect(text(two?.key)).toBe('session-b');
    expect([...(two?.headers['h'] ?? [])]).toEqual([0, 1, 255]);
    const empty = byValue.get('<null>');
    expect(empty?.partition).toBe(1);
    expect(empty?.key).toBeNull();
    expect(byValue.get('nul-key')?.key?.toString()).toBe('nul\u0000inside');
    expect(seen.every((r) => r.topic === t && r.timestampMs > Date.now() - 600_000)).toBe(true);
  });

  it('commits manually and a new member of the group resumes from the committed offset', async () => {
    const t = topic('resume');
    const group = `g.resume.${client}.${run}`;
    await admin.ensureTopics([{ topic: t, partitions: 1, replicationFactor: 1, configs: {} }]);
    const producer = await transport.producer();
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic: t, partition: 0, key: `k${i}`, value: Buffer.from(`v${i}`) })));
    await producer.close();

    const first = await transport.consumer({ groupId: group, topics: [t], fromBeginning: true, ...FAST_GROUP });
    const firstSeen = await consumeUntil(
      first,
      (rs) => rs.length >= 10,
      async (batch) => {
        // Commit only up to v4 (next offset 5), whatever the batch size.
        if (batch.records.some((r) => r.offset === '4')) await first.commit([{ topic: t, partition: 0, offset: '5' }]);
      },
    );
    expect(firstSeen.map((r) => text(r.value))).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
    expect(firstSeen.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));

    const second = await transport.consumer({ groupId: group, topics: [t], fromBeginning: true, ...FAST_GROUP });
    const resumed = await consumeUntil(second, (rs) => rs.length >= 5);
    expect(resumed[0]?.offset).toBe('5');
    expect(resumed.map((r) => text(r.value))).toEqual(['v5', 'v6', 'v7', 'v8', 'v9']);
  });

  it('a second group member triggers onRevoked on the first; afterwards the two own disjoint partitions', async () => {
    const t = topic('rebalance');
    const group = `g.rebalance.${client}.${run}`;
    await admin.ensureTopics([{ topic: t, partitions: 2, replicationFactor: 1, configs: {} }]);
    const owned = { a: new Set<number>(), b: new Set<number>() };
    const revokedFromA: number[] = [];
    const member = (name: 'a' | 'b') =>
      transport.consumer({
        groupId: group,
        topics: [t],
        fromBeginning: true,
        ...FAST_GROUP,
        onAssigned: async (parts) => {
          for (const p of parts) owned[name].add(p.partition);
        },
        onRevoked: async (parts) => {
          for (const p of parts) owned[name].delete(p.partition);
          if (name === 'a') revokedFromA.push(...parts.map((p) => p.partition));
        },
      });
    const until = async (ok: () => boolean, what: string) => {
      const deadline = Date.now() + 60_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: a=${[...owned.a]} b=${[...owned.b]}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const a = await member('a');
    const runningA = a.run(async () => undefined);
    await until(() => owned.a.size === 2, 'a to own both partitions');
    const b = await member('b');
    const runningB = b.run(async () => undefined);
    await until(() => owned.a.size === 1 && owned.b.size === 1, 'one partition each');
    expect(revokedFromA.length).toBeGreaterThanOrEqual(1);
    expect([...owned.a, ...owned.b].sort()).toEqual([0, 1]);
    await Promise.all([a.close(), b.close()]);
    await Promise.all([runningA, runningB]);
  });

  it('reports transaction support truthfully through the producer', async () => {
    const producer = await transport.producer({ transactionalId: `tx.flag.${client}.${run}` });
    expect(typeof producer.transaction === 'function').toBe(transport.supportsTransactions);
    await producer.close();
  });

  it('consume-transform-produce in a transaction: committed output and offsets visible, aborted output invisible', async () => {
    const input = topic('tx-in');
    const output = topic('tx-out');
    const group = `g.tx.${client}.${run}`;
    await admin.ensureTopics([
      { topic: input, partitions: 1, replicationFactor: 1, configs: {} },
      { topic: output, partitions: 1, replicationFactor: 1, configs: {} },
    ]);
    const plain = await transport.producer();
    await plain.send(['a', 'b', 'c', 'd'].map((v) => ({ topic: input, partition: 0, key: v, value: Buffer.from(v) })));

    const txProducer = await transport.producer({ transactionalId: `tx.${client}.${run}` });
    const begin = txProducer.transaction;
    if (begin === undefined) throw new Error('transactional producer without transaction()');
    const processor = await transport.consumer({ groupId: group, topics: [input], fromBeginning: true, readCommitted: true, ...FAST_GROUP });
    await consumeUntil(
      processor,
      (rs) => rs.length >= 4,
      async (batch) => {
        const txn = await begin();
        await txn.send(batch.records.map((r) => ({ topic: output, partition: 0, key: r.key, value: Buffer.from(`${text(r.value)}!`) })));
        const last = batch.records[batch.records.length - 1];
        if (last === undefined) throw new Error('empty batch');
        await txn.sendOffsets(group, [{ topic: input, partition: 0, offset: String(BigInt(last.offset) + 1n) }]);
        await txn.commit();
      },
    );
    const aborted = await begin();
    await aborted.send([{ topic: output, partition: 0, key: 'x', value: Buffer.from('aborted') }]);
    await aborted.abort();
    await txProducer.close();

    // The committed transaction's records are visible to read_committed; the aborted one never is.
    await plain.send([{ topic: output, partition: 0, key: 'end', value: Buffer.from('end-marker') }]);
    const committedView = await transport.consumer({ groupId: `g.txread.${client}.${run}`, topics: [output], fromBeginning: true, readCommitted: true, ...FAST_GROUP });
    const visible = await consumeUntil(committedView, (rs) => rs.some((r) => text(r.value) === 'end-marker'));
    expect(visible.map((r) => text(r.value))).toEqual(['a!', 'b!', 'c!', 'd!', 'end-marker']);

    // The offsets committed inside the transaction hold: the group resumes after 'd'.
    await plain.send([{ topic: input, partition: 0, key: 'e', value: Buffer.from('e') }]);
    await plain.close();
    const resumed = await transport.consumer({ groupId: group, topics: [input], fromBeginning: true, readCommitted: true, ...FAST_GROUP });
    const rest = await consumeUntil(resumed, (rs) => rs.length >= 1);
    expect(rest.map((r) => text(r.value))).toEqual(['e']);
  });

  it('stableCommitted waits for an open transaction holding the group\'s offsets and returns what it committed, not the stale offset', async () => {
    const t = topic('stable');
    const group = `g.stable.${client}.${run}`;
    await admin.ensureTopics([{ topic: t, partitions: 1, replicationFactor: 1, configs: {} }]);
    const assigned: number[] = [];
    const member = await transport.consumer({
      groupId: group, topics: [t], fromBeginning: true, readCommitted: true, ...FAST_GROUP,
      onAssigned: async (ps) => void assigned.push(...ps.map((p) => p.partition)),
    });
    if (member.stableCommitted === undefined) throw new Error(`${client}: no stableCommitted`);
    const running = member.run(async () => undefined);
    await until(() => assigned.includes(0), () => 'the member to own partition 0');
    const producer = await transport.producer({ transactionalId: `tx.stable.${client}.${run}` });
    const begin = producer.transaction;
    if (begin === undefined) throw new Error('transactional producer without transaction()');
    const first = await begin();
    await first.sendOffsets(group, [{ topic: t, partition: 0, offset: '1' }]);
    await first.commit();
    expect(await member.stableCommitted([{ topic: t, partition: 0 }])).toEqual([{ topic: t, partition: 0, offset: '1' }]);

    // A second transaction moves the offset to 3 and stays open for a while: a plain fetch still says 1.
    const open = await begin();
    await open.sendOffsets(group, [{ topic: t, partition: 0, offset: '3' }]);
    expect(await plainCommitted(group, t)).toBe('1');
    let commitIssued = false;
    const committing = new Promise<void>((resolve, reject) => setTimeout(() => {
      commitIssued = true;
      open.commit().then(resolve, reject);
    }, 1_500));
    const stable = await member.stableCommitted([{ topic: t, partition: 0 }]);
    expect(commitIssued).toBe(true);
    expect(stable).toEqual([{ topic: t, partition: 0, offset: '3' }]);
    await committing;
    // A partition the group never committed is left out.
    expect(await member.stableCommitted([{ topic: t, partition: 1 }])).toEqual([]);
    await producer.close();
    await member.close();
    await running;
  });

  it('rewind after an aborted transaction reads every owned partition again from the last committed offset', async () => {
    const t = topic('rewind');
    const group = `g.rewind.${client}.${run}`;
    await admin.ensureTopics([{ topic: t, partitions: 1, replicationFactor: 1, configs: {} }]);
    const plain = await transport.producer();
    await plain.send(Array.from({ length: 6 }, (_, i) => ({ topic: t, partition: 0, key: `k${i}`, value: Buffer.from(`v${i}`) })));
    await plain.close();
    const member = await transport.consumer({ groupId: group, topics: [t], fromBeginning: true, readCommitted: true, ...FAST_GROUP });
    if (member.rewind === undefined) throw new Error(`${client}: no rewind`);
    const seen: string[] = [];
    const running = member.run(async (batch) => void seen.push(...batch.records.map((r) => r.offset)));
    await until(() => seen.length >= 6, () => `the first read of 6 records (seen ${seen.join(',')})`);

    const producer = await transport.producer({ transactionalId: `tx.rewind.${client}.${run}` });
    const begin = producer.transaction;
    if (begin === undefined) throw new Error('transactional producer without transaction()');
    const committed = await begin();
    await committed.sendOffsets(group, [{ topic: t, partition: 0, offset: '2' }]);
    await committed.commit();
    const aborted = await begin();
    await aborted.sendOffsets(group, [{ topic: t, partition: 0, offset: '4' }]);
    await aborted.abort();

    const firstRead = seen.length;
    await member.rewind();
    await until(() => seen.length >= firstRead + 4, () => `the records from offset 2 again (seen ${seen.join(',')})`);
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing else arrives: no record before 2, none twice
    expect(seen.slice(0, firstRead)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(seen.slice(firstRead)).toEqual(['2', '3', '4', '5']);
    await producer.close();
    await member.close();
    await running;
  });

  it('rewind of a partition the group never committed reads it again from where a new member starts (fromBeginning: the log start)', async () => {
    const t = topic('rewind-uncommitted');
    await admin.ensureTopics([{ topic: t, partitions: 1, replicationFactor: 1, configs: {} }]);
    const plain = await transport.producer();
    await plain.send(Array.from({ length: 3 }, (_, i) => ({ topic: t, partition: 0, key: `k${i}`, value: Buffer.from(`v${i}`) })));
    await plain.close();
    const member = await transport.consumer({ groupId: `g.rewind0.${client}.${run}`, topics: [t], fromBeginning: true, readCommitted: true, ...FAST_GROUP });
    if (member.rewind === undefined) throw new Error(`${client}: no rewind`);
    const seen: string[] = [];
    const running = member.run(async (batch) => void seen.push(...batch.records.map((r) => r.offset)));
    await until(() => seen.length >= 3, () => `the first read (seen ${seen.join(',')})`);
    await member.rewind();
    await until(() => seen.length >= 6, () => `the second read (seen ${seen.join(',')})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen).toEqual(['0', '1', '2', '0', '1', '2']);
    await member.close();
    await running;
  });
});

// Adapters whose client rejoins before our hooks run (kafkajs, platformatic) fence a transaction's offsets by
// ownership; confluent's revocation hook runs before the rejoin and the broker fences by generation instead.
/** Two transports of one client, a 2-partition topic and a group whose members record what they own. */
async function fenceSetup(client: KafkaClientName, name: string, run: string) {
  const config = { brokers: localBrokers(), clientId: `${name}-${client}` };
  const [mine, theirs] = [await createTransport(client, config), await createTransport(client, config)];
  const admin = await mine.admin();
  const t = `t.${client}.${name}.${run}`;
  const group = `g.${name}.${client}.${run}`;
  await admin.ensureTopics([{ topic: t, partitions: 2, replicationFactor: 1, configs: {} }]);
  const owned = { a: new Set<number>(), b: new Set<number>() };
  const member = (transport: KafkaTransport, who: 'a' | 'b') => transport.consumer({
    groupId: group, topics: [t], fromBeginning: true, readCommitted: true, ...FAST_GROUP,
    onAssigned: async (ps) => { for (const p of ps) owned[who].add(p.partition); },
    onRevoked: async (ps) => { for (const p of ps) owned[who].delete(p.partition); },
  });
  const transactional = async () => {
    const producer = await mine.producer({ transactionalId: `tx.${name}.${client}.${run}` });
    const begin = producer.transaction;
    if (begin === undefined) throw new Error('transactional producer without transaction()');
    return { producer, begin };
  };
  return { mine, theirs, admin, t, group, owned, member, transactional };
}

describe.each(['kafkajs', 'platformatic'] as const)('KafkaTransport ownership fence: %s', (client) => {
  const run = randomUUID().slice(0, 8);

  it('a transaction refuses offsets of a partition the group has given to another member (ARB_TRANSPORT_PARTITION_REVOKED)', async () => {
    const { mine, theirs, admin, t, group, owned, member, transactional } = await fenceSetup(client, 'fence', run);
    const a = await member(mine, 'a');
    const runningA = a.run(async () => undefined);
    await until(() => owned.a.size === 2, () => `a to own both partitions (a=${[...owned.a]})`);
    const b = await member(theirs, 'b');
    const runningB = b.run(async () => undefined);
    await until(() => owned.a.size === 1 && owned.b.size === 1, () => `one partition each (a=${[...owned.a]} b=${[...owned.b]})`);
    const lost = [...owned.b][0] as number;
    const kept = [...owned.a][0] as number;

    const { producer, begin } = await transactional();
    const refused = await begin();
    await refused.send([{ topic: t, partition: kept, key: 'x', value: Buffer.from('refused') }]);
    await expect(refused.sendOffsets(group, [{ topic: t, partition: kept, offset: '0' }, { topic: t, partition: lost, offset: '0' }]))
      .rejects.toMatchObject({ code: 'ARB_TRANSPORT_PARTITION_REVOKED' });
    await refused.abort();
    const accepted = await begin();
    await accepted.sendOffsets(group, [{ topic: t, partition: kept, offset: '0' }]);
    await accepted.commit();
    await producer.close();
    await Promise.all([a.close(), b.close()]);
    await Promise.all([runningA, runningB]);
    await admin.close();
  });
});

// kafkajs's TxnOffsetCommit has no generation, so the broker never refuses it; the adapter checks ownership again at
// commit for offsets sent before a rebalance.
describe('KafkaTransport ownership fence at commit: kafkajs', () => {
  const run = randomUUID().slice(0, 8);

  it('a transaction whose offsets were sent before the partition moved to another member refuses to commit', async () => {
    const { mine, theirs, admin, t, group, owned, member, transactional } = await fenceSetup('kafkajs', 'fence-commit', run);
    const a = await member(mine, 'a');
    const runningA = a.run(async () => undefined);
    await until(() => owned.a.size === 2, () => `a to own both partitions (a=${[...owned.a]})`);
    const { producer, begin } = await transactional();
    const txn = await begin();
    await txn.send([{ topic: t, partition: 0, key: 'x', value: Buffer.from('sent before the rebalance') }]);
    await txn.sendOffsets(group, [{ topic: t, partition: 0, offset: '0' }, { topic: t, partition: 1, offset: '0' }]);

    const b = await member(theirs, 'b');
    const runningB = b.run(async () => undefined);
    await until(() => owned.a.size === 1 && owned.b.size === 1, () => `one partition each (a=${[...owned.a]} b=${[...owned.b]})`);
    await expect(txn.commit()).rejects.toMatchObject({ code: 'ARB_TRANSPORT_PARTITION_REVOKED' });
    await txn.abort();
    await producer.close();
    await Promise.all([a.close(), b.close()]);
    await Promise.all([runningA, runningB]);
    await admin.close();
  });
});
