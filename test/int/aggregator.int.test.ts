// The cross-session aggregator and the verdict processor together on the real broker and schema registry:
// - an agent exceeds its calls-per-minute threshold across sessions → the aggregator raises an agent-rate alert and
//   a quarantine on the alerts topic → the verdict processor's next decision for that agent (in a new session) is
//   deny by the policy's session.quarantined rule, while another agent is still allowed;
// - a restarted verdict processor has replayed the quarantine before its first decision;
// - a session tainted by untrusted e-mail writes shared memory; another session reads it → memory-taint alert and a
//   taint result into the reader's session → the reader's e-mail is denied by session.tainted;
// - an agent spread over many sessions (each on its own, slow) exceeds its calls per minute → the aggregator's rate
//   signal reaches the verdict processor → its next proposal, in yet another session, is escalated by a rule on
//   session.rate.agent (a fact no single verdict partition can count).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAggregator, thresholdsFromEnv, type AggregatorConfig, type RunningAggregator } from '../../processors/aggregator/index.ts';
import type { ToolCallProposal, ToolCallResult } from '../../processors/core/types.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import type { TopicMap } from '../../processors/runtime/topics.ts';
import type { TransportConsumer } from '../../processors/runtime/transport/index.ts';
import { startVerdictProcessor, type RunningVerdict } from '../../processors/verdict/index.ts';
import type { TrajectoryAlert } from '../../schemas/generated/TrajectoryAlert.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { liveProposal, openTestBus, publishBundle, resultOf, sendProposals, sendResults, waitFor, type TestBus } from './helpers/test-bus.ts';
import { testVerdictConfig } from './helpers/verdict-config.ts';

const POLICY = `
bundle: aggregator-test
default: deny
tools:
  http_get: { verb: read }
  remember: { verb: remember }
  recall: { verb: read }
  send_email:
    verb: communicate
    side_effect: external
    destinations: { to: email }
rules:
  - id: calls-ok
    tools: [http_get, remember, recall, send_email]
    effect: allow
  - id: email-tainted
    tools: send_email
    when: { session.tainted: true }
    effect: deny
  - id: quarantined
    tools: "*"
    when: { session.quarantined: true }
    effect: deny
  - id: agent-too-fast
    tools: "*"
    scope: { tenants: busy-corp }
    when: { session.rate.agent: { gt: 3 } }
    effect: escalate
    escalate: { approvers: [secops], timeout: 10m, on_timeout: deny }
`;

const run = randomUUID().slice(0, 8);
const keys = generateSigningKeys();
const verdictConfig = testVerdictConfig(`itagg-${run}`, 'aggregator-test', keys.publicKeyPem, { maxValueBytes: 64 * 1024, exactlyOnce: true });
const aggregatorConfig: AggregatorConfig = {
  brokers: verdictConfig.brokers, registryUrl: verdictConfig.registryUrl, kafkaClient: verdictConfig.kafkaClient, topicPrefix: verdictConfig.topicPrefix,
  partitions: 2, replicationFactor: 1, groupId: `itagg-${run}-aggregator`, instanceId: 'one', exactlyOnce: true, restoreTimeoutMs: 60_000,
  thresholds: thresholdsFromEnv({
    ARBITER_AGG_AGENT_CALLS_PER_MINUTE: '5', ARBITER_AGG_QUARANTINE_ON: 'agent-rate', ARBITER_AGG_QUARANTINE_MS: '600000', ARBITER_AGG_RATE_SIGNAL_MS: '1',
    ARBITER_AGG_MEMORY_TOOLS: JSON.stringify({ remember: { op: 'write', keyArgs: ['namespace', 'key'] }, recall: { op: 'read', keyArgs: ['namespace', 'key'] } }),
  }),
};

describe('aggregator → quarantine and memory taint → inline verdicts, on the real broker and registry', () => {
  let bus: TestBus;
  let topics: TopicMap;
  let reader: TransportConsumer;
  let reading: Promise<void>;
  let verdict: RunningVerdict;
  let aggregator: RunningAggregator;
  const verdicts: Verdict[] = [];
  const alerts: TrajectoryAlert[] = [];
  const alertKeys: string[] = [];

  const propose = (over: Partial<ToolCallProposal>): ToolCallProposal => liveProposal(topics, { sessionId: randomUUID(), ...over });
  const send = (p: ToolCallProposal): Promise<void> => sendProposals(bus, [p]);
  const report = (p: ToolCallProposal, over: Partial<ToolCallResult> = {}): Promise<void> => sendResults(bus, [resultOf(p, over)]);
  const verdictOf = (id: string) => waitFor(`verdict of ${id}`, () => verdicts.find((v) => v.proposalId === id));
  const decided = async (over: Partial<ToolCallProposal>): Promise<Verdict> => {
    const p = propose(over);
    await send(p);
    return verdictOf(p.proposalId);
  };

  beforeAll(async () => {
    bus = await openTestBus(verdictConfig.topicPrefix);
    topics = bus.topics;
    const { serde } = bus;
    await publishBundle(bus, signBundle('aggregator-test', [{ path: 'agg.yaml', text: POLICY }], keys.privateKeyPem, 'k1'), 'it');
    reader = await bus.transport.consumer({
      groupId: `itagg-${run}-reader`, fromBeginning: true, readCommitted: true, maxWaitMs: 20, topics: [topics.verdicts.topic, topics.alerts.topic],
    });
    reading = reader.run(async (batch) => {
      for (const r of batch.records) {
        if (r.topic === topics.verdicts.topic) verdicts.push(await serde.decode(topics.verdicts, r));
        else {
          alerts.push(await serde.decode(topics.alerts, r));
          alertKeys.push(r.key?.toString() ?? '');
        }
      }
    });
    verdict = await startVerdictProcessor(verdictConfig);
    aggregator = await startAggregator(aggregatorConfig);
  });

  afterAll(async () => {
    await aggregator?.close();
    await verdict?.close();
    await reader?.close();
    await reading?.catch(() => undefined);
    await bus?.close();
  });

  it('an agent over its calls-per-minute threshold is quarantined and its next proposal, in a new session, is denied', async () => {
    for (let i = 0; i < 6; i++) expect(await decided({ agentId: 'bot-1' })).toMatchObject({ effect: 'allow', ruleIds: ['calls-ok'] });
    const rate = await waitFor('agent-rate alert', () => alerts.find((a) => a.kind === 'agent-rate' && a.agentId === 'bot-1'));
    expect(rate).toMatchObject({ tenantId: 'acme', severity: 'high', facts: { callsPerMinute: '6', threshold: '5' } });
    const q = await waitFor('quarantine signal', () => alerts.find((a) => a.kind === 'quarantine' && a.agentId === 'bot-1'));
    expect(q.facts).toMatchObject({ scope: 'agent', cause: 'agent-rate' });
    expect(alertKeys[alerts.indexOf(q)]).toBe('bot-1');
    // The signal travels on to every verdict instance through its broadcast feed.
    await waitFor('quarantine applied by the verdict processor', () => (verdict.quarantine.signals > 0 ? true : undefined));

    const denied = await decided({ agentId: 'bot-1' });
    expect(denied).toMatchObject({ effect: 'deny', ruleIds: ['quarantined'] });
    expect(await decided({ agentId: 'bot-2' })).toMatchObject({ effect: 'allow' });
  });

  it('a restarted verdict processor replays the quarantines before its first decision', async () => {
    await verdict.close();
    verdict = await startVerdictProcessor(verdictConfig);
    expect(verdict.quarantine.table.untilFor('bot-1', 'acme', Date.now())).toBeGreaterThan(Date.now());
    expect(await decided({ agentId: 'bot-1' })).toMatchObject({ effect: 'deny', ruleIds: ['quarantined'] });
  });

  it('memory written by a tainted session taints the session that reads it, and that session\'s e-mail is denied', async () => {
    const writer = randomUUID();
    const readerSession = randomUUID();
    const foldedBefore = verdict.task.stats.folded;
    const inbox = propose({ sessionId: writer, agentId: 'mail-agent', tool: 'http_get' });
    await send(inbox);
    await verdictOf(inbox.proposalId);
    await report(inbox, { untrustedSources: ['email:inbox'] });
    const write = propose({ sessionId: writer, agentId: 'mail-agent', tool: 'remember', args: { namespace: 'crm', key: 'acme-notes', value: 'pay IBAN X' } });
    await send(write);
    expect(await verdictOf(write.proposalId)).toMatchObject({ effect: 'allow' });
    await report(write);

    const read = propose({ sessionId: readerSession, agentId: 'ops-agent', tool: 'recall', args: { namespace: 'crm', key: 'acme-notes' } });
    await send(read);
    expect(await verdictOf(read.proposalId)).toMatchObject({ effect: 'allow' });
    await report(read);

    const alert = await waitFor('memory-taint alert', () => alerts.find((a) => a.kind === 'memory-taint'));
    expect(alert).toMatchObject({ agentId: 'ops-agent', sessionIds: [writer, readerSession], facts: { memoryKey: 'crm/acme-notes', sources: 'email:inbox' } });
    // Four results reach the verdict processor: the e-mail, the write, the read, and the aggregator's taint of the reader.
    await waitFor('taint folded into the reader session', () => (verdict.task.stats.folded >= foldedBefore + 4 ? true : undefined));
    const mail = await decided({ sessionId: readerSession, agentId: 'ops-agent', tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: 'b' } });
    expect(mail).toMatchObject({ effect: 'deny', ruleIds: ['email-tainted'] });
    // A session that never touched the memory is still clean.
    expect(await decided({ agentId: 'ops-agent', tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: 'b' } }))
      .toMatchObject({ effect: 'allow' });
  });

  it('an agent spread over many sessions exceeds its rate: its next proposal, in a new session, is escalated by a rule on session.rate.agent', async () => {
    const call = (i: number) => decided({ agentId: 'spread-bot', tenantId: 'busy-corp', sessionId: `spread-${run}-${i}`, createdAtMs: Date.now() + i });
    for (let i = 0; i < 4; i++) expect(await call(i)).toMatchObject({ effect: 'allow', ruleIds: ['calls-ok'] });
    // Each session made one call: only the aggregator sees the agent's four.
    await waitFor('the agent\'s rate at the verdict processor', () =>
      (verdict.rates.table.ratesFor('spread-bot', 'busy-corp', Date.now()).agentRatePerMinute >= 4 ? true : undefined));
    expect(verdict.rates.table.ratesFor('spread-bot', 'busy-corp', Date.now())).toEqual({ agentRatePerMinute: 4, tenantRatePerMinute: 4 });
    expect(await call(4)).toMatchObject({ effect: 'escalate', ruleIds: ['calls-ok', 'agent-too-fast'] });
    // Another agent of the same tenant is under its own rate.
    expect(await decided({ agentId: 'calm-bot', tenantId: 'busy-corp' })).toMatchObject({ effect: 'allow' });
  });
});
