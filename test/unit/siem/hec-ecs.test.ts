import { describe, expect, it } from 'vitest';
import { validateSiemConfig, type HecPeerConfig } from '../../../processors/sinks/siem/config.ts';
import { toEcs } from '../../../processors/sinks/siem/ecs.ts';
import { bulkBody, bulkOutcomes } from '../../../processors/sinks/siem/ecs-sink.ts';
import { toHecEnvelope } from '../../../processors/sinks/siem/hec.ts';
import { classifyStatus } from '../../../processors/sinks/siem/http.ts';
import { validateOcsf } from '../../../processors/sinks/siem/ocsf-schema.ts';
import { alertInput, decisionInput } from './fixtures.ts';

const hecPeer = validateSiemConfig({ format: 'hec', peer: { url: 'http://127.0.0.1:8088', token: 't0k', index: 'ai' } }).peer as HecPeerConfig;

describe('Splunk HEC envelope', () => {
  it('wraps the OCSF event with epoch-seconds time, index and flat GenAI indexed fields', () => {
    const env = toHecEnvelope(decisionInput(), hecPeer);
    expect(env['time']).toBe(1_700_000_000.123);
    expect(env['index']).toBe('ai');
    expect(env['sourcetype']).toBe('arbiter:ocsf');
    expect(env['fields']).toMatchObject({ 'gen_ai.tool.name': 'send_email', 'gen_ai.tool.call.id': 'p-1', 'arbiter.effect': 'deny', 'arbiter.tenant_id': 'acme' });
    expect(validateOcsf(env['event'])).toEqual([]);
  });

  it('has no tool fields for alerts and never contains the token', () => {
    const env = toHecEnvelope(alertInput(), hecPeer);
    expect(env['fields']).not.toHaveProperty('gen_ai.tool.name');
    expect(JSON.stringify(env)).not.toContain('t0k');
  });
});

describe('ECS document', () => {
  it('maps a deny to an alert of category api with outcome failure and gen_ai tool fields', () => {
    const doc = toEcs(decisionInput()) as Record<string, Record<string, unknown>>;
    expect(doc['@timestamp']).toBe('2023-11-14T22:13:20.123Z');
    expect(doc['event']).toMatchObject({ kind: 'alert', category: ['api'], type: ['denied'], outcome: 'failure', id: 'd-1', severity: 4 });
    expect(doc['gen_ai']).toEqual({ tool: { name: 'send_email', call: { id: 'p-1' } } });
    expect(doc['ecs']).toEqual({ version: '8.11.0' });
  });

  it('maps an allow to a plain event and an alert to intrusion_detection', () => {
    expect((toEcs(decisionInput({ effect: 'allow' })) as Record<string, Record<string, unknown>>)['event']).toMatchObject({ kind: 'event', type: ['allowed'], outcome: 'success' });
    expect((toEcs(alertInput()) as Record<string, Record<string, unknown>>)['event']).toMatchObject({ kind: 'alert', category: ['intrusion_detection'] });
  });
});

describe('Elastic bulk', () => {
  it('writes one create action with the event id per document, ndjson terminated', () => {
    const body = bulkBody('logs-arbiter-default', [{ id: 'd-1', payload: '{"a":1}' }, { id: 'd-2', payload: '{"a":2}' }]);
    expect(body).toBe('{"create":{"_index":"logs-arbiter-default","_id":"d-1"}}\n{"a":1}\n{"create":{"_index":"logs-arbiter-default","_id":"d-2"}}\n{"a":2}\n');
  });

  it('classifies each item: 201 and 409 delivered, 429 retryable, 400 rejected, missing retryable', () => {
    const answer = JSON.stringify({
      errors: true,
      items: [
        { create: { status: 201 } },
        { create: { status: 409, error: { type: 'version_conflict_engine_exception' } } },
        { create: { status: 429, error: { type: 'es_rejected_execution_exception' } } },
        { create: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad field' } } },
      ],
    });
    const out = bulkOutcomes(5, answer);
    expect(out.map((o) => (o.ok ? 'ok' : o.retryable ? 'retry' : 'reject'))).toEqual(['ok', 'ok', 'retry', 'reject', 'retry']);
    const rejected = out[3];
    expect(rejected !== undefined && !rejected.ok && rejected.code).toBe('ARB_SIEM_PEER_REJECTED');
    expect(rejected !== undefined && !rejected.ok && rejected.detail).toContain('mapper_parsing_exception bad field');
  });

  it('treats an answer that is not JSON as retryable', () => {
    expect(bulkOutcomes(2, '<html>').every((o) => !o.ok && o.retryable)).toBe(true);
  });
});

describe('HTTP status classes', () => {
  it.each([[200, 'ok'], [204, 'ok'], [408, 'busy'], [429, 'busy'], [503, 'busy'], [401, 'misconfigured'], [404, 'misconfigured'], [400, 'rejected'], [413, 'rejected']] as const)(
    '%i is %s', (status, cls) => expect(classifyStatus(status)).toBe(cls),
  );
});
