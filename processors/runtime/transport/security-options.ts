// KafkaSecurity (TLS + SASL, validated at startup) in each client's own terms, and the client errors of a secured
// connection (handshake, authentication, authorization) turned into stable ARB codes. Pure mapping; the adapters
// spread the result into their client options. Passwords go to the clients only, never into a message.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SASLOptions as KafkajsSasl } from 'kafkajs';
import { ArbiterError, type ErrorCode } from '../../core/errors.ts';
import type { KafkaSecurity, KafkaTls } from './transport.ts';

function nodeTls(tls: KafkaTls): TlsOptions {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key.reveal() } : {}),
  };
}

/** @platformatic/kafka: `tls` (node:tls options) and `sasl` (the password as a provider, so it is not in the options). */
export function platformaticSecurity(security: KafkaSecurity | undefined): { tls?: TlsOptions; sasl?: { mechanism: KafkaSaslName; username: string; password: () => string } } {
  if (security === undefined) return {};
  const { tls, sasl } = security;
  return {
    ...(tls !== undefined ? { tls: nodeTls(tls) } : {}),
    ...(sasl !== undefined ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: () => sasl.password.reveal() } } : {}),
  };
}
type KafkaSaslName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** kafkajs: `ssl` (node:tls options) and `sasl` (mechanism names in lower case). */
export function kafkajsSecurity(security: KafkaSecurity | undefined): { ssl?: TlsOptions; sasl?: KafkajsSasl } {
  if (security === undefined) return {};
  const { tls, sasl } = security;
  return {
    ...(tls !== undefined ? { ssl: nodeTls(tls) } : {}),
    ...(sasl !== undefined
      ? { sasl: { mechanism: sasl.mechanism.toLowerCase(), username: sasl.username, password: sasl.password.reveal() } as KafkajsSasl }
      : {}),
  };
}

/** librdkafka (@confluentinc/kafka-javascript) properties; PEM texts go in as *.pem, not file locations. */
export function librdkafkaSecurity(security: KafkaSecurity | undefined): Record<string, string | boolean> {
  if (security === undefined || security.protocol === 'PLAINTEXT') return {};
  const { tls, sasl } = security;
  return {
    'security.protocol': security.protocol.toLowerCase(),
    ...(tls !== undefined
      ? {
          'enable.ssl.certificate.verification': tls.rejectUnauthorized,
          'ssl.endpoint.identification.algorithm': tls.rejectUnauthorized ? 'https' : 'none',
          ...(tls.ca !== undefined ? { 'ssl.ca.pem': tls.ca } : {}),
          ...(tls.cert !== undefined ? { 'ssl.certificate.pem': tls.cert } : {}),
          ...(tls.key !== undefined ? { 'ssl.key.pem': tls.key.reveal() } : {}),
        }
      : {}),
    ...(sasl !== undefined ? { 'sasl.mechanisms': sasl.mechanism, 'sasl.username': sasl.username, 'sasl.password': sasl.password.reveal() } : {}),
  };
}

/** The KafkaJS-shaped logger @confluentinc/kafka-javascript accepts. */
export interface ClientLogger {
  info(message: string, extra?: object): void;
  error(message: string, extra?: object): void;
  warn(message: string, extra?: object): void;
  debug(message: string, extra?: object): void;
  namespace(namespace: string, level?: number): ClientLogger;
  setLogLevel(level: number): void;
}

const KEPT_LOG_LINES = 8;

/**
 * A logger that keeps the client's last error and warning lines. librdkafka reports a failed TLS handshake or SASL
 * authentication only in its log while the call fails later as "Local: Timed out"; secured.ts reads recent() to name
 * the real cause. Error lines still go to stderr, as with the client's default logger.
 */
export function recordingLogger(): { logger: ClientLogger; recent(): string } {
  const lines: string[] = [];
  const keep = (message: string, extra?: object): string => {
    const detail = (extra as { message?: unknown } | undefined)?.message;
    const line = typeof detail === 'string' ? `${message} ${detail}`.trim() : message;
    lines.push(line);
    if (lines.length > KEPT_LOG_LINES) lines.shift();
    return line;
  };
  const logger: ClientLogger = {
    info: () => undefined,
    debug: () => undefined,
    warn: (message, extra) => void keep(message, extra),
    error: (message, extra) => console.error(keep(message, extra)),
    namespace: () => logger,
    setLogLevel: () => undefined,
  };
  return { logger, recent: () => lines.join(' | ') };
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME/;
const TLS_TEXT = /certificate|TLS handshake|SSL handshake|ssl routines|wrong version number|altnames|self[- ]signed|packet length too long/i;
// Not bare "SASL": librdkafka names its connections sasl_ssl://host, whatever went wrong.
const AUTH_TEXT = /SASL[ _]?(authentication|SCRAM|PLAIN|handshake)|SaslAuthenticate|authentication failed|invalid credentials|ILLEGAL_SASL_STATE|UNSUPPORTED_SASL_MECHANISM/i;
const AUTHZ_TEXT = /AUTHORIZATION_FAILED|not authorized|authorization failed|TOPIC_AUTHORIZATION|GROUP_AUTHORIZATION|TRANSACTIONAL_ID_AUTHORIZATION|CLUSTER_AUTHORIZATION/i;

/** Every message and code along an error's cause chain (and an AggregateError's errors), for classification. */
function describeChain(error: unknown): { text: string; codes: string } {
  const texts: string[] = [];
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (e === null || typeof e !== 'object' || seen.has(e) || depth > 8) return;
    seen.add(e);
    const o = e as { message?: unknown; code?: unknown; type?: unknown; apiId?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.message === 'string') texts.push(o.message);
    for (const c of [o.code, o.type, o.apiId]) if (typeof c === 'string') codes.push(c);
    visit(o.cause, depth + 1);
    if (Array.isArray(o.errors)) for (const inner of o.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return { text: texts.join(' | '), codes: codes.join(' ') };
}

/**
 * The ARB error for a client error caused by connection security, or undefined when it is something else. The
 * message names the protocol, mechanism, user and brokers; the client's own text follows with the password scrubbed.
 */
export function securityError(error: unknown, security: KafkaSecurity | undefined, brokers: readonly string[], clientLog = ''): ArbiterError | undefined {
  if (security === undefined || security.protocol === 'PLAINTEXT') return undefined;
  if (error instanceof ArbiterError) return undefined;
  const chain = describeChain(error);
  // The client's log (or the TLS diagnosis) first: it names the cause the thrown error often does not.
  const text = clientLog.trim() === '' ? chain.text : `${clientLog.trim()} | ${chain.text}`;
  const codes = chain.codes;
  const scrub = (s: string) => security.sasl?.password.scrub(s) ?? s;
  const where = `${security.protocol} to ${brokers.join(',')}`;
  let code: ErrorCode | undefined;
  let what = '';
  if (AUTHZ_TEXT.test(text) || AUTHZ_TEXT.test(codes)) {
    code = 'ARB_TRANSPORT_NOT_AUTHORIZED';
    what = `Kafka denied principal User:${security.sasl?.username ?? '(TLS certificate)'} an operation (ACLs, docs/security.md)`;
  } else if (security.tls !== undefined && (TLS_CODES.test(codes) || TLS_TEXT.test(text))) {
    // Before authentication: SASL runs inside the TLS session, so a failed handshake never reached it.
    code = 'ARB_TRANSPORT_TLS_FAILED';
    what = 'the TLS handshake with the broker failed (is the broker certificate signed by KAFKA_SSL_CA_FILE and issued for the broker host name? '
      + 'does the broker want a client certificate, KAFKA_SSL_CERT_FILE/KAFKA_SSL_KEY_FILE, that it trusts?)';
  } else if (security.sasl !== undefined && (AUTH_TEXT.test(text) || AUTH_TEXT.test(codes))) {
    code = 'ARB_TRANSPORT_AUTH_FAILED';
    what = `Kafka refused ${security.sasl.mechanism} authentication of user "${security.sasl.username}" (check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)`;
  }
  if (code === undefined) return undefined;
  const wrapped = new ArbiterError(code, `${what}; ${where}: ${scrub(text).slice(0, 500)}`, { key: code === 'ARB_TRANSPORT_TLS_FAILED' ? 'KAFKA_SSL_CA_FILE' : 'KAFKA_SASL_USERNAME' });
  return wrapped;
}
