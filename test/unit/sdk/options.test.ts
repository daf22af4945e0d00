import { describe, expect, it } from 'vitest';
import { clientSettings } from '../../../processors/sdk/options.ts';

const base = { brokers: 'localhost:9092', registryUrl: 'http://localhost:8081' };

describe('SDK options', () => {
  it('fills defaults: 3 s verdict wait, approvals returned pending, nothing fails open', () => {
    const s = clientSettings(base);
    expect(s).toMatchObject({ brokers: ['localhost:9092'], topicPrefix: 'arbiter', defaultDeadlineMs: 3000, approvalWaitMs: 0 });
    expect(s.lowRiskReads.size).toBe(0);
  });

  it('refuses bad values once, naming the option', () => {
    expect(() => clientSettings({ ...base, registryUrl: 'localhost:8081' })).toThrow(/ARB_SDK_CONFIG_INVALID: registryUrl/);
    expect(() => clientSettings({ ...base, defaultDeadlineMs: 0 })).toThrow(/ARB_SDK_CONFIG_INVALID: defaultDeadlineMs/);
    expect(() => clientSettings({ ...base, replyPartition: -1 })).toThrow(/ARB_SDK_CONFIG_INVALID: replyPartition/);
    expect(() => clientSettings({ ...base, brokers: [] })).toThrow(/ARB_SDK_CONFIG_INVALID: brokers/);
    expect(() => clientSettings({ ...base, kafkaClient: 'nope' })).toThrow(/ARB_CONFIG_INVALID/);
  });
});
