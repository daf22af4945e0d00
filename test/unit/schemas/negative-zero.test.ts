import { describe, expect, it } from 'vitest';
import { avroType } from '../../../schemas/catalogue.ts';
import { proposalFromWire, proposalToWire } from '../../../processors/runtime/serde/records.ts';
import type { ToolCallProposal } from '../../../processors/core/types.ts';

describe('typed arguments on the wire', () => {
  it('keeps the sign of -0 (a long would turn it into 0)', () => {
    const p: ToolCallProposal = {
      proposalId: 'p', sessionId: 's', agentId: 'a', userId: 'u', tenantId: 't', agentRole: 'r', environment: 'e',
      tool: 'http_get', args: { delta: -0, n: 3 }, intent: '', replyTopic: 'v', replyPartition: 0, deadlineMs: 1, createdAtMs: 0,
    };
    const type = avroType('ToolCallProposal');
    const back = proposalFromWire(type.fromBuffer(type.toBuffer(proposalToWire(p))));
    expect(Object.is(back.args['delta'], -0)).toBe(true);
    expect(back.args['n']).toBe(3);
  });
});
