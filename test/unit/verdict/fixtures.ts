// Shared fixtures of the verdict unit tests: a small real policy (compiled by the real compiler) and proposals.
import type { ToolCallProposal, ToolCallResult } from '../../../processors/core/types.ts';
import { compileBundle, type PolicyBundle } from '../../../processors/policy/index.ts';

export const POLICY = `
bundle: verdict-test
default: deny
tools:
  http_get: { verb: read }
  send_email:
    verb: communicate
    side_effect: external
    destinations: { to: email }
    labels: [pii]
  wire_transfer:
    verb: execute
    amounts: [amount]
rules:
  - id: read-ok
    tools: http_get
    effect: allow
  - id: email-ok
    tools: send_email
    effect: allow
  - id: email-outside
    tools: send_email
    when: { destination.domain: { not_in: [example.com] } }
    effect: deny
  - id: email-redact
    tools: send_email
    effect: modify
    modify:
      - redact: args.body
        detectors: [ssn]
  - id: email-tainted
    tools: send_email
    when: { session.tainted: true }
    effect: deny
  - id: transfer-ok
    tools: wire_transfer
    effect: allow
  - id: big-transfer
    tools: wire_transfer
    when: { args.amount: { gt: 1000 } }
    effect: escalate
    escalate: { approvers: [finance], timeout: 1h, on_timeout: deny }
`;

export function testBundle(): PolicyBundle {
  const { bundle, problems } = compileBundle([{ path: 'test.yaml', text: POLICY }]);
  if (!bundle) throw new Error(`test policy does not compile: ${problems.map((p) => p.message).join('; ')}`);
  return bundle;
}

export function proposal(over: Partial<ToolCallProposal> = {}): ToolCallProposal {
  return {
    proposalId: 'p-1', sessionId: 's-1', agentId: 'agent', userId: 'user', tenantId: 'acme', agentRole: 'assistant',
    environment: 'prod', tool: 'http_get', args: { url: 'https://example.com/a' }, intent: '', replyTopic: 't.verdicts',
    replyPartition: 0, deadlineMs: 2_000_000, createdAtMs: 1_000_000, ...over,
  };
}

export function result(over: Partial<ToolCallResult> = {}): ToolCallResult {
  return {
    proposalId: 'p-0', sessionId: 's-1', agentId: 'agent', userId: 'user', tenantId: 'acme', tool: 'http_get',
    outcome: 'success', recordsRead: {}, bytesRead: {}, untrustedSources: [], destinationsSeen: [], modificationApplied: false,
    cost: 0, completedAtMs: 1_000_000, ...over,
  };
}
