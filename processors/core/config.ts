// Endpoint configuration for Kafka, the schema registry and ClickHouse, read from the environment and validated once
// at startup. Every problem is collected (not just the first) and reported in one ARB_CONFIG_INVALID error naming
// each bad key. Pure: the caller passes the environment in (process.env, or that merged with .run/stack.env).
import { ArbiterError, type Problem } from './errors.ts';
import { parseBrokers } from '../runtime/transport/brokers.ts';
import type { KafkaSecurity } from '../runtime/transport/transport.ts';
import { kafkaSecurityFromEnv, registryAuthFromEnv, type RegistryAuth } from './kafka-security-config.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** Where ClickHouse lives: chDB in this process (a data directory), or a server over HTTP. */
export type ClickHouseConfig =
  | { readonly kind: 'chdb'; readonly path: string }
  | { readonly kind: 'http'; readonly url: string; readonly username: string; readonly password: string; readonly database: string };

export interface StackConfig {
  /** security: TLS and SASL towards the brokers (KAFKA_SECURITY_PROTOCOL and friends, docs/security.md). */
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string; readonly security: KafkaSecurity };
  /** Base URL of the Confluent Schema Registry API (Apicurio serves it under /apis/ccompat/v7), and its auth. */
  readonly registry: { readonly url: string; readonly auth: RegistryAuth };
  readonly clickhouse: ClickHouseConfig;
}

/** Each setting with its doc string and default. The defaults are the local stack's (deploy/local/stack.sh). */
export const STACK_SETTINGS = {
  KAFKA_BROKERS: { doc: 'comma-separated host:port list of Kafka bootstrap brokers', default: 'localhost:9092' },
  KAFKA_CLIENT_ID: { doc: 'client id this process reports to the brokers', default: 'arbiter' },
  SCHEMA_REGISTRY_URL: { doc: 'Confluent-API schema registry base URL', default: 'http://localhost:8081/apis/ccompat/v7' },
  CLICKHOUSE_URL: { doc: 'ClickHouse HTTP endpoint; when unset, chDB runs in-process on CHDB_PATH', default: '' },
  CLICKHOUSE_USER: { doc: 'ClickHouse user (HTTP only)', default: 'default' },
  CLICKHOUSE_PASSWORD: { doc: 'ClickHouse password (HTTP only)', default: '' },
  CLICKHOUSE_DATABASE: { doc: 'ClickHouse database (HTTP only)', default: 'default' },
  CHDB_PATH: { doc: 'chDB data directory (used when CLICKHOUSE_URL is unset); ":memory:" keeps nothing', default: '.run/chdb' },
} as const;

export type StackSetting = keyof typeof STACK_SETTINGS;

function setting(env: Env, key: StackSetting): string {
  const v = env[key]?.trim();
  return v === undefined || v === '' ? STACK_SETTINGS[key].default : v;
}

function httpUrl(env: Env, key: StackSetting, problems: Problem[]): string {
  const raw = setting(env, key);
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: `${key}="${raw}" is not an http(s) URL`, location: { key } });
  }
  return raw.replace(/\/+$/, '');
}

/** Reads and validates the endpoints; throws one ArbiterError (ARB_CONFIG_INVALID) listing every bad setting. */
export function loadStackConfig(env: Env): StackConfig {
  const problems: Problem[] = [];
  let brokers: string[] = [];
  try {
    brokers = parseBrokers(setting(env, 'KAFKA_BROKERS'));
  } catch (e) {
    problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: (e as Error).message, location: { key: 'KAFKA_BROKERS' } });
  }
  const clientId = setting(env, 'KAFKA_CLIENT_ID');
  if (!/^[A-Za-z0-9._-]+$/.test(clientId)) {
    problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: `KAFKA_CLIENT_ID="${clientId}" may hold only letters, digits, '.', '_' and '-'`, location: { key: 'KAFKA_CLIENT_ID' } });
  }
  const registryUrl = httpUrl(env, 'SCHEMA_REGISTRY_URL', problems);
  const clickhouse: ClickHouseConfig = setting(env, 'CLICKHOUSE_URL') !== ''
    ? {
        kind: 'http',
        url: httpUrl(env, 'CLICKHOUSE_URL', problems),
        username: setting(env, 'CLICKHOUSE_USER'),
        password: setting(env, 'CLICKHOUSE_PASSWORD'),
        database: setting(env, 'CLICKHOUSE_DATABASE'),
      }
    : { kind: 'chdb', path: setting(env, 'CHDB_PATH') };
  const security = kafkaSecurityFromEnv(env, problems);
  const registryAuth = registryAuthFromEnv(env, registryUrl, problems);
  if (problems.length > 0) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `${problems.length} invalid setting(s): ${problems.map((p) => p.message).join('; ')}`, {
      key: problems.map((p) => p.location?.key).join(','),
    });
  }
  return { kafka: { brokers, clientId, security }, registry: { url: registryUrl, auth: registryAuth }, clickhouse };
}

/**
 * Parses the KEY=VALUE lines of .run/stack.env (written by deploy/local/stack.sh). Blank lines and # comments are
 * ignored; a malformed line is an ARB_CONFIG_INVALID error naming its line number.
 */
export function parseStackEnv(text: string, file = '.run/stack.env'): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(t);
    if (m === null) throw new ArbiterError('ARB_CONFIG_INVALID', `"${t}" is not KEY=VALUE`, { file, line: i + 1 });
    out[m[1] as string] = m[2] as string;
  });
  return out;
}

/** The process environment wins over the stack file: an explicit setting is never overridden by the local stack. */
export function mergeEnv(stackEnv: Env, processEnv: Env): Env {
  const merged: Record<string, string | undefined> = { ...stackEnv };
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined && v !== '') merged[k] = v;
  return merged;
}
