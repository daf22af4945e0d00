// Why a schema-registry exchange failed, as a code that says what to fix: the credentials (401:
// ARB_SERDE_REGISTRY_AUTH_FAILED), the user's rights (403: ARB_SERDE_REGISTRY_NOT_AUTHORIZED), TLS trust or a TLS/plain
// mismatch between the URL and the port (ARB_SERDE_REGISTRY_TLS_FAILED). Anything else is left to the caller
// (ARB_SERDE_REGISTRY_UNAVAILABLE). Messages name the registry URL (without any user info) and the user, never the password.
import { ArbiterError } from '../../core/errors.ts';
import type { RegistryAuth } from '../../core/kafka-security-config.ts';

/** What went wrong on one request: an HTTP answer (status and body) or a connection error (Node's error code). */
export type RegistryExchange =
  | { readonly status: number; readonly body: string }
  | { readonly error: Error & { readonly code?: string } };

// Node's certificate verification codes (SELF_SIGNED_CERT_IN_CHAIN, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, CERT_HAS_EXPIRED,
// ...), its host name check (ERR_TLS_CERT_ALTNAME_INVALID) and OpenSSL's protocol errors (ERR_SSL_WRONG_VERSION_NUMBER
// when https:// meets a plain port).
const TLS_ERROR_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT|SELF_SIGNED|UNABLE_TO_/;
// Node's HTTP parser refusing the answer (HPE_*): over http:// that is typically a TLS port answering with TLS bytes.
const HTTP_PARSE_ERROR_CODE = /^HPE_/;
// A TLS front that still answers plain HTTP says so (nginx: "The plain HTTP request was sent to HTTPS port").
const PLAIN_HTTP_TO_TLS_PORT = /HTTPS port/i;

/** The URL as messages show it: any user:password@ part dropped. */
export function registryUrlForMessages(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/**
 * The classified error for a failed exchange with the registry at `url` (`what`: the request, e.g. "registering
 * subject x"), or undefined when it is none of auth, permission or TLS.
 */
export function classifyRegistryFailure(url: string, auth: RegistryAuth, what: string, exchange: RegistryExchange): ArbiterError | undefined {
  const shown = registryUrlForMessages(url);
  const secure = url.startsWith('https://');
  const who = auth.username !== undefined ? `user "${auth.username}"` : 'no user (SCHEMA_REGISTRY_USERNAME unset)';
  const fail = (code: 'ARB_SERDE_REGISTRY_AUTH_FAILED' | 'ARB_SERDE_REGISTRY_NOT_AUTHORIZED' | 'ARB_SERDE_REGISTRY_TLS_FAILED', message: string) =>
    new ArbiterError(code, auth.password !== undefined ? auth.password.scrub(message) : message, { key: 'SCHEMA_REGISTRY_URL' });

  if ('status' in exchange) {
    if (exchange.status === 401) {
      return fail('ARB_SERDE_REGISTRY_AUTH_FAILED', auth.username !== undefined
        ? `schema registry ${shown} refused the credentials of user "${auth.username}" (HTTP 401) ${what}: check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD(_FILE)`
        : `schema registry ${shown} requires authentication (HTTP 401) ${what} and no credentials are set: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD(_FILE)`);
    }
    if (exchange.status === 403) {
      return fail('ARB_SERDE_REGISTRY_NOT_AUTHORIZED', `schema registry ${shown} denied ${who} (HTTP 403) ${what}: grant it access to the subject`);
    }
    if (exchange.status === 400 && !secure && PLAIN_HTTP_TO_TLS_PORT.test(exchange.body)) {
      return fail('ARB_SERDE_REGISTRY_TLS_FAILED', `schema registry ${shown} speaks TLS on that port but the URL is http:// (HTTP 400 ${what}): use https://`);
    }
    return undefined;
  }
  const code = exchange.error.code ?? '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
    // OpenSSL's text here is a multi-line dump; what it means is short.
    return fail('ARB_SERDE_REGISTRY_TLS_FAILED', `TLS with schema registry ${shown} failed ${what}: the answer is not TLS (${code}): use http:// or the registry's TLS port`);
  }
  if (TLS_ERROR_CODE.test(code)) {
    return fail('ARB_SERDE_REGISTRY_TLS_FAILED', `TLS with schema registry ${shown} failed ${what}: ${exchange.error.message} (${code}): `
      + 'the registry\'s certificate must be signed by a CA in SCHEMA_REGISTRY_CA_FILE (the system trust store when unset) and name the URL\'s host');
  }
  if (!secure && HTTP_PARSE_ERROR_CODE.test(code)) {
    return fail('ARB_SERDE_REGISTRY_TLS_FAILED', `schema registry ${shown} did not answer HTTP ${what} (${code}): if that port speaks TLS, use https://`);
  }
  return undefined;
}
