import { describe, expect, it } from 'vitest';
import { lagGroups } from '../../../processors/sinks/clickhouse/consumer-lag.ts';

describe('consumer lag groups (ARBITER_CH_LAG_GROUPS)', () => {
  it('defaults to the verdict and aggregator groups and one SIEM group per format under the topic prefix', () => {
    expect(lagGroups(undefined, 'acme')).toEqual(['arbiter-verdict', 'arbiter-aggregator', 'acme-siem-ocsf', 'acme-siem-cef', 'acme-siem-ecs', 'acme-siem-hec']);
    expect(lagGroups(' ', 'arbiter')).toHaveLength(6);
  });
  it('takes an explicit list, trimmed, without duplicates', () => {
    expect(lagGroups('v1, s1,,v1', 'arbiter')).toEqual(['v1', 's1']);
  });
});
