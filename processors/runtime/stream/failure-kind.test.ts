import { describe, expect, it } from 'vitest';
import { ArbiterError, type ErrorCode } from '../../core/errors.ts';
import { failureKind, poisonFailure, rethrowTransient } from './failure-kind.ts';

const coded = (code: ErrorCode) => new ArbiterError(code, 'x', { topic: 't', partition: 0, offset: '1' });

describe('failure kind: poison is the record, transient is the infrastructure', () => {
  it.each<ErrorCode>(['ARB_SERDE_BAD_MAGIC', 'ARB_SERDE_UNKNOWN_SCHEMA_ID', 'ARB_SERDE_DECODE_FAILED', 'ARB_SERDE_OVERSIZED',
    'ARB_VERDICT_BAD_REPLY_TO', 'ARB_STREAM_PROCESS_FAILED', 'ARB_VERDICT_BUNDLE_REJECTED'])('%s is poison', (code) => {
    expect(failureKind(coded(code))).toBe('poison');
    expect(poisonFailure(coded(code), 'ARB_SERDE_DECODE_FAILED').code).toBe(code);
  });

  it.each<ErrorCode>(['ARB_SERDE_REGISTRY_UNAVAILABLE', 'ARB_SERDE_REGISTRY_AUTH_FAILED', 'ARB_SERDE_REGISTRY_NOT_AUTHORIZED',
    'ARB_SERDE_REGISTRY_TLS_FAILED', 'ARB_TRANSPORT_CONSUMER_FAILED', 'ARB_TRANSPORT_GENERATION_STALE', 'ARB_STREAM_RESTORE_FAILED'])('%s is transient and rethrown, never a dead letter', (code) => {
    const error = coded(code);
    expect(failureKind(error)).toBe('transient');
    expect(() => poisonFailure(error, 'ARB_SERDE_DECODE_FAILED')).toThrow(error);
    expect(() => rethrowTransient(error)).toThrow(error);
  });

  it('an error without an Arbiter code is poison with the fallback code', () => {
    expect(failureKind(new TypeError('bad'))).toBe('poison');
    expect(() => rethrowTransient(new TypeError('bad'))).not.toThrow();
    expect(poisonFailure(new TypeError('bad'), 'ARB_SERDE_DECODE_FAILED')).toEqual({ code: 'ARB_SERDE_DECODE_FAILED', message: 'bad' });
  });
});
