import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../processors/core/types.ts';
import { toOcsf } from '../../../processors/sinks/siem/ocsf.ts';
import { API_ACTIVITY, DETECTION_FINDING, validateOcsf } from '../../../processors/sinks/siem/ocsf-schema.ts';
import { alertInput, decisionInput } from './fixtures.ts';

describe('OCSF mapping', () => {
  it.each<[Effect, number, number]>([
    ['deny', 2004, 200401], ['escalate', 2004, 200401], ['allow', 6003, 600399], ['modify', 6003, 600399],
  ])('maps a %s decision to class %i (type %i) and passes the required-attribute check', (effect, classUid, typeUid) => {
    const ev = toOcsf(decisionInput({ effect }));
    expect(ev['class_uid']).toBe(classUid);
    expect(ev['type_uid']).toBe(typeUid);
    expect(validateOcsf(ev)).toEqual([]);
  });

  it('maps an alert to a Detection Finding with the alert id as finding uid and its severity', () => {
    const ev = toOcsf(alertInput({ severity: 'critical' }));
    expect(validateOcsf(ev)).toEqual([]);
    expect(ev['class_uid']).toBe(2004);
    expect(ev['severity_id']).toBe(5);
    expect((ev['finding_info'] as Record<string, unknown>)['uid']).toBe('al-1');
  });

  it('carries the OTel GenAI tool fields and only the minimised arguments', () => {
    const ev = toOcsf(decisionInput({ argsMinimised: { body: '[redacted:pii]' } }));
    const unmapped = ev['unmapped'] as Record<string, unknown>;
    expect(unmapped['gen_ai.tool.name']).toBe('send_email');
    expect(unmapped['gen_ai.tool.call.id']).toBe('p-1');
    expect((ev['api'] as { request: { data: unknown } }).request.data).toEqual({ body: '[redacted:pii]' });
  });

  it('uses a deny as severity High (4) with action Denied, an allow as Informational (1) with action Allowed', () => {
    const deny = toOcsf(decisionInput({ effect: 'deny' }));
    const allow = toOcsf(decisionInput({ effect: 'allow' }));
    expect([deny['severity_id'], deny['action']]).toEqual([4, 'Denied']);
    expect([allow['severity_id'], allow['action']]).toEqual([1, 'Allowed']);
  });
});

describe('validateOcsf', () => {
  const good = () => structuredClone(toOcsf(decisionInput({ effect: 'allow' })));

  it('lists the class-required attributes from the schema', () => {
    expect(DETECTION_FINDING.required).toEqual(expect.arrayContaining(['finding_info', 'metadata', 'time', 'severity_id', 'type_uid']));
    expect(API_ACTIVITY.required).toEqual(expect.arrayContaining(['actor', 'api', 'src_endpoint', 'metadata']));
  });

  it('reports each missing required attribute by name', () => {
    const ev = good();
    delete ev['api'];
    delete ev['time'];
    const problems = validateOcsf(ev);
    expect(problems.some((p) => p.startsWith('api: required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('time: required'))).toBe(true);
  });

  it('checks type_uid = class_uid * 100 + activity_id and the category', () => {
    const ev = { ...good(), type_uid: 600301, category_uid: 2 };
    const problems = validateOcsf(ev);
    expect(problems).toContain('type_uid: must be class_uid * 100 + activity_id = 600399, got 600301');
    expect(problems.some((p) => p.startsWith('category_uid: must be 6'))).toBe(true);
  });

  it('checks nested required attributes and at-least-one constraints', () => {
    const ev = { ...good(), metadata: { product: {}, version: '1.5.0' }, actor: { unrelated: 1 }, src_endpoint: {} };
    const problems = validateOcsf(ev);
    expect(problems).toContain('metadata.product.name: required but missing');
    expect(problems.some((p) => p.startsWith('actor: needs at least one of'))).toBe(true);
    expect(problems.some((p) => p.startsWith('src_endpoint: needs at least one of'))).toBe(true);
  });

  it('rejects a finding without finding_info.uid and unknown classes', () => {
    const f = structuredClone(toOcsf(decisionInput({ effect: 'deny' })));
    f['finding_info'] = { title: 'x' };
    expect(validateOcsf(f)).toContain('finding_info.uid: required but missing');
    expect(validateOcsf({ class_uid: 1001 })[0]).toMatch(/not a class this validator knows/);
    expect(validateOcsf({ ...good(), severity_id: 7 }).some((p) => p.startsWith('severity_id'))).toBe(true);
  });
});
