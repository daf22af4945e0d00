import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { siemServiceConfig } from '../../../processors/sinks/siem/main.ts';

const env = { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: 'http://localhost:8081', ARBITER_TOPIC_PREFIX: 'acme', HEC_TOKEN: 's3cret' };

const file = `
forwarders:
  - format: hec
    peer: { url: "https://splunk:8088", token: "env:HEC_TOKEN" }
    filter: { effects: [deny, escalate] }
  - format: cef
    peer: { host: siem.example, port: 6514, tls: { ca: "PEM" } }
`;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ArbiterError);
    return `${(e as ArbiterError).code}: ${(e as Error).message}`;
  }
  throw new Error('expected a config error');
}

describe('siemServiceConfig', () => {
  it('derives sources, a consumer group and a DLQ topic per format from the topic prefix', () => {
    const c = siemServiceConfig(env, file);
    expect(c.forwarders.map((f) => [f.format, f.groupId, f.dlqTopic])).toEqual([
      ['hec', 'acme-siem-hec', 'acme.dlq.siem-hec'],
      ['cef', 'acme-siem-cef', 'acme.dlq.siem-cef'],
    ]);
    expect(c.forwarders[0]?.sourceTopics).toEqual(['acme.decisions', 'acme.alerts']);
  });

  it('reads secrets named env:NAME from the environment', () => {
    const hec = siemServiceConfig(env, file).forwarders[0]?.peer;
    expect(hec?.kind === 'hec' && hec.token).toBe('s3cret');
  });

  it('names a missing secret variable without printing any value', () => {
    const msg = codeOf(() => siemServiceConfig({ ...env, HEC_TOKEN: undefined }, file));
    expect(msg).toContain('ARB_SIEM_CONFIG_INVALID');
    expect(msg).toContain('forwarders[0].peer.token names environment variable HEC_TOKEN, which is not set');
  });

  it('refuses two forwarders in one consumer group, an empty list and a bad forwarder (with its index)', () => {
    const twice = `forwarders:\n  - { format: ecs, peer: { url: "http://es:9200" } }\n  - { format: ecs, peer: { url: "http://es2:9200" } }\n`;
    expect(codeOf(() => siemServiceConfig(env, twice))).toContain('forwarders[1].groupId "acme-siem-ecs" is used twice');
    expect(codeOf(() => siemServiceConfig(env, 'forwarders: []'))).toContain('must hold "forwarders": a non-empty list');
    expect(codeOf(() => siemServiceConfig(env, 'forwarders:\n  - { format: cef, peer: { host: h } }'))).toContain('forwarders[0].peer.port');
  });
});
