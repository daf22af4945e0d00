// Connection security settings: every bad combination fails at startup naming its key, files are read once, and a
// password never shows in an error, its context, JSON or util.inspect output. Files come from an in-memory reader.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadStackConfig, type Env } from '../../../processors/core/config.ts';
import { ArbiterError, type Problem } from '../../../processors/core/errors.ts';
import { kafkaSecurityFromEnv, registryAuthFromEnv } from '../../../processors/core/kafka-security-config.ts';
import { Secret } from '../../../processors/core/secret.ts';
import { clientSettings } from '../../../processors/sdk/options.ts';
import { kafkajsSecurity, librdkafkaSecurity, platformaticSecurity, securityError } from '../../../processors/runtime/transport/security-options.ts';

const PASSWORD = 'Pa55-w0rd-never-printed';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const FILES: Record<string, string> = {
  '/ca.pem': CA, '/cert.pem': CA, '/key.pem': KEY, '/pw': `${PASSWORD}\n`, '/empty': '\n', '/notpem': 'hello',
};
const read = (path: string): string => {
  const text = FILES[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
  return text;
};

function parse(env: Env): { problems: Problem[]; keys: (string | undefined)[]; security: ReturnType<typeof kafkaSecurityFromEnv> } {
  const problems: Problem[] = [];
  const security = kafkaSecurityFromEnv(env, problems, read);
  return { problems, keys: problems.map((p) => p.location?.key), security };
}

const SASL_SSL = { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'arbiter-agent', KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_SSL_CA_FILE: '/ca.pem' };

describe('kafkaSecurityFromEnv', () => {
  it('defaults to PLAINTEXT with nothing set', () => {
    expect(parse({})).toEqual({ problems: [], keys: [], security: { protocol: 'PLAINTEXT' } });
  });

  it('reads SASL_SSL with SCRAM, a CA file and the default certificate verification', () => {
    const { problems, security } = parse(SASL_SSL);
    expect(problems).toEqual([]);
    expect(security.protocol).toBe('SASL_SSL');
    expect(security.tls).toEqual({ ca: CA, rejectUnauthorized: true });
    expect(security.sasl?.mechanism).toBe('SCRAM-SHA-512');
    expect(security.sasl?.username).toBe('arbiter-agent');
    expect(security.sasl?.password.reveal()).toBe(PASSWORD);
  });

  it('reads the password from a file without its trailing newline, and mutual TLS files', () => {
    const { problems, security } = parse({
      ...SASL_SSL, KAFKA_SASL_PASSWORD: undefined, KAFKA_SASL_PASSWORD_FILE: '/pw', KAFKA_SSL_CERT_FILE: '/cert.pem', KAFKA_SSL_KEY_FILE: '/key.pem',
      KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
    });
    expect(problems).toEqual([]);
    expect(security.sasl?.password.reveal()).toBe(PASSWORD);
    expect(security.tls?.cert).toBe(CA);
    expect(security.tls?.key?.reveal()).toBe(KEY);
    expect(security.tls?.rejectUnauthorized).toBe(false);
  });

  it.each([
    [{ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL'],
    [{ ...SASL_SSL, KAFKA_SASL_MECHANISM: undefined }, 'KAFKA_SASL_MECHANISM'],
    [{ ...SASL_SSL, KAFKA_SASL_MECHANISM: 'GSSAPI' }, 'KAFKA_SASL_MECHANISM'],
    [{ ...SASL_SSL, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SSL_CA_FILE: undefined, KAFKA_SASL_MECHANISM: 'PLAIN' }, 'KAFKA_SASL_MECHANISM'],
    [{ ...SASL_SSL, KAFKA_SASL_USERNAME: undefined }, 'KAFKA_SASL_USERNAME'],
    [{ ...SASL_SSL, KAFKA_SASL_PASSWORD: undefined }, 'KAFKA_SASL_PASSWORD'],
    [{ ...SASL_SSL, KAFKA_SASL_PASSWORD_FILE: '/pw' }, 'KAFKA_SASL_PASSWORD'],
    [{ ...SASL_SSL, KAFKA_SASL_PASSWORD: undefined, KAFKA_SASL_PASSWORD_FILE: '/empty' }, 'KAFKA_SASL_PASSWORD_FILE'],
    [{ ...SASL_SSL, KAFKA_SASL_PASSWORD: undefined, KAFKA_SASL_PASSWORD_FILE: '/missing' }, 'KAFKA_SASL_PASSWORD_FILE'],
    [{ ...SASL_SSL, KAFKA_SSL_CA_FILE: '/missing' }, 'KAFKA_SSL_CA_FILE'],
    [{ ...SASL_SSL, KAFKA_SSL_CA_FILE: '/notpem' }, 'KAFKA_SSL_CA_FILE'],
    [{ ...SASL_SSL, KAFKA_SSL_CERT_FILE: '/cert.pem' }, 'KAFKA_SSL_KEY_FILE'],
    [{ ...SASL_SSL, KAFKA_SSL_KEY_FILE: '/key.pem' }, 'KAFKA_SSL_CERT_FILE'],
    [{ ...SASL_SSL, KAFKA_SSL_REJECT_UNAUTHORIZED: 'no' }, 'KAFKA_SSL_REJECT_UNAUTHORIZED'],
    [{ KAFKA_SSL_CA_FILE: '/ca.pem' }, 'KAFKA_SSL_CA_FILE'],
    [{ KAFKA_SASL_USERNAME: 'a' }, 'KAFKA_SASL_USERNAME'],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_PASSWORD: PASSWORD }, 'KAFKA_SASL_PASSWORD'],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_SSL_CA_FILE: '/ca.pem' }, 'KAFKA_SSL_CA_FILE'],
  ] as [Env, string][])('%o is refused naming %s', (env, key) => {
    const { problems, keys } = parse(env);
    expect(keys).toContain(key);
    for (const p of problems) {
      expect(p.code).toBe('ARB_CONFIG_INVALID');
      expect(p.message).not.toContain(PASSWORD);
    }
  });
});

describe('registryAuthFromEnv', () => {
  const auth = (env: Env, url = 'https://registry.example/apis/ccompat/v7') => {
    const problems: Problem[] = [];
    return { auth: registryAuthFromEnv(env, url, problems, read), keys: problems.map((p) => p.location?.key) };
  };
  it('reads basic auth and a CA for an https registry', () => {
    const { auth: a, keys } = auth({ SCHEMA_REGISTRY_USERNAME: 'sdk', SCHEMA_REGISTRY_PASSWORD_FILE: '/pw', SCHEMA_REGISTRY_CA_FILE: '/ca.pem' });
    expect(keys).toEqual([]);
    expect([a.username, a.password?.reveal(), a.ca]).toEqual(['sdk', PASSWORD, CA]);
  });
  it.each([
    [{ SCHEMA_REGISTRY_USERNAME: 'sdk' }, 'https://r', 'SCHEMA_REGISTRY_PASSWORD'],
    [{ SCHEMA_REGISTRY_PASSWORD: PASSWORD }, 'https://r', 'SCHEMA_REGISTRY_USERNAME'],
    [{ SCHEMA_REGISTRY_USERNAME: 'sdk', SCHEMA_REGISTRY_PASSWORD: PASSWORD }, 'http://r', 'SCHEMA_REGISTRY_USERNAME'],
    [{ SCHEMA_REGISTRY_CA_FILE: '/ca.pem' }, 'http://r', 'SCHEMA_REGISTRY_CA_FILE'],
  ] as [Env, string, string][])('%o with %s is refused naming %s', (env, url, key) => {
    expect(auth(env, url).keys).toContain(key);
  });
});

describe('a password never leaks', () => {
  it('is absent from the startup error, its location, JSON and inspect output', () => {
    let error: unknown;
    try {
      loadStackConfig({ ...SASL_SSL, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SSL_CA_FILE: undefined, KAFKA_SASL_MECHANISM: 'PLAIN' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArbiterError);
    const e = error as ArbiterError;
    expect(e.code).toBe('ARB_CONFIG_INVALID');
    expect(e.message).toContain('KAFKA_SASL_MECHANISM');
    for (const text of [e.message, String(e), JSON.stringify(e), JSON.stringify(e.location), inspect(e, { depth: 10 }), e.stack ?? '']) {
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('is absent from a valid configuration printed any way', () => {
    const config = loadStackConfig({ ...SASL_SSL, KAFKA_SSL_CA_FILE: undefined });
    expect(config.kafka.security.sasl?.password.reveal()).toBe(PASSWORD);
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), `${config.kafka.security.sasl?.password}`, String(config.kafka.security.sasl?.password)]) {
      expect(text).not.toContain(PASSWORD);
      expect(text.length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(config)).toContain('[redacted]');
  });

  it('is scrubbed from a client error turned into an ARB error', () => {
    const security = { protocol: 'SASL_SSL' as const, sasl: { mechanism: 'SCRAM-SHA-512' as const, username: 'arbiter-agent', password: new Secret(PASSWORD) } };
    const cause = new Error(`SASL authentication failed for password ${PASSWORD}`);
    const error = securityError(new Error('Cannot connect to any broker.', { cause }), security, ['b:9093']);
    expect(error?.code).toBe('ARB_TRANSPORT_AUTH_FAILED');
    expect(error?.message).toContain('[redacted]');
    expect(error?.message).not.toContain(PASSWORD);
  });

  it('is absent from an SDK option error', () => {
    let error: unknown;
    try {
      clientSettings({ brokers: 'b:9092', registryUrl: 'http://r', security: { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_PASSWORD: PASSWORD } });
    } catch (e) {
      error = e;
    }
    expect((error as ArbiterError).code).toBe('ARB_SDK_CONFIG_INVALID');
    expect((error as ArbiterError).message).toContain('security.KAFKA_SASL_MECHANISM');
    expect(inspect(error)).not.toContain(PASSWORD);
  });
});

describe('securityError classification', () => {
  const tlsOnly = { protocol: 'SSL' as const, tls: { rejectUnauthorized: true } };
  const sasl = { protocol: 'SASL_SSL' as const, tls: { rejectUnauthorized: true }, sasl: { mechanism: 'SCRAM-SHA-256' as const, username: 'u', password: new Secret('p') } };
  it.each([
    [sasl, Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'ARB_TRANSPORT_TLS_FAILED'],
    [tlsOnly, new Error('Hostname/IP does not match certificate\'s altnames'), 'ARB_TRANSPORT_TLS_FAILED'],
    [sasl, new Error('SASL SCRAM SHA256 authentication failed: invalid credentials'), 'ARB_TRANSPORT_AUTH_FAILED'],
    [sasl, new Error('Received response with error while executing API Produce', { cause: new Error('Topic authorization failed.') }), 'ARB_TRANSPORT_NOT_AUTHORIZED'],
    [sasl, new Error('Cluster authorization failed'), 'ARB_TRANSPORT_NOT_AUTHORIZED'],
  ])('%#: %s -> %s', (security, error, code) => {
    expect(securityError(error, security, ['b:1'])?.code).toBe(code);
  });
  it('reads the client log when the error itself says only "Local: Timed out" (librdkafka), TLS before SASL', () => {
    const timedOut = new Error('Local: Timed out');
    expect(securityError(timedOut, sasl, ['b:1'])).toBeUndefined();
    const tlsLog = 'sasl_ssl://b:1/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed';
    expect(securityError(timedOut, sasl, ['b:1'], tlsLog)?.code).toBe('ARB_TRANSPORT_TLS_FAILED');
    const authLog = 'sasl_ssl://b:1/bootstrap: SASL authentication error: Authentication failed due to invalid credentials';
    expect(securityError(timedOut, sasl, ['b:1'], authLog)?.code).toBe('ARB_TRANSPORT_AUTH_FAILED');
  });
  it('leaves other errors and PLAINTEXT connections alone', () => {
    expect(securityError(new Error('Connection refused'), sasl, ['b:1'])).toBeUndefined();
    expect(securityError(new Error('SASL authentication failed'), { protocol: 'PLAINTEXT' }, ['b:1'])).toBeUndefined();
    expect(securityError(new Error('SASL authentication failed'), undefined, ['b:1'])).toBeUndefined();
  });
});

describe('client option mapping', () => {
  const security = {
    protocol: 'SASL_SSL' as const, tls: { ca: CA, cert: CA, key: new Secret(KEY), rejectUnauthorized: true },
    sasl: { mechanism: 'SCRAM-SHA-512' as const, username: 'u', password: new Secret(PASSWORD) },
  };
  it('platformatic: node tls options and a password provider', () => {
    const o = platformaticSecurity(security);
    expect(o.tls).toEqual({ ca: CA, cert: CA, key: KEY, rejectUnauthorized: true });
    expect([o.sasl?.mechanism, o.sasl?.username, o.sasl?.password()]).toEqual(['SCRAM-SHA-512', 'u', PASSWORD]);
    expect(platformaticSecurity(undefined)).toEqual({});
  });
  it('kafkajs: ssl and lower-case sasl mechanism', () => {
    expect(kafkajsSecurity(security)).toEqual({
      ssl: { ca: CA, cert: CA, key: KEY, rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: PASSWORD },
    });
  });
  it('librdkafka: security.protocol, sasl.* and ssl.*.pem; nothing for PLAINTEXT', () => {
    expect(librdkafkaSecurity(security)).toEqual({
      'security.protocol': 'sasl_ssl', 'enable.ssl.certificate.verification': true, 'ssl.endpoint.identification.algorithm': 'https',
      'ssl.ca.pem': CA, 'ssl.certificate.pem': CA, 'ssl.key.pem': KEY,
      'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'u', 'sasl.password': PASSWORD,
    });
    expect(librdkafkaSecurity({ protocol: 'PLAINTEXT' })).toEqual({});
  });
});
