// The round trip the connection-security end-to-end tests make through the SDK and a verdict processor running POLICY
// (test/unit/verdict/fixtures.ts): a read the policy allows and an e-mail to an outside domain it denies, both decided
// by the processor (not the SDK's fail-closed fallback).
import { expect } from 'vitest';
import type { ArbiterClient } from '../../../processors/sdk/index.ts';

export async function expectProcessorAllowsAndDenies(client: ArbiterClient, sessionId: string, agentId: string): Promise<void> {
  const agent = client.session({ sessionId, agentId, userId: 'alice', tenantId: 'acme', agentRole: 'assistant', environment: 'prod' });
  expect(await agent.propose({ tool: 'http_get', args: { url: 'https://docs.example.com/refunds' } }))
    .toMatchObject({ effect: 'allow', proceed: true, source: 'processor', ruleIds: ['read-ok'] });
  expect(await agent.propose({ tool: 'send_email', args: { to: ['eve@evil.example'], cc: [], subject: 'hi', body: 'hello' } }))
    .toMatchObject({ effect: 'deny', proceed: false, source: 'processor' });
}
