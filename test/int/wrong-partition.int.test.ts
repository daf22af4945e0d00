// A producer that does not put a session's records on the partition their key maps to (its client's partitioner is not
// Java's murmur2: librdkafka's default CRC32, @platformatic/kafka's unsigned murmur2 on 6 or 12 partitions, or a
// hand-picked partition), against the verdict processor on the real broker and registry, 6 partitions (the default).
// Such a record is dead-lettered with ARB_VERDICT_WRONG_PARTITION, folded into no state (before the check it was folded
// into a copy of the session on the wrong partition, which no proposal of the session reads), and the session's next
// proposal is decided by its own state; a misplaced proposal is denied with that code.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import { partitionFor } from '../../processors/runtime/partition-for.ts';
import { proposalToWire, resultToWire } from '../../processors/runtime/serde/records.ts';
import type { TopicMap } from '../../processors/runtime/topics.ts';
import type { TransportConsumer } from '../../processors/runtime/transport/index.ts';
import { correlationHeaders } from '../../processors/verdict/correlation.ts';
import { startVerdictProcessor, type RunningVerdict } from '../../processors/verdict/index.ts';
import type { DeadLetter } from '../../schemas/generated/DeadLetter.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { POLICY } from '../unit/verdict/fixtures.ts';
import { liveProposal, openTestBus, publishBundle, resultOf, sendProposals, sendResults, waitFor, type TestBus } from './helpers/test-bus.ts';
import { testVerdictConfig } from './helpers/verdict-config.ts';

const PARTITIONS = 6;
const run = randomUUID().slice(0, 8);
const keys = generateSigningKeys();
const config = testVerdictConfig(`itwp-${run}`, 'verdict-test', keys.publicKeyPem, { partitions: PARTITIONS });
const email = { tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: 'b' } };

describe('a session-keyed record on the wrong partition', () => {
  let bus: TestBus;
  let topics: TopicMap;
  let reader: TransportConsumer;
  let reading: Promise<void>;
  let processor: RunningVerdict;
  const verdicts: Verdict[] = [];
  const dead: DeadLetter[] = [];
  /** Changelog records: key and partition. */
  const changelog: { key: string; partition: number }[] = [];

  const verdictOf = (id: string) => waitFor(`verdict of ${id}`, () => verdicts.find((v) => v.proposalId === id));
  const home = (sessionId: string) => partitionFor(sessionId, PARTITIONS);
  const elsewhere = (sessionId: string) => (home(sessionId) + 1) % PARTITIONS;
  /** Changelog records of the session: its plain state record and its verdict slots (session-store.ts). */
  const stateRecordsOf = (sessionId: string) => changelog.filter((c) => c.key === sessionId || c.key.endsWith(`\u0000${sessionId}`));

  beforeAll(async () => {
    bus = await openTestBus(config.topicPrefix, { partitions: PARTITIONS });
    topics = bus.topics;
    await publishBundle(bus, signBundle('verdict-test', [{ path: 'test.yaml', text: POLICY }], keys.privateKeyPem, 'k1'), 'it');
    reader = await bus.transport.consumer({
      groupId: `itwp-${run}-reader`, fromBeginning: true, readCommitted: true, maxWaitMs: 20,
      topics: [topics.verdicts.topic, topics.sessionState.topic, topics.dlqProposals.topic, topics.dlqResults.topic],
    });
    reading = reader.run(async (batch) => {
      for (const r of batch.records) {
        if (r.topic === topics.verdicts.topic) verdicts.push(await bus.serde.decode(topics.verdicts, r));
        else if (r.topic === topics.sessionState.topic) changelog.push({ key: r.key?.toString('utf8') ?? '', partition: r.partition });
        else dead.push(await bus.serde.decode(topics.dlqResults, r));
      }
    });
    processor = await startVerdictProcessor(config);
  });

  afterAll(async () => {
    await processor?.close();
    await reader?.close();
    await reading?.catch(() => undefined);
    await bus?.close();
  });

  it('a result on the wrong partition is dead-lettered and folded nowhere; the next proposal is decided by the session\'s own state', async () => {
    const sessionId = `s-wp-${randomUUID()}`;
    // The session's own history, on its partition: untrusted content was read (tainted).
    const first = liveProposal(topics, { sessionId });
    await sendProposals(bus, [first]);
    expect(await verdictOf(first.proposalId)).toMatchObject({ effect: 'allow' });
    await sendResults(bus, [resultOf(first, { untrustedSources: ['web:evil.example'] })]);
    await waitFor('taint folded', () => (stateRecordsOf(sessionId).length >= 2 ? true : undefined));
    // A misplaced result of the same session, as a producer with another partitioner sends it.
    const wrong = elsewhere(sessionId);
    const misplaced = resultOf(first, { outcome: 'success', recordsRead: { pii: 1 } });
    await bus.producer.send([{ topic: topics.results.topic, partition: wrong, key: sessionId, value: bus.serde.encode(topics.results, resultToWire(misplaced)) }]);
    const letter = await waitFor('dead letter of the misplaced result', () => dead.find((d) => d.key?.toString('utf8') === sessionId && d.sourceTopic === topics.results.topic));
    expect(letter).toMatchObject({ errorCode: 'ARB_VERDICT_WRONG_PARTITION', sourcePartition: wrong });
    expect(letter.message).toContain(`"${sessionId}" came on partition ${wrong} but belongs on partition ${home(sessionId)} of ${PARTITIONS}`);
    // The next proposal, on the session's partition, is decided from the state the session's own records built.
    const next = liveProposal(topics, { sessionId, ...email });
    await sendProposals(bus, [next]);
    expect(await verdictOf(next.proposalId)).toMatchObject({ effect: 'deny', ruleIds: ['email-tainted'] });
    await waitFor('state after the next proposal', () => (stateRecordsOf(sessionId).length >= 3 ? true : undefined));
    // No copy of the session was started on the wrong partition.
    expect(new Set(stateRecordsOf(sessionId).map((c) => c.partition))).toEqual(new Set([home(sessionId)]));
    expect(processor.task.metrics.deadLetters.get({ topic: topics.results.topic, code: 'ARB_VERDICT_WRONG_PARTITION' })).toBe(1);
  });

  it('a proposal on the wrong partition is denied with ARB_VERDICT_WRONG_PARTITION and dead-lettered, without a decision', async () => {
    const sessionId = `s-wp-${randomUUID()}`;
    const p = liveProposal(topics, { sessionId, ...email });
    await bus.producer.send([{ topic: topics.proposals.topic, partition: elsewhere(sessionId), key: sessionId, value: bus.serde.encode(topics.proposals, proposalToWire(p)),
      headers: correlationHeaders(p.proposalId, { topic: p.replyTopic, partition: p.replyPartition }) }]);
    const verdict = await verdictOf(p.proposalId);
    expect(verdict).toMatchObject({ effect: 'deny', errorCode: 'ARB_VERDICT_WRONG_PARTITION' });
    const letter = await waitFor('dead letter of the misplaced proposal', () => dead.find((d) => d.key?.toString('utf8') === sessionId));
    expect(letter).toMatchObject({ errorCode: 'ARB_VERDICT_WRONG_PARTITION', sourceTopic: topics.proposals.topic, sourcePartition: elsewhere(sessionId) });
    // The same proposal on its own partition is decided normally.
    const again = liveProposal(topics, { sessionId, ...email });
    await sendProposals(bus, [again]);
    expect(await verdictOf(again.proposalId)).toMatchObject({ effect: 'allow', errorCode: '' });
    expect(stateRecordsOf(sessionId).every((c) => c.partition === home(sessionId))).toBe(true);
  });
});
