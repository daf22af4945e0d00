import { describe, expect, it } from 'vitest';
import { sinkServiceConfig } from '../../../processors/sinks/clickhouse/config.ts';
import { DEFAULT_TTL_DAYS } from '../../../processors/sinks/clickhouse/migrations.ts';

describe('ClickHouse sink settings', () => {
  it('default to single-node chDB, the brief batching and the default retention', () => {
    const c = sinkServiceConfig({});
    expect(c.stack.clickhouse.kind).toBe('chdb');
    expect(c.schema).toEqual({ database: 'default', ttlDays: DEFAULT_TTL_DAYS });
    expect(c.batching).toMatchObject({ minBatchRows: 50_000, maxBatchRows: 100_000, lingerMs: 250 });
    expect(c.topics.decisions.topic).toBe('arbiter.decisions');
  });

  it('take a cluster, TTLs, batching and a server URL from the environment', () => {
    const c = sinkServiceConfig({
      ARBITER_CH_CLUSTER: 'prod', ARBITER_CH_TTL_DAYS_DECISIONS: '90', ARBITER_CH_LINGER_MS: '100', CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_DATABASE: 'audit',
    });
    expect(c.schema).toEqual({ database: 'audit', cluster: 'prod', ttlDays: { ...DEFAULT_TTL_DAYS, decisions: 90 } });
    expect(c.batching.lingerMs).toBe(100);
    expect(c.stack.clickhouse.kind).toBe('http');
  });

  it('report every invalid setting at once, naming each key', () => {
    let message = '';
    try {
      sinkServiceConfig({ ARBITER_CH_MIN_BATCH_ROWS: '50000', ARBITER_CH_MAX_BATCH_ROWS: '20000', ARBITER_CH_TTL_DAYS_ALERTS: '0', ARBITER_CH_CLUSTER: 'a b' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^ARB_CONFIG_INVALID: 3 invalid setting\(s\)/);
    expect(message).toContain('ARBITER_CH_MAX_BATCH_ROWS (20000) is below ARBITER_CH_MIN_BATCH_ROWS (50000)');
    expect(message).toContain('ARBITER_CH_TTL_DAYS_ALERTS="0" must be an integer in 1..36500');
    expect(message).toContain('ARBITER_CH_CLUSTER="a b"');
  });

  it('take scrape targets and lag groups, and report a bad target with the other problems', () => {
    const c = sinkServiceConfig({ ARBITER_CH_SCRAPE_TARGETS: 'verdict-0=http://verdict:9464/metrics', ARBITER_TOPIC_PREFIX: 'acme' });
    expect(c.scrapeTargets).toEqual([{ instance: 'verdict-0', url: 'http://verdict:9464/metrics' }]);
    expect(c.lagGroups).toContain('acme-siem-hec');
    expect(sinkServiceConfig({}).scrapeTargets).toEqual([]);
    expect(() => sinkServiceConfig({ ARBITER_CH_SCRAPE_TARGETS: 'verdict', ARBITER_CH_LINGER_MS: '0' }))
      .toThrow(/ARB_CONFIG_INVALID: 2 invalid setting\(s\):.*ARBITER_CH_LINGER_MS.*"verdict" is not instance=/);
  });
});
