import { describe, expect, it } from 'vitest';
import { aggregatorConfigFromEnv, thresholdsFromEnv } from '../../../processors/aggregator/config.ts';
import { DEFAULT_THRESHOLDS } from '../../../processors/aggregator/thresholds.ts';

describe('aggregator thresholds from the environment', () => {
  it('defaults when nothing is set', () => {
    expect(thresholdsFromEnv({})).toEqual(DEFAULT_THRESHOLDS);
  });

  it('reads every setting', () => {
    const t = thresholdsFromEnv({
      ARBITER_AGG_AGENT_CALLS_PER_MINUTE: '5', ARBITER_AGG_TENANT_RECORDS_PER_HOUR: '0', ARBITER_AGG_QUARANTINE_ON: 'agent-rate,tenant-export',
      ARBITER_AGG_MEMORY_TOOLS: '{"remember":{"op":"write","keyArgs":["key"]}}', ARBITER_AGG_QUARANTINE_MS: '1000', ARBITER_AGG_RATE_SIGNAL_MS: '0',
    });
    expect(t).toMatchObject({ agentCallsPerMinute: 5, tenantRecordsPerHour: 0, quarantineOn: ['agent-rate', 'tenant-export'], quarantineMs: 1000, rateSignalMs: 0,
      memoryTools: { remember: { op: 'write', keyArgs: ['key'] } } });
    expect(thresholdsFromEnv({ ARBITER_AGG_QUARANTINE_ON: '' }).quarantineOn).toEqual([]);
  });

  it('reports every bad setting at once with its key', () => {
    let message = '';
    try {
      thresholdsFromEnv({ ARBITER_AGG_AGENT_CALLS_PER_MINUTE: '-1', ARBITER_AGG_QUARANTINE_ON: 'memory-taint', ARBITER_AGG_MEMORY_TOOLS: '{"m":{"op":"delete","keyArgs":["k"]}}',
        ARBITER_AGG_RATE_SIGNAL_MS: 'often' });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('ARB_AGG_CONFIG_INVALID');
    expect(message).toContain('ARBITER_AGG_AGENT_CALLS_PER_MINUTE="-1"');
    expect(message).toContain('"memory-taint" is not one of agent-rate, tenant-export');
    expect(message).toContain('tool m: op must be "write" or "read"');
    expect(message).toContain('ARBITER_AGG_RATE_SIGNAL_MS="often"');
  });

  it('runs exactly once unless ARBITER_EXACTLY_ONCE=false, and refuses any other value', () => {
    const base = { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: 'http://localhost:8081' };
    expect(aggregatorConfigFromEnv(base)).toMatchObject({ exactlyOnce: true, restoreTimeoutMs: 120_000 });
    expect(aggregatorConfigFromEnv({ ...base, ARBITER_EXACTLY_ONCE: 'false', ARBITER_SESSION_TIMEOUT_MS: '6000' })).toMatchObject({ exactlyOnce: false, sessionTimeoutMs: 6_000 });
    expect(() => aggregatorConfigFromEnv({ ...base, ARBITER_EXACTLY_ONCE: 'yes' })).toThrow(/ARBITER_EXACTLY_ONCE="yes"/);
  });
});
