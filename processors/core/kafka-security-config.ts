// Kafka and schema-registry connection security read from the environment, validated once at startup (docs/security.md).
// Every bad combination is a problem naming its key; files (CA, client certificate and key, password file) are read
// here, so a missing or unreadable file fails the start, not the first connection. A password never enters a message.
import { readFileSync } from 'node:fs';
import { ArbiterError, type Problem } from './errors.ts';
import { Secret } from './secret.ts';
import {
  KAFKA_SASL_MECHANISMS, KAFKA_SECURITY_PROTOCOLS,
  type KafkaSaslMechanism, type KafkaSecurity, type KafkaSecurityProtocol, type KafkaTls,
} from '../runtime/transport/transport.ts';

type Env = Readonly<Record<string, string | undefined>>;
export type ReadText = (path: string) => string;

/** The settings, with their docs; README and docs/security.md list them. */
export const KAFKA_SECURITY_SETTINGS = {
  KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL (default PLAINTEXT)',
  KAFKA_SASL_MECHANISM: 'PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 (required with SASL_*)',
  KAFKA_SASL_USERNAME: 'SASL user (required with SASL_*)',
  KAFKA_SASL_PASSWORD: 'SASL password (or KAFKA_SASL_PASSWORD_FILE; exactly one with SASL_*)',
  KAFKA_SASL_PASSWORD_FILE: 'file holding the SASL password (a trailing newline is dropped)',
  KAFKA_SSL_CA_FILE: 'PEM file of the CA certificates that sign the brokers\' certificates (default: the system trust store)',
  KAFKA_SSL_CERT_FILE: 'PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE)',
  KAFKA_SSL_KEY_FILE: 'PEM client private key for mutual TLS (with KAFKA_SSL_CERT_FILE)',
  KAFKA_SSL_REJECT_UNAUTHORIZED: 'true | false (default true; false accepts any broker certificate: development only)',
  SCHEMA_REGISTRY_USERNAME: 'schema registry basic-auth user (with a password)',
  SCHEMA_REGISTRY_PASSWORD: 'schema registry basic-auth password (or SCHEMA_REGISTRY_PASSWORD_FILE)',
  SCHEMA_REGISTRY_PASSWORD_FILE: 'file holding the schema registry password',
  SCHEMA_REGISTRY_CA_FILE: 'PEM CA file for an https:// schema registry',
} as const;

/** Basic auth and trust for the schema registry; absent fields: none. */
export interface RegistryAuth {
  readonly username?: string;
  readonly password?: Secret;
  /** PEM CA certificates for an https:// registry. */
  readonly ca?: string;
}

const SSL_KEYS = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_REJECT_UNAUTHORIZED'] as const;
const SASL_KEYS = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'] as const;

class Reader {
  readonly problems: Problem[];
  readonly #env: Env;
  readonly #read: ReadText;
  constructor(env: Env, problems: Problem[], read: ReadText) {
    this.#env = env;
    this.problems = problems;
    this.#read = read;
  }

  value(key: string): string | undefined {
    const v = this.#env[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  add(key: string, message: string): void {
    this.problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: `${key}: ${message}`, location: { key } });
  }

  /** The file named by `key`, or undefined (after a problem) when it cannot be read. The path is not secret. */
  file(key: string, check?: (text: string) => string | undefined): string | undefined {
    const path = this.value(key);
    if (path === undefined) return undefined;
    let text: string;
    try {
      text = this.#read(path);
    } catch (error) {
      this.add(key, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
    const wrong = check?.(text);
    if (wrong !== undefined) {
      this.add(key, `${path} ${wrong}`);
      return undefined;
    }
    return text;
  }

  /** A password from `key` or `key_FILE` (exactly one); the messages name keys and paths, never the value. */
  password(key: string, required: boolean): Secret | undefined {
    const fileKey = `${key}_FILE`;
    const direct = this.#env[key];
    const hasDirect = typeof direct === 'string' && direct !== '';
    if (hasDirect && this.value(fileKey) !== undefined) {
      this.add(key, `set either ${key} or ${fileKey}, not both`);
      return undefined;
    }
    if (hasDirect) return new Secret(direct as string);
    const fromFile = this.file(fileKey, (t) => (t.replace(/\r?\n$/, '') === '' ? 'is empty' : undefined));
    if (fromFile !== undefined) return new Secret(fromFile.replace(/\r?\n$/, ''));
    if (required && this.value(fileKey) === undefined) this.add(key, `required (or ${fileKey})`);
    return undefined;
  }
}

const pem = (label: string) => (text: string): string | undefined =>
  text.includes(`-----BEGIN ${label}`) || (label === 'PRIVATE KEY' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
    ? undefined
    : `holds no PEM "${label}" block`;

function tlsSettings(r: Reader): KafkaTls {
  const ca = r.file('KAFKA_SSL_CA_FILE', pem('CERTIFICATE'));
  const cert = r.file('KAFKA_SSL_CERT_FILE', pem('CERTIFICATE'));
  const keyText = r.file('KAFKA_SSL_KEY_FILE', pem('PRIVATE KEY'));
  if ((r.value('KAFKA_SSL_CERT_FILE') === undefined) !== (r.value('KAFKA_SSL_KEY_FILE') === undefined)) {
    r.add(r.value('KAFKA_SSL_CERT_FILE') === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE',
      'mutual TLS needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE');
  }
  const reject = r.value('KAFKA_SSL_REJECT_UNAUTHORIZED') ?? 'true';
  if (reject !== 'true' && reject !== 'false') r.add('KAFKA_SSL_REJECT_UNAUTHORIZED', `"${reject}" must be true or false`);
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(keyText !== undefined ? { key: new Secret(keyText) } : {}),
    rejectUnauthorized: reject !== 'false',
  };
}

/** KAFKA_SECURITY_PROTOCOL and what goes with it; problems are appended to `problems`. */
export function kafkaSecurityFromEnv(env: Env, problems: Problem[], read: ReadText = (p) => readFileSync(p, 'utf8')): KafkaSecurity {
  const r = new Reader(env, problems, read);
  const raw = r.value('KAFKA_SECURITY_PROTOCOL') ?? 'PLAINTEXT';
  if (!(KAFKA_SECURITY_PROTOCOLS as readonly string[]).includes(raw)) {
    r.add('KAFKA_SECURITY_PROTOCOL', `"${raw}" is not one of ${KAFKA_SECURITY_PROTOCOLS.join(', ')}`);
    return { protocol: 'PLAINTEXT' };
  }
  const protocol = raw as KafkaSecurityProtocol;
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  // A setting the protocol would ignore is a mistake (e.g. a CA file with PLAINTEXT: the operator believes in TLS).
  for (const key of usesTls ? [] : SSL_KEYS) if (r.value(key) !== undefined) r.add(key, `is set but KAFKA_SECURITY_PROTOCOL=${protocol} uses no TLS`);
  for (const key of usesSasl ? [] : SASL_KEYS) if (r.value(key) !== undefined) r.add(key, `is set but KAFKA_SECURITY_PROTOCOL=${protocol} uses no SASL`);
  const tls = usesTls ? tlsSettings(r) : undefined;
  if (!usesSasl) return { protocol, ...(tls !== undefined ? { tls } : {}) };

  const mechanism = r.value('KAFKA_SASL_MECHANISM');
  if (mechanism === undefined) r.add('KAFKA_SASL_MECHANISM', `required with ${protocol} (one of ${KAFKA_SASL_MECHANISMS.join(', ')})`);
  else if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    r.add('KAFKA_SASL_MECHANISM', `"${mechanism}" is not one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
  } else if (mechanism === 'PLAIN' && protocol === 'SASL_PLAINTEXT') {
    r.add('KAFKA_SASL_MECHANISM', 'PLAIN over SASL_PLAINTEXT sends the password in clear text: use SASL_SSL, or a SCRAM mechanism');
  }
  const username = r.value('KAFKA_SASL_USERNAME');
  if (username === undefined) r.add('KAFKA_SASL_USERNAME', `required with ${protocol}`);
  const password = r.password('KAFKA_SASL_PASSWORD', true);
  const sasl = mechanism !== undefined && username !== undefined && password !== undefined
    ? { mechanism: mechanism as KafkaSaslMechanism, username, password }
    : undefined;
  return { protocol, ...(tls !== undefined ? { tls } : {}), ...(sasl !== undefined ? { sasl } : {}) };
}

/** Both, for a process that reads its endpoints itself; throws ARB_CONFIG_INVALID naming every bad key. */
export function connectionSecurityFromEnv(env: Env, registryUrl: string): { kafkaSecurity: KafkaSecurity; registryAuth: RegistryAuth } {
  const problems: Problem[] = [];
  const kafkaSecurity = kafkaSecurityFromEnv(env, problems);
  const registryAuth = registryAuthFromEnv(env, registryUrl, problems);
  if (problems.length > 0) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `${problems.length} invalid setting(s): ${problems.map((p) => p.message).join('; ')}`, {
      key: problems.map((p) => p.location?.key).join(','),
    });
  }
  return { kafkaSecurity, registryAuth };
}

/** SCHEMA_REGISTRY_USERNAME/PASSWORD(_FILE) and SCHEMA_REGISTRY_CA_FILE, checked against the registry URL. */
export function registryAuthFromEnv(env: Env, registryUrl: string, problems: Problem[], read: ReadText = (p) => readFileSync(p, 'utf8')): RegistryAuth {
  const r = new Reader(env, problems, read);
  const https = registryUrl.startsWith('https://');
  const username = r.value('SCHEMA_REGISTRY_USERNAME');
  const password = r.password('SCHEMA_REGISTRY_PASSWORD', username !== undefined);
  if (password !== undefined && username === undefined) r.add('SCHEMA_REGISTRY_USERNAME', 'required when a registry password is set');
  if (username !== undefined && !https) {
    r.add('SCHEMA_REGISTRY_USERNAME', 'basic auth over http:// sends the password in clear text: use an https:// SCHEMA_REGISTRY_URL');
  }
  if (r.value('SCHEMA_REGISTRY_CA_FILE') !== undefined && !https) r.add('SCHEMA_REGISTRY_CA_FILE', 'is set but SCHEMA_REGISTRY_URL is not https://');
  const ca = https ? r.file('SCHEMA_REGISTRY_CA_FILE', pem('CERTIFICATE')) : undefined;
  return {
    ...(username !== undefined && password !== undefined ? { username, password } : {}),
    ...(ca !== undefined ? { ca } : {}),
  };
}
