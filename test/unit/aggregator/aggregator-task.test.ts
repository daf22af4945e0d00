// The aggregator task's contract with the stream loop, without Kafka: the changelog records it owes per commit, and
// that a failed commit stops it (its in-place state is ahead of the changelog until a restart restores it).
import { describe, expect, it } from 'vitest';
import { AggregatorTask } from '../../../processors/aggregator/aggregator-task.ts';
import { DEFAULT_THRESHOLDS } from '../../../processors/aggregator/thresholds.ts';
import { aggregatorTopics } from '../../../processors/aggregator/topics.ts';
import type { TopicSerde } from '../../../processors/runtime/serde/topic-serde.ts';
import { defineTopics } from '../../../processors/runtime/topics.ts';
import type { KafkaTransport, TransportProducer } from '../../../processors/runtime/transport/transport.ts';

const own = aggregatorTopics('unit', 1);
const task = () => new AggregatorTask({
  topics: defineTopics(), own, serde: {} as TopicSerde, thresholds: { ...DEFAULT_THRESHOLDS, rateSignalMs: 0 },
  durable: { transport: {} as KafkaTransport, barrierProducer: {} as TransportProducer, groupId: 'g', restoreTimeoutMs: 1_000 },
});

describe('AggregatorTask', () => {
  it('owes the changed entries to partition 0 of its changelog, keys and values as bytes, deletions as tombstones', () => {
    const t = task();
    t.correlator.observe({ kind: 'result', result: {
      proposalId: 'p', sessionId: 's', agentId: 'a', userId: 'u', tenantId: 'acme', tool: 'crm', outcome: 'success', recordsRead: { pii: 3 },
      untrustedSources: [], completedAtMs: 5_000 } });
    const out = t.beforeCommit();
    expect(out.map((r) => [r.topic, r.partition, r.key?.toString()])).toEqual([[own.changelog.topic, 0, 't:acme'], [own.changelog.topic, 0, 'n:']]);
    expect(JSON.parse(out[0]?.value?.toString() ?? '')).toMatchObject({ q: 0, s: -1, w: { counts: expect.arrayContaining([3]) } });
    expect(t.beforeCommit()).toEqual([]);
    expect(t.counts.changelogWritten).toBe(2);
  });

  it('after a failed commit it refuses every further batch with ARB_AGG_STATE_ABORTED', async () => {
    const t = task();
    t.aborted();
    await expect(t.process({ topic: 'x', partition: 0, records: [] })).rejects.toMatchObject({ code: 'ARB_AGG_STATE_ABORTED' });
  });
});
