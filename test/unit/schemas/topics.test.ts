import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { assertCoPartitioned, defineTopics, dlqFor, valueSubject } from '../../../processors/runtime/topics.ts';

describe('topic definitions', () => {
  const topics = defineTopics({ prefix: 't', partitions: 4, replicationFactor: 1 });

  it('gives the co-partitioned topics (proposals, results, approvals, session-state) one partition count', () => {
    const co = Object.values(topics).filter((t) => t.coPartitioned).map((t) => [t.topic, t.partitions]);
    expect(co).toEqual([['t.proposals', 4], ['t.results', 4], ['t.approvals', 4], ['t.session-state', 4]]);
  });

  it('compacts session-state and policy-bundles and deletes the rest after a retention', () => {
    for (const t of Object.values(topics)) {
      const compact = t.role === 'sessionState' || t.role === 'policyBundles';
      expect(t.configs['cleanup.policy'], t.topic).toBe(compact ? 'compact' : 'delete');
      if (!compact) expect(Number(t.configs['retention.ms']), t.topic).toBeGreaterThan(0);
    }
  });

  it('names subjects by TopicNameStrategy and routes failures to the source topic\'s DLQ', () => {
    expect(valueSubject(topics.proposals.topic)).toBe('t.proposals-value');
    expect(dlqFor(topics, 't.proposals')?.topic).toBe('t.dlq.proposals');
    expect(dlqFor(topics, 't.verdicts')).toBeUndefined();
  });

  it('refuses to start when co-partitioned topics differ on the broker, naming each count', () => {
    const actual = new Map([['t.proposals', 4], ['t.results', 4], ['t.approvals', 3], ['t.session-state', 4]]);
    expect(() => assertCoPartitioned(topics, actual)).toThrow(ArbiterError);
    expect(() => assertCoPartitioned(topics, actual)).toThrow(/ARB_TOPICS_NOT_COPARTITIONED.*t\.approvals=3/);
    actual.set('t.approvals', 4);
    expect(() => assertCoPartitioned(topics, actual)).not.toThrow();
  });

  it('rejects a non-positive partition count at definition time', () => {
    expect(() => defineTopics({ prefix: 'x', partitions: 0, replicationFactor: 1 })).toThrow(/ARB_CONFIG_INVALID/);
  });
});
