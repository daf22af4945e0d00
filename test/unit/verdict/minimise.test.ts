import { describe, expect, it } from 'vitest';
import { minimiseArgs, minimiseValue } from '../../../processors/verdict/minimise.ts';
import { testBundle } from './fixtures.ts';

describe('argument minimisation for the audit record', () => {
  const sendEmail = testBundle().tools.get('send_email');

  it('keeps numbers and booleans, which auditors need (amounts)', () => {
    expect(minimiseValue(1500.5, undefined)).toBe('1500.5');
    expect(minimiseValue(true, undefined)).toBe('true');
  });

  it('redacts strings carrying PII or credentials, naming the kinds, never the value', () => {
    const key = 'sk_live_abcdefghijklmnopqrstuvwx';
    const out = minimiseValue(`use ${key} and mail bob@corp.example`, undefined);
    expect(out).toBe('[redacted:api_key,email]');
    expect(out).not.toContain(key);
  });

  it('keeps short identifier-like strings and hashes free text', () => {
    expect(minimiseValue('ticket-42', undefined)).toBe('ticket-42');
    const text = 'a long free text body that could say anything at all';
    const out = minimiseValue(text, undefined);
    expect(out).toMatch(/^sha256:[0-9a-f]{16} \(\d+ chars\)$/);
    expect(minimiseValue(text, undefined)).toBe(out);
  });

  it('shows destination hosts with a hash, lists data labels from the tool metadata', () => {
    const m = minimiseArgs({ to: ['eve@evil.example'], subject: 'hi', body: 'secret plan' }, sendEmail);
    expect(m.argsMinimised['to']).toMatch(/^evil\.example sha256:[0-9a-f]{16}$/);
    expect(m.destinations).toEqual([m.argsMinimised['to']]);
    expect(JSON.stringify(m)).not.toContain('eve@');
    expect(m.dataLabels).toEqual(['pii']);
  });
});
