// The verdict processor end to end on the real broker and the real schema registry: a signed bundle on the
// bundles topic, proposals produced as the SDK does, verdicts/decisions/dead letters read back (read_committed).
// Covers allow/deny, a duplicate proposal, poison input, a result folded into the session (taint), a passed
// deadline, a rejected bundle and a restart that restores session state and the chain head from the changelog.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLink, genesisHead, headAfter, type ChainHead } from '../../processors/core/chain.ts';
import type { DecisionRecord, ToolCallProposal } from '../../processors/core/types.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import type { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import type { TopicMap } from '../../processors/runtime/topics.ts';
import type { InRecord, TransportConsumer, TransportProducer } from '../../processors/runtime/transport/index.ts';
import { correlationHeaders } from '../../processors/verdict/correlation.ts';
import { startVerdictProcessor, type RunningVerdict } from '../../processors/verdict/index.ts';
import type { DeadLetter } from '../../schemas/generated/DeadLetter.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { POLICY } from '../unit/verdict/fixtures.ts';
import { liveProposal, openTestBus, publishBundle, resultOf, sendProposals, sendResults, waitFor, type TestBus } from './helpers/test-bus.ts';
import { testVerdictConfig } from './helpers/verdict-config.ts';

const run = randomUUID().slice(0, 8);
const keys = generateSigningKeys();
const config = testVerdictConfig(`itv-${run}`, 'verdict-test', keys.publicKeyPem, { maxValueBytes: 64 * 1024 });

describe('verdict processor on the real broker and registry', () => {
  let bus: TestBus;
  let topics: TopicMap;
  let producer: TransportProducer;
  let serde: TopicSerde;
  let reader: TransportConsumer;
  let reading: Promise<void>;
  let processor: RunningVerdict;
  const verdicts: Verdict[] = [];
  const decisions: DecisionRecord[] = [];
  const dead: { topic: string; letter: DeadLetter }[] = [];
  const changelogKeys: string[] = [];

  const propose = (over: Partial<ToolCallProposal>): ToolCallProposal => liveProposal(topics, { replyPartition: 1, ...over });
  const send = (p: ToolCallProposal): Promise<void> => sendProposals(bus, [p]);
  const verdictOf = (id: string) => waitFor(`verdict of ${id}`, () => verdicts.find((v) => v.proposalId === id));
  /** Every decision so far links to the one before it on its chain partition (no gap, no repeat). */
  const expectChainsLinked = () => {
    for (const partition of [0, 1]) {
      let head: ChainHead = genesisHead(partition);
      for (const d of decisions.filter((x) => x.chainPartition === partition)) {
        expect(checkLink(head, d), `partition ${partition} seq ${d.chainSeq}`).toEqual([]);
        head = headAfter(d);
      }
    }
  };

  beforeAll(async () => {
    bus = await openTestBus(config.topicPrefix);
    ({ topics, producer, serde } = bus);
    await publishBundle(bus, signBundle('verdict-test', [{ path: 'test.yaml', text: POLICY }], keys.privateKeyPem, 'k1'), 'it');
    reader = await bus.transport.consumer({
      groupId: `itv-${run}-reader`, fromBeginning: true, readCommitted: true, maxWaitMs: 20,
      topics: [topics.verdicts.topic, topics.decisions.topic, topics.dlqProposals.topic, topics.dlqPolicyBundles.topic, topics.sessionState.topic],
    });
    reading = reader.run(async (batch) => {
      for (const r of batch.records) {
        const rec = r as InRecord;
        if (rec.topic === topics.verdicts.topic) verdicts.push(await serde.decode(topics.verdicts, rec));
        else if (rec.topic === topics.decisions.topic) decisions.push(await serde.decode(topics.decisions, rec));
        else if (rec.topic === topics.sessionState.topic) changelogKeys.push(rec.key?.toString() ?? '');
        else dead.push({ topic: rec.topic, letter: await serde.decode(topics.dlqProposals, rec) });
      }
    });
    processor = await startVerdictProcessor(config, { log: (e, d) => console.log("verdict", e, JSON.stringify(d)) });
    expect(processor.slot.current).toBeDefined();
  });

  afterAll(async () => {
    await processor?.close();
    await reader?.close();
    await reading?.catch(() => undefined);
    await bus?.close();
  });

  it('allows and denies per the bundle and records one chained decision each', async () => {
    const ok = propose({});
    const bad = propose({ sessionId: 's-2', tool: 'send_email', args: { to: ['eve@evil.example'], subject: 'x', body: 'y' } });
    await send(ok);
    await send(bad);
    expect(await verdictOf(ok.proposalId)).toMatchObject({ effect: 'allow', errorCode: '', bundleRevision: processor.slot.current?.revision });
    const denied = await verdictOf(bad.proposalId);
    expect(denied).toMatchObject({ effect: 'deny', ruleIds: ['email-outside'] });
    const record = await waitFor('decision', () => decisions.find((d) => d.proposalId === bad.proposalId));
    expect(record.argsMinimised['to']).toMatch(/^evil\.example sha256:/);
    expect(JSON.stringify(record)).not.toContain('eve@');
  });

  it('answers a duplicate proposal with the same verdict and no second decision', async () => {
    const p = propose({ sessionId: 's-dup' });
    await send(p);
    const first = await verdictOf(p.proposalId);
    await send(p);
    await waitFor('second verdict', () => (verdicts.filter((v) => v.proposalId === p.proposalId).length === 2 ? true : undefined));
    const marker = propose({ sessionId: 's-dup' });
    await send(marker);
    await waitFor('marker decision', () => decisions.find((d) => d.proposalId === marker.proposalId));
    const again = verdicts.filter((v) => v.proposalId === p.proposalId);
    expect(again[1]).toEqual(first);
    expect(decisions.filter((d) => d.proposalId === p.proposalId)).toHaveLength(1);
  });

  it('dead-letters poison with its source offset, denies via correlation headers, and keeps the partition flowing', async () => {
    const id = randomUUID();
    await producer.send([{ topic: topics.proposals.topic, key: 's-1', value: Buffer.from('not avro at all'),
      headers: correlationHeaders(id, { topic: topics.verdicts.topic, partition: 0 }) }]);
    const next = propose({});
    await send(next);
    expect(await verdictOf(id)).toMatchObject({ effect: 'deny', errorCode: 'ARB_VERDICT_UNDECODABLE' });
    const letter = await waitFor('dead letter', () => dead.find((d) => d.letter.value?.toString() === 'not avro at all'));
    expect(letter.letter).toMatchObject({ errorCode: 'ARB_SERDE_BAD_MAGIC', sourceTopic: topics.proposals.topic });
    expect(Number(letter.letter.sourceOffset)).toBeGreaterThanOrEqual(0);
    expect((await verdictOf(next.proposalId)).effect).toBe('allow');
  });

  it('folds a reported result into the session: after untrusted content the taint rule denies an email', async () => {
    const sessionId = `s-taint-${randomUUID()}`;
    await sendResults(bus, [resultOf(propose({ sessionId }), { untrustedSources: ['web:evil.example'] })]);
    await waitFor('session state written', () => (changelogKeys.includes(sessionId) ? true : undefined));
    const p = propose({ sessionId, tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: 'b' } });
    await send(p);
    expect(await verdictOf(p.proposalId)).toMatchObject({ effect: 'deny', ruleIds: ['email-tainted'] });
  });

  it('denies a proposal whose deadline has passed with ARB_VERDICT_DEADLINE_PASSED', async () => {
    const late = propose({ deadlineMs: Date.now() - 1000 });
    await send(late);
    expect(await verdictOf(late.proposalId)).toMatchObject({ effect: 'deny', errorCode: 'ARB_VERDICT_DEADLINE_PASSED' });
  });

  it('refuses a bundle signed by an untrusted key and keeps the active one', async () => {
    const before = processor.slot.current?.revision;
    const rogue = generateSigningKeys();
    await publishBundle(bus, signBundle('verdict-test', [{ path: 'test.yaml', text: POLICY.replace('default: deny', 'default: allow') }], rogue.privateKeyPem, 'k1'), 'it');
    const letter = await waitFor('bundle dead letter', () => dead.find((d) => d.topic === topics.dlqPolicyBundles.topic));
    expect(letter.letter.errorCode).toBe('ARB_VERDICT_BUNDLE_REJECTED');
    expect(letter.letter.message).toMatch(/ARB_POLICY_BAD_SIGNATURE/);
    const p = propose({ tool: 'rm_rf' });
    await send(p);
    expect(await verdictOf(p.proposalId)).toMatchObject({ effect: 'deny', bundleRevision: before });
  });

  it('decides a burst of 1000 proposals once each (exactly-once under load) and reports the rate', async () => {
    const burst = Array.from({ length: 1000 }, (_, i) => propose({ sessionId: `s-burst-${i % 20}`, replyPartition: i % 2 }));
    const t0 = performance.now();
    await sendProposals(bus, burst);
    const ids = new Set(burst.map((p) => p.proposalId));
    await waitFor('all burst decisions', () => (decisions.filter((d) => ids.has(d.proposalId)).length >= ids.size ? true : undefined));
    // Verdicts and decisions commit in one transaction, but the reader fetches their partitions independently: a
    // decision seen does not mean its verdict was fetched yet. Wait for both (a lost verdict still times out).
    const verdictIds = () => new Set(verdicts.filter((v) => ids.has(v.proposalId)).map((v) => v.proposalId));
    await waitFor('all burst verdicts', () => (verdictIds().size >= ids.size ? true : undefined));
    const seconds = (performance.now() - t0) / 1000;
    console.log(`burst: ${ids.size} proposals decided in ${seconds.toFixed(2)} s = ${(ids.size / seconds).toFixed(0)} decisions/s (${processor.mode}, ${processor.transport.name})`);
    expect(decisions.filter((d) => ids.has(d.proposalId))).toHaveLength(ids.size);
    expect(verdictIds().size).toBe(ids.size);
  });

  it('after a restart restores sessions and chain heads: a duplicate gets the old verdict, new decisions extend the chain', async () => {
    const p = propose({ sessionId: 's-restart' });
    await send(p);
    const first = await verdictOf(p.proposalId);
    await processor.close();
    processor = await startVerdictProcessor({ ...config, instanceId: 'two' }, { log: (e, d) => console.log('verdict', e, JSON.stringify(d)) });
    await send(p);
    await waitFor('verdict after restart', () => (verdicts.filter((v) => v.proposalId === p.proposalId).length === 2 ? true : undefined));
    expect(verdicts.filter((v) => v.proposalId === p.proposalId)[1]).toEqual(first);
    const next = propose({ sessionId: 's-restart' });
    await send(next);
    await waitFor('decision after restart', () => decisions.find((d) => d.proposalId === next.proposalId));
    expect(decisions.filter((d) => d.proposalId === p.proposalId)).toHaveLength(1);
    expectChainsLinked();
  });
  it('hands partitions over on rebalance (a second instance joins, the first leaves) without losing or repeating a decision', async () => {
    const sent: ToolCallProposal[] = [];
    const sendSome = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const p = propose({ sessionId: `s-rb-${i % 16}`, replyPartition: i % 2 });
        sent.push(p);
        await send(p);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await sendSome(100);
    const second = await startVerdictProcessor({ ...config, instanceId: 'three' }, { log: (e, d) => console.log('verdict#3', e, JSON.stringify(d)) });
    await sendSome(100);
    await processor.close();
    processor = second;
    await sendSome(100);
    const ids = new Set(sent.map((p) => p.proposalId));
    await waitFor('all decisions across the rebalance', () => (decisions.filter((d) => ids.has(d.proposalId)).length >= ids.size ? true : undefined), 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    const mine = decisions.filter((d) => ids.has(d.proposalId));
    expect(new Set(mine.map((d) => d.proposalId)).size).toBe(ids.size);
    expect(mine).toHaveLength(ids.size);
    expectChainsLinked();
  });

  it('absorbs repeated rebalances under load: members join and leave while proposals flow, each proposal gets one verdict and one decision', async () => {
    // A member whose loop stops is restarted under the same id, as the bin's supervisor does.
    const live = new Map<string, RunningVerdict>();
    const leaving = new Set<string>();
    let restarts = 0;
    const launch = async (id: string): Promise<void> => {
      const member = await startVerdictProcessor({ ...config, instanceId: id }, { log: () => undefined });
      live.set(id, member);
      member.stopped.catch(async () => {
        if (leaving.has(id)) return;
        restarts++;
        await member.close().catch(() => undefined);
        await launch(id).catch(() => undefined);
      });
    };
    await processor.close();
    await launch('churn-0');
    const sent: ToolCallProposal[] = [];
    let flowing = true;
    const flow = (async () => {
      for (let i = 0; flowing; i++) {
        const batch = Array.from({ length: 10 }, (_, j) => propose({ sessionId: `s-churn-${(i * 10 + j) % 24}`, replyPartition: j % 2 }));
        sent.push(...batch);
        await sendProposals(bus, batch);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    for (let round = 1; round <= 5; round++) {
      const id = `churn-${round}`;
      await launch(id);
      await new Promise((r) => setTimeout(r, 1500));
      leaving.add(id);
      await live.get(id)?.close();
      live.delete(id);
      await new Promise((r) => setTimeout(r, 500));
    }
    flowing = false;
    await flow;
    const ids = new Set(sent.map((p) => p.proposalId));
    const decided = () => new Set(decisions.filter((d) => ids.has(d.proposalId)).map((d) => d.proposalId)).size;
    await waitFor('every churn proposal decided', () => (decided() >= ids.size ? true : undefined), 120_000);
    await waitFor('every churn verdict', () => (new Set(verdicts.filter((v) => ids.has(v.proposalId)).map((v) => v.proposalId)).size >= ids.size ? true : undefined));
    // Anything produced twice would be committed by now (a transaction's timeout is 60 s, but the duplicate commits
    // within a rebalance); read a marker decided after everything else to know the reader is past them.
    const marker = propose({ sessionId: 's-churn-marker' });
    await send(marker);
    await waitFor('marker decision', () => decisions.find((d) => d.proposalId === marker.proposalId));
    const perId = (list: readonly { proposalId: string }[]) => {
      const n = new Map<string, number>();
      for (const r of list) if (ids.has(r.proposalId)) n.set(r.proposalId, (n.get(r.proposalId) ?? 0) + 1);
      return n;
    };
    const twiceDecided = [...perId(decisions)].filter(([, n]) => n !== 1);
    const twiceAnswered = [...perId(verdicts)].filter(([, n]) => n !== 1);
    console.log(`churn: ${ids.size} proposals, 5 joins + 5 leaves, ${restarts} restarts of a stopped member, ${twiceDecided.length} decided twice, ${twiceAnswered.length} answered twice`);
    processor = live.get('churn-0') as RunningVerdict;
    for (const [id, member] of live) if (id !== 'churn-0') { leaving.add(id); await member.close(); }
    expect(twiceDecided).toEqual([]);
    expect(twiceAnswered).toEqual([]);
    expect(restarts, 'a member stopped instead of absorbing the rebalance').toBe(0);
    expectChainsLinked();
  });
});
