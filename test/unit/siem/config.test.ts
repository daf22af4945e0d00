import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { validateSiemConfig } from '../../../processors/sinks/siem/config.ts';
import { compileFilter } from '../../../processors/sinks/siem/filter.ts';
import { alertInput, decisionInput } from './fixtures.ts';

function problemsOf(raw: unknown): string {
  try {
    validateSiemConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ArbiterError);
    expect((e as ArbiterError).code).toBe('ARB_SIEM_CONFIG_INVALID');
    return (e as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('validateSiemConfig', () => {
  it('fills defaults: own consumer group and DLQ topic per format, every effect, all tenants', () => {
    const c = validateSiemConfig({ format: 'cef', peer: { host: '127.0.0.1', port: 6514 } });
    expect(c.groupId).toBe('arbiter-siem-cef');
    expect(c.dlqTopic).toBe('arbiter.dlq.siem-cef');
    expect(c.sourceTopics).toEqual(['arbiter.decisions', 'arbiter.alerts']);
    expect(c.filter).toEqual({ effects: ['allow', 'deny', 'modify', 'escalate'], minSeverity: 'info', tenants: [], alerts: true });
    expect(c.peer).toMatchObject({ kind: 'syslog', facility: 13, appName: 'arbiter' });
  });

  it('collects every problem with its key in one error', () => {
    const msg = problemsOf({
      format: 'ecs', filter: { effects: ['deny', 'block'], minSeverity: 'urgent' },
      delivery: { maxAttempts: 0, baseBackoffMs: 500, maxBackoffMs: 100 }, peer: { url: 'ftp://x' }, extra: 1,
    });
    expect(msg).toContain('siem.filter.effects: "block" is not one of');
    expect(msg).toContain('siem.filter.minSeverity: must be one of');
    expect(msg).toContain('siem.delivery.maxAttempts: must be an integer in [1, 1000]');
    expect(msg).toContain('siem.delivery.maxBackoffMs: must be >= baseBackoffMs');
    expect(msg).toContain('siem.peer.url: must be an http(s) URL');
    expect(msg).toContain('siem.extra: unknown setting');
  });

  it('refuses a peer of the wrong kind for the format and a missing peer', () => {
    expect(problemsOf({ format: 'cef', peer: { kind: 'hec', url: 'http://x' } })).toContain('format cef is sent to a "syslog" peer');
    expect(problemsOf({ format: 'hec' })).toContain('siem.peer: is required');
  });

  it('never echoes a secret in its error', () => {
    const msg = problemsOf({ format: 'hec', peer: { url: 'http://user:pw@h:8088', token: 42 } });
    expect(msg).toContain('siem.peer.token: must be a non-empty string (value hidden)');
    expect(msg).toContain('must not carry credentials');
    expect(msg).not.toContain('pw@');
  });
});

describe('compileFilter', () => {
  const filter = compileFilter(validateSiemConfig({
    format: 'ecs', peer: { url: 'http://h:9200' }, filter: { effects: ['deny', 'escalate', 'allow'], minSeverity: 'medium', tenants: ['acme'] },
  }).filter);

  it('passes what matches effect, tenant and severity', () => {
    expect(filter(decisionInput({ effect: 'deny' }))).toBeUndefined();
    expect(filter(alertInput({ severity: 'high' }))).toBeUndefined();
  });

  it('names the reason for each event it filters out', () => {
    expect(filter(decisionInput({ effect: 'modify' }))).toBe('effect');
    expect(filter(decisionInput({ effect: 'allow' }))).toBe('severity');
    expect(filter(decisionInput({ tenantId: 'other' }))).toBe('tenant');
    expect(filter(alertInput({ severity: 'low' }))).toBe('severity');
  });

  it('drops alerts only when alerts are switched off', () => {
    const noAlerts = compileFilter(validateSiemConfig({ format: 'ecs', peer: { url: 'http://h' }, filter: { alerts: false } }).filter);
    expect(noAlerts(alertInput())).toBe('alerts_off');
    expect(noAlerts(decisionInput())).toBeUndefined();
  });
});
