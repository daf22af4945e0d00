import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/secret.ts';
import { classifyRegistryFailure, registryUrlForMessages } from './registry-failure.ts';

const URL_TLS = 'https://registry.example:8443/apis/ccompat/v7';
const URL_PLAIN = 'http://registry.example:8443/apis/ccompat/v7';
const AUTH = { username: 'arbiter-agent', password: new Secret('hunter2-secret') };
const nodeError = (code: string, message = `failed: ${code}`) => ({ error: Object.assign(new Error(message), { code }) });

describe('classifyRegistryFailure', () => {
  it('401 with credentials: AUTH_FAILED naming the URL and user, not the password', () => {
    const e = classifyRegistryFailure(URL_TLS, AUTH, 'registering subject s', { status: 401, body: 'denied hunter2-secret' });
    expect(e?.code).toBe('ARB_SERDE_REGISTRY_AUTH_FAILED');
    expect(e?.message).toContain(URL_TLS);
    expect(e?.message).toContain('"arbiter-agent"');
    expect(e?.message).not.toContain('hunter2-secret');
  });

  it('401 without credentials: AUTH_FAILED saying which settings to set', () => {
    expect(classifyRegistryFailure(URL_TLS, {}, 'x', { status: 401, body: '' })?.message).toMatch(/requires authentication.*SCHEMA_REGISTRY_USERNAME/);
  });

  it('403: NOT_AUTHORIZED naming the user', () => {
    const e = classifyRegistryFailure(URL_TLS, AUTH, 'x', { status: 403, body: '' });
    expect(e?.code).toBe('ARB_SERDE_REGISTRY_NOT_AUTHORIZED');
    expect(e?.message).toContain('"arbiter-agent"');
  });

  it('a TLS front answering plain http with 400: TLS_FAILED saying use https://; other 400s and 5xx are left to the caller', () => {
    expect(classifyRegistryFailure(URL_PLAIN, {}, 'x', { status: 400, body: 'The plain HTTP request was sent to HTTPS port' })?.code).toBe('ARB_SERDE_REGISTRY_TLS_FAILED');
    expect(classifyRegistryFailure(URL_PLAIN, {}, 'x', { status: 400, body: 'bad schema' })).toBeUndefined();
    expect(classifyRegistryFailure(URL_TLS, AUTH, 'x', { status: 503, body: '' })).toBeUndefined();
  });

  it('certificate and host-name failures: TLS_FAILED pointing at SCHEMA_REGISTRY_CA_FILE', () => {
    for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
      const e = classifyRegistryFailure(URL_TLS, AUTH, 'x', nodeError(code));
      expect(e?.code, code).toBe('ARB_SERDE_REGISTRY_TLS_FAILED');
      expect(e?.message).toContain('SCHEMA_REGISTRY_CA_FILE');
    }
  });

  it('https:// to a plain port (OpenSSL wrong version number): TLS_FAILED, short', () => {
    const e = classifyRegistryFailure(URL_TLS, AUTH, 'x', nodeError('EPROTO', 'write EPROTO 0A00010B:SSL routines:...:wrong version number\n'));
    expect(e?.message).toMatch(/the answer is not TLS \(EPROTO\)/);
    expect(e?.message).not.toContain('SSL routines');
  });

  it('http:// to a port answering something that is not HTTP (a TLS port): TLS_FAILED; connection refused is left to the caller', () => {
    expect(classifyRegistryFailure(URL_PLAIN, {}, 'x', nodeError('HPE_INVALID_CONSTANT'))?.code).toBe('ARB_SERDE_REGISTRY_TLS_FAILED');
    expect(classifyRegistryFailure(URL_TLS, AUTH, 'x', nodeError('ECONNREFUSED'))).toBeUndefined();
  });
});

describe('registryUrlForMessages', () => {
  it('drops user info from the URL', () => {
    expect(registryUrlForMessages('https://u:p4ss@registry.example/apis/ccompat/v7/')).toBe('https://registry.example/apis/ccompat/v7');
    expect(registryUrlForMessages(URL_TLS)).toBe(URL_TLS);
  });
});
