import { describe, expect, it } from 'vitest';
import { NOT_QUARANTINED, QuarantineTable } from '../../../processors/aggregator/quarantine.ts';
import type { TrajectoryAlert } from '../../../schemas/generated/TrajectoryAlert.ts';

const signal = (over: Partial<TrajectoryAlert>): TrajectoryAlert => ({
  alertId: 'q', kind: 'quarantine', severity: 'critical', tenantId: 'acme', agentId: 'bot', sessionIds: [], summary: '',
  facts: { scope: 'agent', untilMs: '5000', cause: 'agent-rate' }, atMs: 1_000, ...over,
});

describe('QuarantineTable', () => {
  it('given an agent quarantine, then that agent is quarantined until its end and others are not', () => {
    const q = new QuarantineTable();
    expect(q.apply(signal({}))).toBe(true);
    expect(q.untilFor('bot', 'acme', 4_999)).toBe(5_000);
    expect(q.untilFor('bot', 'acme', 5_000)).toBe(NOT_QUARANTINED);
    expect(q.untilFor('other', 'acme', 2_000)).toBe(NOT_QUARANTINED);
  });

  it('given a tenant quarantine, then every agent of the tenant is covered', () => {
    const q = new QuarantineTable();
    q.apply(signal({ agentId: '', facts: { scope: 'tenant', untilMs: '9000' } }));
    expect(q.untilFor('anyone', 'acme', 1_000)).toBe(9_000);
    expect(q.untilFor('anyone', 'globex', 1_000)).toBe(NOT_QUARANTINED);
  });

  it('given signals out of order, then the latest end wins', () => {
    const q = new QuarantineTable();
    q.apply(signal({ facts: { scope: 'agent', untilMs: '9000' } }));
    q.apply(signal({ facts: { scope: 'agent', untilMs: '5000' } }));
    expect(q.untilFor('bot', 'acme', 6_000)).toBe(9_000);
  });

  it('ignores other alert kinds and malformed signals', () => {
    const q = new QuarantineTable();
    expect(q.apply(signal({ kind: 'agent-rate' }))).toBe(false);
    expect(q.apply(signal({ facts: { scope: 'agent', untilMs: 'soon' } }))).toBe(false);
    expect(q.apply(signal({ facts: { scope: 'session', untilMs: '5000' } }))).toBe(false);
    expect(q.size).toBe(0);
  });
});
