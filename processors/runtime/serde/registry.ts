// The schema registry as the serde needs it: register a subject's schema (BACKWARD compatibility), check a
// candidate's compatibility, fetch a writer schema by id. Speaks the Confluent REST API, which Apicurio serves
// under /apis/ccompat/v7. Registration goes through @kafkajs/confluent-schema-registry (it also sets the
// subject's compatibility on first registration); the two reads are plain REST calls because that client
// parses fetched schemas with its own avsc options, and the serde must parse with avroOptions().
// Basic auth and a private CA (SCHEMA_REGISTRY_USERNAME/PASSWORD/CA_FILE, docs/security.md) apply to both paths; a
// refused credential, right or TLS handshake fails with its own code on both (registry-failure.ts).
// schemaById rides out a short outage in place (registry-retry.ts): one log line and one count per retry.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import confluent from '@kafkajs/confluent-schema-registry';
import { loadStackConfig, mergeEnv, parseStackEnv } from '../../core/config.ts';
import { ArbiterError } from '../../core/errors.ts';
import type { RegistryAuth } from '../../core/kafka-security-config.ts';
import type { MetricsRegistry } from '../../core/metrics.ts';
import { classifyRegistryFailure, registryUrlForMessages } from './registry-failure.ts';
import { registryFetchRetryMsFromEnv, retryTransient } from './registry-retry.ts';

const { SchemaRegistry, SchemaType, COMPATIBILITY } = confluent;

export interface SchemaRegistryClient {
  /** Registers (idempotently) and returns the schema id. Throws ARB_SCHEMA_INCOMPATIBLE when refused as incompatible. */
  register(subject: string, schema: object): Promise<number>;
  /** Whether `schema` could be registered as the subject's next version (true when the subject does not exist). */
  isCompatible(subject: string, schema: object): Promise<boolean>;
  /** The writer schema text for an id, or undefined when the registry does not know the id. */
  schemaById(id: number): Promise<string | undefined>;
}

/** Normalised base URL: no trailing slash. */
function base(url: string): string {
  return url.replace(/\/+$/, '');
}

interface RegistryResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly body: string;
  json(): unknown;
}

/** One request with the registry's auth and trust; the body is read whole (registry answers are small). */
function registryFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string },
  agent: http.Agent | undefined, authorization: string | undefined): Promise<RegistryResponse> {
  const target = new URL(url);
  const headers = { ...init.headers, ...(authorization !== undefined ? { Authorization: authorization } : {}) };
  return new Promise((resolve, reject) => {
    const req = (target.protocol === 'https:' ? https : http).request(target, { method: init.method ?? 'GET', headers, agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, body, json: () => JSON.parse(body) as unknown });
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface RegistryClientOptions {
  /** Bound on the waits between retries of a schema fetch; default SCHEMA_REGISTRY_FETCH_RETRY_MS (read here, once). */
  readonly fetchRetryMs?: number;
  /** Where the retry lines go; default one JSON line on stderr. */
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /** Gets arbiter_registry_fetch_retries_total{code}. */
  readonly metrics?: MetricsRegistry;
}

function stderrLog(event: string, detail: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), component: 'schema-registry', event, ...detail })}\n`);
}

export function createRegistryClient(url: string, auth: RegistryAuth = {}, options: RegistryClientOptions = {}): SchemaRegistryClient {
  const root = base(url);
  const shown = registryUrlForMessages(root);
  const fetchRetryMs = options.fetchRetryMs ?? registryFetchRetryMsFromEnv(process.env);
  const log = options.log ?? stderrLog;
  const retries = options.metrics?.counter('arbiter_registry_fetch_retries_total',
    'Schema fetches retried because the registry failed (unreachable, auth, TLS), by error code.', ['code']);
  const agent = auth.ca !== undefined ? new https.Agent({ ca: auth.ca, keepAlive: true }) : undefined;
  const basic = auth.username !== undefined && auth.password !== undefined
    ? { username: auth.username, password: auth.password.reveal() }
    : undefined;
  const authorization = basic !== undefined ? `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}` : undefined;
  const client = new SchemaRegistry({ host: root, ...(basic !== undefined ? { auth: basic } : {}), ...(agent !== undefined ? { agent } : {}) });
  const json = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };
  const scrub = (text: string) => (auth.password !== undefined ? auth.password.scrub(text) : text);

  /** A request under `root`; a refused connection, TLS, credentials or rights fail here with their code, other answers return. */
  async function request(path: string, what: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RegistryResponse> {
    let res: RegistryResponse;
    try {
      res = await registryFetch(`${root}${path}`, init, agent, authorization);
    } catch (error) {
      throw classifyRegistryFailure(root, auth, what, { error: error as Error })
        ?? new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', scrub(`schema registry ${shown} could not be reached ${what}: ${(error as Error).message}`), { key: 'SCHEMA_REGISTRY_URL' });
    }
    const refused = classifyRegistryFailure(root, auth, what, res);
    if (refused !== undefined) throw refused;
    return res;
  }

  return {
    async register(subject, schema) {
      const what = `registering subject ${subject}`;
      try {
        const { id } = await client.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: COMPATIBILITY.BACKWARD },
        );
        return id;
      } catch (error) {
        const status = (error as { status?: number }).status;
        const message = scrub((error as Error).message);
        if (status === 409 || /incompatib/i.test(message)) {
          throw new ArbiterError('ARB_SCHEMA_INCOMPATIBLE', `subject ${subject} refused the schema: ${message}`, { key: subject });
        }
        if (status !== undefined) {
          const refused = classifyRegistryFailure(root, auth, what, { status, body: message });
          if (refused !== undefined) throw refused;
        }
        // The client library reports a connection or TLS failure as "status 400" with the text only: the same first
        // request it makes, sent here, tells which (and throws that code).
        await request(`/config/${encodeURIComponent(subject)}`, what);
        throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', `schema registry ${shown} failed ${what}: ${message}`, { key: subject });
      }
    },
    async isCompatible(subject, schema) {
      const res = await request(`/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, `checking the compatibility of ${subject}`, {
        method: 'POST', headers: json, body: JSON.stringify({ schema: JSON.stringify(schema) }),
      });
      if (res.status === 404) return true;
      if (!res.ok) {
        throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', `compatibility check of ${subject} at ${shown} answered ${res.status}: ${scrub(res.body)}`, { key: subject });
      }
      return (res.json() as { is_compatible?: boolean }).is_compatible === true;
    },
    schemaById(id) {
      return retryTransient(async () => {
        const res = await request(`/schemas/ids/${id}`, `fetching schema id ${id}`);
        if (res.status === 404) return undefined;
        if (!res.ok) {
          throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', `fetching schema id ${id} from ${shown} answered ${res.status}`, { key: `schema id ${id}` });
        }
        return (res.json() as { schema: string }).schema;
      }, {
        totalMs: fetchRetryMs,
        onRetry: (attempt, error, delayMs) => {
          retries?.inc({ code: error.code });
          log('registry-fetch-retry', { code: error.code, registry: shown, schemaId: id, attempt, delayMs, boundMs: fetchRetryMs, error: error.message });
        },
      });
    },
  };
}

const STACK_ENV = join(import.meta.dirname, '..', '..', '..', '.run', 'stack.env');

/** The registry URL for local tools and tests: the environment, else the local stack's .run/stack.env, else the default. */
export function localRegistryUrl(): string {
  const stackEnv = existsSync(STACK_ENV) ? parseStackEnv(readFileSync(STACK_ENV, 'utf8'), STACK_ENV) : {};
  return loadStackConfig(mergeEnv(stackEnv, process.env)).registry.url;
}
