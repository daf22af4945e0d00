// The agent SDK end to end on the real broker and registry, with the real verdict processor and approvals service:
// allow, deny, modify (applied and acknowledged), escalate with approve / deny / timeout → on_timeout through
// `arbiter approvals`, single use, a forged resolution for other arguments not honoured, fail closed without a
// processor (and fail open for a configured low-risk read).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApprovals, type ApprovalsConnection } from '../../processors/approvals/connect.ts';
import { startApprovalsService, type RunningApprovals } from '../../processors/approvals/service.ts';
import { writeResolution } from '../../processors/approvals/topic-ledger.ts';
import { main as approvalsCli } from '../../processors/cli/approvals.ts';
import type { ToolCallResult } from '../../schemas/generated/ToolCallResult.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import { defineTopics, ensureArbiterTopics } from '../../processors/runtime/topics.ts';
import { createTransport } from '../../processors/runtime/transport/index.ts';
import { ArbiterClient, type AgentSession, type SessionIdentity } from '../../processors/sdk/index.ts';
import { TopicTail } from '../../processors/sdk/topic-tail.ts';
import { startVerdictProcessor, type RunningVerdict, type VerdictConfig } from '../../processors/verdict/index.ts';
import { openTestBus, publishBundle, waitFor } from './helpers/test-bus.ts';
import { testVerdictConfig } from './helpers/verdict-config.ts';

const POLICY = `
bundle: sdk-test
default: deny
tools:
  search_docs: { verb: read }
  send_email: { verb: communicate, side_effect: external, destinations: { to: email } }
  issue_refund: { verb: execute, amounts: [amount] }
  restart_service: { verb: write }
  drop_table: { verb: write }
rules:
  - { id: read-ok, tools: search_docs, effect: allow }
  - { id: email-ok, tools: send_email, effect: allow }
  - id: email-outside
    tools: send_email
    when: { destination.domain: { not_in: [example.com] } }
    effect: deny
  - id: email-redact
    tools: send_email
    effect: modify
    modify: [{ redact: args.body, detectors: [ssn] }]
  - { id: refund-ok, tools: issue_refund, effect: allow }
  - id: refund-big
    tools: issue_refund
    when: { args.amount: { gt: 100 } }
    effect: escalate
    escalate: { approvers: [leads], timeout: 1h, on_timeout: deny }
  - { id: ops-ok, tools: [restart_service, drop_table], effect: allow }
  - id: restart-needs-ok
    tools: restart_service
    effect: escalate
    escalate: { approvers: [ops], timeout: 2s, on_timeout: allow }
  - id: drop-needs-ok
    tools: drop_table
    effect: escalate
    escalate: { approvers: [dba], timeout: 2s, on_timeout: deny }
`;

const run = randomUUID().slice(0, 8);
const prefix = `its-${run}`;
const keys = generateSigningKeys();
const config: VerdictConfig = testVerdictConfig(prefix, 'sdk-test', keys.publicKeyPem);
const { brokers, registryUrl, kafkaClient } = config;
const cliEnv = { ...process.env, KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: registryUrl, ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '2' };

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await approvalsCli(argv, (s) => lines.push(s), cliEnv, (s) => lines.push(s));
  return { code, out: lines.join('\n') };
}

const identity = (sessionId: string): SessionIdentity => ({
  sessionId, agentId: 'sdk-agent', userId: 'alice', tenantId: 'acme', agentRole: 'assistant', environment: 'prod',
});

describe('agent SDK and approvals on the real broker and registry', () => {
  let processor: RunningVerdict;
  let approvalsConn: ApprovalsConnection;
  let approvals: RunningApprovals;
  let client: ArbiterClient;
  let resultsTail: TopicTail;
  const results: ToolCallResult[] = [];

  beforeAll(async () => {
    processor = await startVerdictProcessorWithBundle();
    approvalsConn = await connectApprovals({ brokers, registryUrl, kafkaClient, topicPrefix: prefix, partitions: 2 }, `its-${run}`);
    approvals = await startApprovalsService({ ...approvalsConn, groupPrefix: `${prefix}-approvals` });
    resultsTail = await TopicTail.start({
      transport: approvalsConn.transport, topic: processor.topics.results.topic, groupPrefix: `${prefix}-results`, from: 'now',
      onRecord: async (r) => void results.push(await approvalsConn.serde.decode(processor.topics.results, r)),
    });
    client = await ArbiterClient.connect({ brokers, registryUrl, kafkaClient, topicPrefix: prefix, defaultDeadlineMs: 10_000 });
  });

  async function startVerdictProcessorWithBundle(): Promise<RunningVerdict> {
    // Schemas are registered once here first: concurrent first registrations of one subject can fail on the registry.
    const bus = await openTestBus(prefix);
    const started = startVerdictProcessor(config);
    // The processor waits for its first bundle; publish it meanwhile.
    await publishBundle(bus, signBundle('sdk-test', [{ path: 'sdk.yaml', text: POLICY }], keys.privateKeyPem, 'k1'), 'it');
    await bus.close();
    return started;
  }

  afterAll(async () => {
    await client?.close();
    await resultsTail?.close();
    await approvals?.close();
    await approvalsConn?.producer.close();
    await processor?.close();
  });

  const session = (): AgentSession => client.session(identity(`s-${randomUUID().slice(0, 8)}`));

  it('allows a read right after connect (no verdict lost to the reply consumer joining late)', async () => {
    const fresh = await ArbiterClient.connect({ brokers, registryUrl, kafkaClient, topicPrefix: prefix, defaultDeadlineMs: 10_000 });
    try {
      const v = await fresh.session(identity('s-fresh')).propose({ tool: 'search_docs', args: { q: 'refund policy' } });
      expect(v).toMatchObject({ effect: 'allow', proceed: true, source: 'processor', ruleIds: ['read-ok'], errorCode: '' });
      expect(v.decisionId).toMatch(/^d-/);
    } finally {
      await fresh.close();
    }
  });

  it('denies an e-mail outside the allowed domain, naming the rule', async () => {
    const v = await session().propose({ tool: 'send_email', args: { to: ['eve@evil.example'], cc: [], subject: 'hi', body: 'hello' } });
    expect(v).toMatchObject({ effect: 'deny', proceed: false, source: 'processor' });
    expect(v.ruleIds).toContain('email-outside');
  });

  it('applies a modify verdict: the agent gets redacted arguments and the result acknowledges it', async () => {
    const s = session();
    const v = await s.propose({ tool: 'send_email', args: { to: ['bob@example.com'], cc: [], subject: 'id', body: 'my SSN is 123-45-6789' } });
    expect(v).toMatchObject({ effect: 'modify', proceed: true, modificationApplied: true });
    expect(String(v.args['body'])).not.toContain('123-45-6789');
    expect(v.modifications.map((m) => m.ruleId)).toEqual(['email-redact']);
    await s.reportResult(v, { outcome: 'success', recordsRead: { pii: 1 }, untrustedSources: [], outputText: 'queued for bob@example.com, see https://status.example.com/q/1' });
    const reported = await waitFor('result', () => results.find((r) => r.proposalId === v.proposalId));
    expect(reported).toMatchObject({ modificationApplied: true, outcome: 'success', recordsRead: { pii: 1 }, sessionId: s.identity.sessionId });
    expect(reported.destinationsSeen).toEqual(['bob@example.com', 'https://status.example.com/q/1']);
  });

  it('escalates a big refund; approve through `arbiter approvals` grants exactly that call, once', async () => {
    const s = session();
    const v = await s.propose({ tool: 'issue_refund', args: { order: 'O-1', amount: 500 } });
    expect(v).toMatchObject({ effect: 'escalate', proceed: false, approval: { status: 'pending' } });
    const id = v.approval?.approvalId as string;
    const request = (await waitFor('request in the service', () => approvals.ledger.get(id))).request;
    expect(request.review).toMatchObject({ userId: 'alice', agentRole: 'assistant', verb: 'execute', args: { order: 'O-1', amount: '500' } });
    expect(request.review?.reasons.join(' ')).toContain('refund-big');
    const listed = await cli('list');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(id);
    expect(listed.out).toContain('issue_refund');
    expect(listed.out).toContain('for user alice');
    expect(await cli('approve', id, '--by', 'lead-1', '--reason', 'customer is right')).toMatchObject({ code: 0 });
    const approved = await s.awaitApproval(v, 20_000);
    expect(approved).toMatchObject({ proceed: true, approval: { status: 'approved', resolvedBy: 'lead-1' } });
    // Single use: a second answer is refused, and the same refund proposed again needs its own approval.
    const again = await cli('deny', id);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/^ARB_APPROVAL_ALREADY_RESOLVED/);
    const next = await s.propose({ tool: 'issue_refund', args: { order: 'O-1', amount: 500 } });
    expect(next.approval?.approvalId).not.toBe(id);
    expect(await s.awaitApproval(next, 1000)).toMatchObject({ proceed: false, approval: { status: 'pending' } });
  });

  it('escalates; deny through `arbiter approvals` blocks the call', async () => {
    const s = session();
    const v = await s.propose({ tool: 'issue_refund', args: { order: 'O-2', amount: 900 } });
    const id = v.approval?.approvalId as string;
    await waitFor('request in the service', () => approvals.ledger.get(id));
    expect(await cli('deny', id, '--by', 'lead-2')).toMatchObject({ code: 0 });
    expect(await s.awaitApproval(v, 20_000)).toMatchObject({ proceed: false, approval: { status: 'rejected', resolvedBy: 'lead-2' } });
  });

  it('does not honour a resolution for different arguments (another refund amount)', async () => {
    const s = session();
    const v = await s.propose({ tool: 'issue_refund', args: { order: 'O-3', amount: 300 } });
    const id = v.approval?.approvalId as string;
    const entry = await waitFor('request in the service', () => approvals.ledger.get(id));
    await writeResolution(approvalsConn.producer, approvalsConn.serde, approvalsConn.topics, entry, {
      approvalId: id, proposalId: entry.request.proposalId, sessionId: entry.request.sessionId, argsHash: `sha256:${'0'.repeat(64)}`,
      resolution: 'approved', resolvedBy: 'mallory', reason: 'approving some other amount', resolvedAtMs: Date.now(), onTimeout: 'deny',
    });
    await waitFor('refusal', () => approvals.ledger.refused.find((r) => r.resolution.approvalId === id));
    expect(approvals.ledger.refused.find((r) => r.resolution.approvalId === id)?.refusal.code).toBe('ARB_APPROVAL_SCOPE_MISMATCH');
    expect(await s.awaitApproval(v, 1500)).toMatchObject({ proceed: false, approval: { status: 'pending' } });
  });

  it('applies on_timeout at expiry (allow and deny) and refuses a late answer', async () => {
    const s = session();
    const [restart, drop] = await Promise.all([
      s.propose({ tool: 'restart_service', args: { name: 'billing' } }, { approvalWaitMs: 20_000 }),
      s.propose({ tool: 'drop_table', args: { name: 'orders' } }, { approvalWaitMs: 20_000 }),
    ]);
    expect(restart).toMatchObject({ effect: 'escalate', proceed: true, approval: { status: 'expired', resolvedBy: 'arbiter:on_timeout' } });
    expect(drop).toMatchObject({ effect: 'escalate', proceed: false, approval: { status: 'expired' } });
    const late = await cli('approve', drop.approval?.approvalId as string);
    expect(late.code).toBe(1);
    expect(late.out).toMatch(/^ARB_APPROVAL_EXPIRED/);
  });

  it('refuses unknown approval ids and bad usage with stable codes', async () => {
    const unknown = await cli('approve', 'a-does-not-exist');
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.out).toMatch(/^ARB_APPROVAL_UNKNOWN/);
    const usage = await cli('approve');
    expect(usage.code).toBe(2);
    expect(usage.out).toMatch(/^ARB_APPROVAL_USAGE/);
  });

  it('fails closed when no processor answers (and open only for a configured low-risk read)', async () => {
    const idle = `itsx-${run}`;
    const transport = await createTransport(kafkaClient, { brokers, clientId: `itsx-${run}` });
    const admin = await transport.admin();
    await ensureArbiterTopics(admin, defineTopics({ prefix: idle, partitions: 1, replicationFactor: 1 }));
    await admin.close();
    const lonely = await ArbiterClient.connect({ brokers, registryUrl, kafkaClient, topicPrefix: idle, lowRiskReads: ['search_docs'] });
    try {
      const s = lonely.session(identity('s-lonely'));
      const started = Date.now();
      const [refund, read] = await Promise.all([
        s.propose({ tool: 'issue_refund', args: { order: 'O-9', amount: 5 } }, { deadlineMs: 700 }),
        s.propose({ tool: 'search_docs', args: { q: 'x' } }, { deadlineMs: 700 }),
      ]);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(refund).toMatchObject({ effect: 'deny', proceed: false, source: 'no-verdict', errorCode: 'ARB_SDK_NO_VERDICT' });
      expect(refund.reasons[0]).toMatch(/^no verdict in 700 ms/);
      expect(read).toMatchObject({ effect: 'allow', proceed: true, source: 'no-verdict', errorCode: 'ARB_SDK_NO_VERDICT' });
    } finally {
      await lonely.close();
    }
  });
});
