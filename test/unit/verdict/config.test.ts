import { describe, expect, it } from 'vitest';
import { verdictConfigFromEnv } from '../../../processors/verdict/config.ts';

const base = { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: 'http://localhost:8081/apis/ccompat/v7' };

describe('verdict processor settings', () => {
  it('fills defaults for everything but the endpoints', () => {
    const c = verdictConfigFromEnv(base);
    expect(c).toMatchObject({ brokers: ['localhost:9092'], topicPrefix: 'arbiter', partitions: 6, groupId: 'arbiter-verdict', bundleName: 'default' });
    expect(c.trustedKeys).toEqual({});
    expect(c.exactlyOnce).toBe(true);
    expect(verdictConfigFromEnv({ ...base, ARBITER_EXACTLY_ONCE: 'false' }).exactlyOnce).toBe(false);
  });

  it('reads trusted keys and reply topics as JSON', () => {
    const c = verdictConfigFromEnv({ ...base, ARBITER_TRUSTED_KEYS: '{"k1":"PEM"}', ARBITER_REPLY_TOPICS: '{"agent.replies":3}' });
    expect(c.trustedKeys).toEqual({ k1: 'PEM' });
    expect(c.replyTopics.get('agent.replies')).toBe(3);
  });

  it.each([
    [{ KAFKA_BROKERS: 'no port' }, /ARB_CONFIG_INVALID.*KAFKA_BROKERS/],
    [{ SCHEMA_REGISTRY_URL: 'localhost:8081' }, /ARB_CONFIG_INVALID.*SCHEMA_REGISTRY_URL/],
    [{ ARBITER_PARTITIONS: '0' }, /ARB_CONFIG_INVALID.*ARBITER_PARTITIONS="0"/],
    [{ ARBITER_TRUSTED_KEYS: '{"k1":1}' }, /ARB_CONFIG_INVALID.*ARBITER_TRUSTED_KEYS has the wrong shape/],
    [{ ARBITER_REPLY_TOPICS: 'nope' }, /ARB_CONFIG_INVALID.*ARBITER_REPLY_TOPICS is not JSON/],
    [{ ARBITER_KAFKA_CLIENT: 'rdkafka' }, /ARB_CONFIG_INVALID.*ARBITER_KAFKA_CLIENT/],
    [{ ARBITER_EXACTLY_ONCE: 'yes' }, /ARB_CONFIG_INVALID.*ARBITER_EXACTLY_ONCE="yes"/],
  ])('refuses %j at startup, naming the setting', (over, message) => {
    expect(() => verdictConfigFromEnv({ ...base, ...over })).toThrow(message);
  });
});
