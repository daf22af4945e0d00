import { describe, expect, it } from 'vitest';
import { approvalsConfigFromEnv } from '../../../processors/approvals/config.ts';

describe('approvals config', () => {
  it('takes endpoints and topics from the environment', () => {
    const c = approvalsConfigFromEnv({ KAFKA_BROKERS: 'k1:1,k2:2', SCHEMA_REGISTRY_URL: 'http://r:1/x', ARBITER_TOPIC_PREFIX: 'p', ARBITER_PARTITIONS: '3' });
    expect(c).toMatchObject({ brokers: ['k1:1', 'k2:2'], registryUrl: 'http://r:1/x', topicPrefix: 'p', partitions: 3 });
  });

  it('refuses bad settings with ARB_CONFIG_INVALID naming the key', () => {
    expect(() => approvalsConfigFromEnv({ KAFKA_BROKERS: 'k:1', SCHEMA_REGISTRY_URL: 'http://r', ARBITER_PARTITIONS: '0' })).toThrow(/ARB_CONFIG_INVALID.*ARBITER_PARTITIONS/);
    expect(() => approvalsConfigFromEnv({ KAFKA_BROKERS: 'k:1', SCHEMA_REGISTRY_URL: 'ftp://r' })).toThrow(/ARB_CONFIG_INVALID.*SCHEMA_REGISTRY_URL/);
    expect(() => approvalsConfigFromEnv({ KAFKA_BROKERS: 'k:1', SCHEMA_REGISTRY_URL: 'http://r', ARBITER_KAFKA_CLIENT: 'x' })).toThrow(/ARB_CONFIG_INVALID/);
  });
});
