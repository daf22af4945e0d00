// The consequence of co-partitioned assignment end to end: three verdict processors in one group on 4-partition
// topics. Sessions read untrusted content (a result with an untrusted source, on the results topic only) and then
// propose an email; the test policy's taint rule (email-tainted) must deny every one of them, whichever member owns
// the session's partition. With a round-robin assignor the member deciding a session's proposals is not the one
// that folded its results, and the email is allowed (docs/decisions.md "Co-partitioned assignment").
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import type { TopicMap } from '../../processors/runtime/topics.ts';
import type { InRecord, TransportConsumer } from '../../processors/runtime/transport/index.ts';
import { startVerdictProcessor, type RunningVerdict } from '../../processors/verdict/index.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { POLICY } from '../unit/verdict/fixtures.ts';
import { liveProposal, openTestBus, publishBundle, resultOf, sendProposals, sendResults, waitFor, type TestBus } from './helpers/test-bus.ts';
import { testVerdictConfig } from './helpers/verdict-config.ts';

const PARTITIONS = 4;
/** Tainted sessions: enough that every partition has some (each misses one of 4 partitions with p = 0.75^32). */
const SESSIONS = 32;
const run = randomUUID().slice(0, 8);
const keys = generateSigningKeys();
const config = testVerdictConfig(`itcp-${run}`, 'verdict-test', keys.publicKeyPem, { partitions: PARTITIONS });

type GroupAssignment = Record<string, Record<string, number[]>>;

/** Each member's assignment as the group coordinator holds it (topic names shortened to their role), when Stable. */
async function groupAssignment(groupId: string): Promise<GroupAssignment | undefined> {
  const admin = new kafkajs.Kafka({ clientId: 'copartition-describe', brokers: localBrokers(), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (group?.state !== 'Stable') return undefined;
    const out: GroupAssignment = {};
    for (const m of group.members) {
      const a = kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {};
      out[m.clientId] = Object.fromEntries(Object.entries(a).map(([t, ps]) => [t.slice(t.lastIndexOf('.') + 1), ps]));
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** The group is Stable with `members` members each holding something, unchanged over two looks 2 s apart. */
async function settledAssignment(groupId: string, members: number): Promise<GroupAssignment> {
  const ok = (a: GroupAssignment | undefined) =>
    a !== undefined && Object.keys(a).length === members && Object.values(a).every((byTopic) => Object.keys(byTopic).length > 0);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const first = await groupAssignment(groupId);
    if (ok(first)) {
      await new Promise((r) => setTimeout(r, 2_000));
      const second = await groupAssignment(groupId);
      if (JSON.stringify(second) === JSON.stringify(first)) return first as GroupAssignment;
    }
    if (Date.now() > deadline) throw new Error(`verdict group ${groupId} did not settle with ${members} members: ${JSON.stringify(first)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('three verdict processors: a session\'s results reach the member deciding its proposals', () => {
  let bus: TestBus;
  let topics: TopicMap;
  let reader: TransportConsumer;
  let reading: Promise<void>;
  const members: RunningVerdict[] = [];
  const verdicts: Verdict[] = [];
  const changelogKeys = new Set<string>();

  beforeAll(async () => {
    bus = await openTestBus(config.topicPrefix, { partitions: PARTITIONS });
    topics = bus.topics;
    await publishBundle(bus, signBundle('verdict-test', [{ path: 'test.yaml', text: POLICY }], keys.privateKeyPem, 'k1'), 'it');
    reader = await bus.transport.consumer({
      groupId: `itcp-${run}-reader`, fromBeginning: true, readCommitted: true, maxWaitMs: 20,
      topics: [topics.verdicts.topic, topics.sessionState.topic],
    });
    reading = reader.run(async (batch) => {
      for (const r of batch.records as readonly InRecord[]) {
        if (r.topic === topics.verdicts.topic) verdicts.push(await bus.serde.decode(topics.verdicts, r));
        else changelogKeys.add(r.key?.toString() ?? '');
      }
    });
    for (const id of ['a', 'b', 'c']) members.push(await startVerdictProcessor({ ...config, instanceId: id }, { log: () => undefined }));
  }, 180_000);

  afterAll(async () => {
    for (const m of members) await m.close().catch(() => undefined);
    await reader?.close();
    await reading?.catch(() => undefined);
    await bus?.close();
  });

  it('denies an email after untrusted content in every session (taint rule), whichever member owns it', async () => {
    console.log('verdict group assignment:', JSON.stringify(await settledAssignment(config.groupId, 3)));
    // Every member has restored and is deciding: read proposals in 16 other sessions are answered.
    const probes = Array.from({ length: 16 }, (_, i) => liveProposal(topics, { sessionId: `s-probe-${i}-${run}` }));
    await sendProposals(bus, probes);
    for (const p of probes) await waitFor(`probe verdict ${p.proposalId}`, () => verdicts.find((v) => v.proposalId === p.proposalId), 120_000);

    // Untrusted content read: reported on the results topic only (not attached to the next proposal). The sessions have
    // no verdict yet, so their changelog record is keyed by the session id.
    const sessions = Array.from({ length: SESSIONS }, (_, i) => `s-cp-${i}-${run}`);
    await sendResults(bus, sessions.map((sessionId) => resultOf(liveProposal(topics, { sessionId }), { untrustedSources: ['web:evil.example'] })));
    await waitFor('every tainted session state written', () => (sessions.every((s) => changelogKeys.has(s)) ? true : undefined), 60_000);

    const emails = sessions.map((sessionId) => liveProposal(topics, {
      sessionId, tool: 'send_email', args: { to: ['bob@example.com'], subject: 'report', body: 'see attached' },
    }));
    await sendProposals(bus, emails);
    const answered = [];
    for (const p of emails) answered.push(await waitFor(`email verdict ${p.proposalId}`, () => verdicts.find((v) => v.proposalId === p.proposalId), 60_000));
    const notDenied = answered.filter((v) => v.effect !== 'deny' || !v.ruleIds.includes('email-tainted'));
    expect(notDenied.map((v) => `${emails.find((e) => e.proposalId === v.proposalId)?.sessionId}: ${v.effect} ${v.ruleIds.join(',')}`)).toEqual([]);
  }, 240_000);
});
