// The aggregator's projected decode against the full decode of the same bytes: the same values for the fields the
// correlator reads, the arguments on demand, and undefined (the caller's full decode, which reports errors) for
// anything off the fast path. The registry is an in-memory map (the serde only needs ids and schema texts).
import { describe, expect, it } from 'vitest';
import { ProjectedDecoder } from '../../../processors/aggregator/projected-decode.ts';
import type { ToolCallProposal, ToolCallResult } from '../../../processors/core/types.ts';
import { proposalToWire, resultToWire } from '../../../processors/runtime/serde/records.ts';
import type { SchemaRegistryClient } from '../../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../../processors/runtime/serde/topic-serde.ts';
import { frame } from '../../../processors/runtime/serde/wire-format.ts';
import { defineTopics } from '../../../processors/runtime/topics.ts';
import type { InRecord } from '../../../processors/runtime/transport/transport.ts';

function registry(): SchemaRegistryClient {
  const texts: string[] = [];
  return {
    async register(_subject, schema) {
      const text = JSON.stringify(schema);
      const at = texts.indexOf(text);
      return at >= 0 ? at + 1 : texts.push(text);
    },
    async isCompatible() { return true; },
    async schemaById(id) { return texts[id - 1]; },
  };
}

const topics = defineTopics({ prefix: 'proj', partitions: 1, replicationFactor: 1 });
const proposal: ToolCallProposal = {
  proposalId: 'p-1', sessionId: 's-1', agentId: 'a-1', userId: 'u-1', tenantId: 't-1', agentRole: 'assistant', environment: 'prod',
  tool: 'remember', args: { namespace: 't-1', key: 'note', value: 'x', nested: { n: 3, list: [true, null] } }, intent: 'keep a note',
  replyTopic: 'r', replyPartition: 0, deadlineMs: 9_000, createdAtMs: 1_000,
};
const result: ToolCallResult = {
  proposalId: 'p-1', sessionId: 's-1', agentId: 'a-1', userId: 'u-1', tenantId: 't-1', tool: 'http_get', outcome: 'success',
  recordsRead: { pii: 4 }, bytesRead: { pii: 100 }, untrustedSources: ['web:x.example'], destinationsSeen: ['d'],
  modificationApplied: false, cost: 0.5, completedAtMs: 1_005,
};
const record = (topic: string, value: Buffer | null): InRecord =>
  ({ topic, partition: 0, offset: '7', key: null, value, headers: {}, timestamp: '0' }) as unknown as InRecord;

async function setup() {
  const serde = new TopicSerde(registry(), topics);
  await serde.registerAll();
  const p = record(topics.proposals.topic, serde.encode(topics.proposals, proposalToWire(proposal)));
  const r = record(topics.results.topic, serde.encode(topics.results, resultToWire(result)));
  return { serde, decoder: new ProjectedDecoder(serde, topics), p, r };
}

describe('ProjectedDecoder', () => {
  it('reads exactly the fields the correlator folds, with the values the full decode gives', async () => {
    const { serde, decoder, p, r } = await setup();
    const full = await serde.decode(topics.proposals, p);
    expect(decoder.proposal(p)).toEqual({
      proposalId: full.proposalId, sessionId: full.sessionId, agentId: full.agentId, tenantId: full.tenantId, tool: full.tool, createdAtMs: full.createdAtMs,
    });
    expect(decoder.args(p)).toEqual(full.args);
    const fullResult = await serde.decode(topics.results, r);
    expect(decoder.result(r)).toEqual({
      proposalId: 'p-1', sessionId: 's-1', agentId: 'a-1', userId: 'u-1', tenantId: 't-1', tool: 'http_get', outcome: fullResult.outcome,
      recordsRead: fullResult.recordsRead, untrustedSources: fullResult.untrustedSources, completedAtMs: fullResult.completedAtMs,
    });
  });

  it('leaves other writer ids, tombstones, foreign and corrupt values to the full decode (undefined)', async () => {
    const { serde, decoder, p } = await setup();
    const body = (p.value as Buffer).subarray(5);
    const otherWriter = frame(serde.writerId(topics.proposals.topic) + 100, body);
    expect(decoder.proposal(record(topics.proposals.topic, otherWriter))).toBeUndefined();
    expect(decoder.proposal(record(topics.proposals.topic, null))).toBeUndefined();
    expect(decoder.proposal(record(topics.proposals.topic, Buffer.from('{"json":1}')))).toBeUndefined();
    const truncated = frame(serde.writerId(topics.proposals.topic), body.subarray(0, body.length - 3));
    expect(decoder.proposal(record(topics.proposals.topic, truncated))).toBeUndefined();
    await expect(serde.decode(topics.proposals, record(topics.proposals.topic, truncated))).rejects.toMatchObject({ code: 'ARB_SERDE_DECODE_FAILED' });
  });
});
