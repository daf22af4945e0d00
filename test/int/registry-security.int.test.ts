// Schema-registry auth and TLS against a server that enforces them: deploy/local/registry-secure.sh puts Debian's nginx
// in front of the dev Apicurio, demanding HTTP basic auth and speaking only TLS (certificate from a throw-away CA).
// With the right settings the agent SDK registers its schemas and gets verdicts from the verdict processor
// (processors/bin/verdict.ts, settings from its environment), both through the front. A wrong password, a missing CA,
// plain http:// to the TLS port, no credentials and a read-only user each fail with their own code and a message naming
// the registry URL, never a password; no password shows in the processor's, nginx's or the registry's logs.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { main as approvalsCli } from '../../processors/cli/approvals.ts';
import type { Problem } from '../../processors/core/errors.ts';
import { registryAuthFromEnv, type RegistryAuth } from '../../processors/core/kafka-security-config.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import { createRegistryClient, localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { defineTopics, ensureArbiterTopics } from '../../processors/runtime/topics.ts';
import { createTransport } from '../../processors/runtime/transport/index.ts';
import { ArbiterClient } from '../../processors/sdk/index.ts';
import { activationOf } from '../../processors/verdict/policy-engine.ts';
import { POLICY } from '../unit/verdict/fixtures.ts';
import { freePort } from '../setup/ports.ts';
import { errorOf } from './helpers/arbiter-error.ts';
import { expectProcessorAllowsAndDenies } from './helpers/policy-round-trip.ts';
import { startDeployableChild, type ChildProcessor } from './helpers/processes.ts';

const SCRIPT = join(import.meta.dirname, '..', '..', 'deploy', 'local', 'registry-secure.sh');
const REGISTRY_LOG = join(import.meta.dirname, '..', '..', '.run', 'logs', 'registry.log');
const CCOMPAT = '/apis/ccompat/v7';

const run = randomUUID().slice(0, 8);
const prefix = `regsec-${run}`;
const topics = defineTopics({ prefix, partitions: 1, replicationFactor: 1 });
const runDir = mkdtempSync(join(tmpdir(), 'arbiter-registry-secure-'));
const password = (who: string) => `${who}-pw-${randomBytes(9).toString('hex')}`;
const users = { agent: password('agent'), verdict: password('verdict'), approvals: password('approvals'), reader: password('reader') };
const wrong = password('wrong');
const allSecrets = [...Object.values(users), wrong];
const PROBE_SCHEMA = { type: 'record', name: 'Probe', namespace: 'arbiter.test', fields: [{ name: 'a', type: 'string' }] };
let port = 0;
let scriptEnv: NodeJS.ProcessEnv = {};

const secureUrl = () => `https://localhost:${port}${CCOMPAT}`;
const caFile = () => join(runDir, 'registry-secure', 'tls', 'ca.pem');
const passwordFile = join(runDir, 'verdict.password');

function exec(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: scriptEnv, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${file} ${args.join(' ')} failed: ${stderr}`)) : resolve(stdout + stderr));
  });
}

/** The registry settings exactly as a deployable or the SDK reads them (docs/security.md). */
function registryEnv(user: string | undefined, pw: string | undefined, withCa = true): Record<string, string> {
  return {
    ...(user !== undefined ? { SCHEMA_REGISTRY_USERNAME: user } : {}),
    ...(pw !== undefined ? { SCHEMA_REGISTRY_PASSWORD: pw } : {}),
    ...(withCa ? { SCHEMA_REGISTRY_CA_FILE: caFile() } : {}),
  };
}
function registryAuth(url: string, env: Record<string, string>): RegistryAuth {
  const problems: Problem[] = [];
  const auth = registryAuthFromEnv(env, url, problems);
  expect(problems).toEqual([]);
  return auth;
}

/** Every line a child wrote, kept whole (the helper's tail keeps only the last ones). */
function captureOutput(child: ChildProcessor): () => string {
  const chunks: string[] = [];
  child.child.stdout?.on('data', (c: string | Buffer) => chunks.push(String(c)));
  child.child.stderr?.on('data', (c: string | Buffer) => chunks.push(String(c)));
  return () => chunks.join('');
}

function expectNoSecret(text: string, where: string): void {
  for (const secret of allSecrets) expect(text.includes(secret), `${where} holds a password`).toBe(false);
}

const sdk = (registryUrl: string, security: Record<string, string>) => ArbiterClient.connect({
  brokers: localBrokers().join(','), registryUrl, kafkaClient: 'platformatic', topicPrefix: prefix, defaultDeadlineMs: 15_000, security,
});

/** `arbiter approvals <argv>` with the registry settings in its environment, as a reviewer runs it. */
async function approvals(argv: string[], registry: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const env = { ...process.env, KAFKA_BROKERS: localBrokers().join(','), SCHEMA_REGISTRY_URL: secureUrl(), ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '1', ...registry };
  const code = await approvalsCli(argv, (l) => out.push(l), env, (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const verdictEnv = (registry: Record<string, string>): Record<string, string> => ({
  KAFKA_BROKERS: localBrokers().join(','), SCHEMA_REGISTRY_URL: secureUrl(), ARBITER_KAFKA_CLIENT: 'platformatic',
  ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '1', ARBITER_INSTANCE_ID: `regsec-${run}`, ARBITER_SESSION_TIMEOUT_MS: '6000',
  ARBITER_HEALTH_PORT: '', SCHEMA_REGISTRY_PASSWORD: '', SCHEMA_REGISTRY_PASSWORD_FILE: '', SCHEMA_REGISTRY_USERNAME: '',
  SCHEMA_REGISTRY_CA_FILE: '', ...registry,
});

beforeAll(async () => {
  port = await freePort();
  scriptEnv = {
    ...process.env, ARBITER_RUN_DIR: runDir, REGISTRY_SECURE_PORT: String(port),
    REGISTRY_UPSTREAM: new URL(localRegistryUrl()).origin,
    REGISTRY_SECURE_USERS: `arbiter-agent:${users.agent},arbiter-verdict:${users.verdict},arbiter-approvals:${users.approvals},arbiter-reader:${users.reader}`,
    REGISTRY_SECURE_READONLY_USERS: 'arbiter-reader',
  };
  await exec('bash', [SCRIPT, 'start']);
  writeFileSync(passwordFile, `${users.verdict}\n`, { mode: 0o600 });
  // The run's topics, on the dev broker (this test is about the registry, not Kafka security).
  const transport = await createTransport('platformatic', { brokers: localBrokers(), clientId: prefix });
  const admin = await transport.admin();
  try {
    await ensureArbiterTopics(admin, topics);
  } finally {
    await admin.close();
  }
}, 180_000);

afterAll(async () => {
  if (port !== 0) await exec('bash', [SCRIPT, 'stop']);
  rmSync(runDir, { recursive: true, force: true });
}, 60_000);

describe('schema registry behind TLS and basic auth (nginx in front of Apicurio)', () => {
  it('the registry client registers, checks compatibility and fetches by id through the front, as the given user', async () => {
    const client = createRegistryClient(secureUrl(), registryAuth(secureUrl(), registryEnv('arbiter-agent', users.agent)));
    const subject = `${prefix}.probe-value`;
    const schema = PROBE_SCHEMA;
    const id = await client.register(subject, schema);
    expect(JSON.parse((await client.schemaById(id)) ?? 'null')).toMatchObject({ name: 'Probe' });
    expect(await client.isCompatible(subject, { ...schema, fields: [...schema.fields, { name: 'b', type: 'int', default: 0 }] })).toBe(true);
    expect(await client.isCompatible(subject, { ...schema, fields: [{ name: 'a', type: 'int' }] })).toBe(false);
    // nginx saw these requests authenticated as arbiter-agent.
    const access = readFileSync(join(runDir, 'registry-secure', 'access.log'), 'utf8');
    expect(access).toMatch(new RegExp(`- arbiter-agent \\[[^\\]]+\\] "POST ${CCOMPAT}/subjects/${subject}/versions HTTP/1.1" 200`));
    expect(access).toMatch(new RegExp(`- arbiter-agent \\[[^\\]]+\\] "GET ${CCOMPAT}/schemas/ids/${id} HTTP/1.1" 200`));
  });

  it('end to end: the SDK registers and proposes, the verdict processor decodes and answers, both through the front', async () => {
    const keys = generateSigningKeys();
    // The bundle is published first (schemas registered through the front as arbiter-verdict), then the processor starts.
    const serde = new TopicSerde(createRegistryClient(secureUrl(), registryAuth(secureUrl(), registryEnv('arbiter-verdict', users.verdict))), topics);
    await serde.registerAll();
    const publisher = await (await createTransport('platformatic', { brokers: localBrokers(), clientId: `${prefix}-publisher` })).producer({ idempotent: true });
    try {
      const signed = signBundle('regsec', [{ path: 'regsec.yaml', text: POLICY }], keys.privateKeyPem, 'k1');
      await publisher.send([{ topic: topics.policyBundles.topic, key: signed.name, value: serde.encode(topics.policyBundles, activationOf(signed, 'regsec-it', Date.now())) }]);
    } finally {
      await publisher.close();
    }
    const child = startDeployableChild('verdict', verdictEnv({
      SCHEMA_REGISTRY_USERNAME: 'arbiter-verdict', SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile, SCHEMA_REGISTRY_CA_FILE: caFile(),
      ARBITER_BUNDLE_NAME: 'regsec', ARBITER_BUNDLE_WAIT_MS: '60000', ARBITER_TRUSTED_KEYS: JSON.stringify({ k1: keys.publicKeyPem }),
    }), 'verdict behind the secured registry');
    const output = captureOutput(child);
    let client: ArbiterClient | undefined;
    try {
      await child.ready;
      client = await sdk(secureUrl(), registryEnv('arbiter-agent', users.agent));
      await expectProcessorAllowsAndDenies(client, `s-${run}`, 'regsec-agent');
      // An escalation: the processor writes the approval request, the reviewer's CLI decodes and lists it.
      const escalated = await client.session({ sessionId: `s2-${run}`, agentId: 'regsec-agent', userId: 'alice', tenantId: 'acme', agentRole: 'assistant', environment: 'prod' })
        .propose({ tool: 'wire_transfer', args: { amount: 5000 } });
      expect(escalated).toMatchObject({ effect: 'escalate', proceed: false, source: 'processor', approval: { status: 'pending' } });
      const listed = await approvals(['list', '--json'], registryEnv('arbiter-approvals', users.approvals));
      expect(listed, listed.err).toMatchObject({ code: 0 });
      expect(listed.out).toContain(escalated.approval?.approvalId);
      expect(listed.out).toContain('"tool":"wire_transfer"');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${child.tail()}`);
    } finally {
      await client?.close();
      await child.stop();
    }
    expectNoSecret(output(), 'the verdict processor\'s output');
    // Both sides registered through the front under their own users (arbiter-verdict twice: the test, then the processor).
    const access = readFileSync(join(runDir, 'registry-secure', 'access.log'), 'utf8');
    const registrations = (user: string) => access.split('\n')
      .filter((l) => l.includes(` - ${user} [`) && l.includes(`"POST ${CCOMPAT}/subjects/${prefix}.proposals-value/versions HTTP/1.1" 200`)).length;
    expect(registrations('arbiter-verdict')).toBe(2);
    expect(registrations('arbiter-agent')).toBe(1);
  }, 180_000);

  it('a wrong password: the SDK fails to connect with ARB_SERDE_REGISTRY_AUTH_FAILED naming the URL and user, never the password', async () => {
    const error = await errorOf(() => sdk(secureUrl(), registryEnv('arbiter-agent', wrong)));
    expect(error.code).toBe('ARB_SERDE_REGISTRY_AUTH_FAILED');
    expect(error.message).toContain(secureUrl());
    expect(error.message).toContain('"arbiter-agent"');
    expect(error.message).toContain('HTTP 401');
    expectNoSecret(`${error.message} ${JSON.stringify(error)} ${String(error.stack)}`, 'the error');
  });

  it('a wrong password: the verdict processor stops at startup with ARB_SERDE_REGISTRY_AUTH_FAILED and logs no password', async () => {
    const child = startDeployableChild('verdict', verdictEnv({
      SCHEMA_REGISTRY_USERNAME: 'arbiter-verdict', SCHEMA_REGISTRY_PASSWORD: wrong, SCHEMA_REGISTRY_CA_FILE: caFile(),
      ARBITER_BUNDLE_NAME: 'regsec', ARBITER_BUNDLE_WAIT_MS: '1000',
    }), 'verdict with a wrong registry password');
    const output = captureOutput(child);
    try {
      expect(await child.exited).not.toBe('0');
    } finally {
      await child.stop();
    }
    expect(output()).toContain('ARB_SERDE_REGISTRY_AUTH_FAILED');
    expect(output()).toContain(secureUrl());
    expectNoSecret(output(), 'the verdict processor\'s output');
  }, 120_000);

  it('a wrong password: `arbiter approvals list` exits 1 printing ARB_SERDE_REGISTRY_AUTH_FAILED and the URL, not the password', async () => {
    const listed = await approvals(['list'], registryEnv('arbiter-approvals', wrong));
    expect(listed.code).toBe(1);
    expect(listed.err).toMatch(/^ARB_SERDE_REGISTRY_AUTH_FAILED: .*"arbiter-approvals"/);
    expect(listed.err).toContain(secureUrl());
    expectNoSecret(listed.out + listed.err, 'the CLI output');
  });

  it('no credentials: ARB_SERDE_REGISTRY_AUTH_FAILED saying the registry requires them', async () => {
    const client = createRegistryClient(secureUrl(), registryAuth(secureUrl(), registryEnv(undefined, undefined)));
    const error = await errorOf(() => client.register(`${prefix}.anonymous-value`, PROBE_SCHEMA));
    expect(error.code).toBe('ARB_SERDE_REGISTRY_AUTH_FAILED');
    expect(error.message).toMatch(/requires authentication \(HTTP 401\).*SCHEMA_REGISTRY_USERNAME/);
    expect(error.message).toContain(secureUrl());
  });

  it('a user without write access: ARB_SERDE_REGISTRY_NOT_AUTHORIZED on register, while its reads work', async () => {
    const client = createRegistryClient(secureUrl(), registryAuth(secureUrl(), registryEnv('arbiter-reader', users.reader)));
    const error = await errorOf(() => client.register(`${prefix}.reader-value`, PROBE_SCHEMA));
    expect(error.code, error.message).toBe('ARB_SERDE_REGISTRY_NOT_AUTHORIZED');
    expect(error.message).toContain('"arbiter-reader"');
    expect(error.message).toContain(secureUrl());
    expect(await client.schemaById(2_000_000_000)).toBeUndefined();
  });

  it('no CA (the system trust store does not know the test CA): ARB_SERDE_REGISTRY_TLS_FAILED naming the URL and the CA setting', async () => {
    const error = await errorOf(() => sdk(secureUrl(), registryEnv('arbiter-agent', users.agent, false)));
    expect(error.code).toBe('ARB_SERDE_REGISTRY_TLS_FAILED');
    expect(error.message).toContain(secureUrl());
    expect(error.message).toContain('SCHEMA_REGISTRY_CA_FILE');
    expect(error.message).toMatch(/certificate/);
    expectNoSecret(error.message, 'the error');
    // The same on the plain REST path (schema by id), not only through the registration library.
    const client = createRegistryClient(secureUrl(), registryAuth(secureUrl(), registryEnv('arbiter-agent', users.agent, false)));
    expect((await errorOf(() => client.schemaById(1))).code).toBe('ARB_SERDE_REGISTRY_TLS_FAILED');
  });

  it('a certificate that does not name the URL\'s host (127.0.0.1 for a localhost certificate): ARB_SERDE_REGISTRY_TLS_FAILED', async () => {
    const byIp = `https://127.0.0.1:${port}${CCOMPAT}`;
    const client = createRegistryClient(byIp, registryAuth(byIp, registryEnv('arbiter-agent', users.agent)));
    const error = await errorOf(() => client.register(`${prefix}.by-ip-value`, PROBE_SCHEMA));
    expect(error.code).toBe('ARB_SERDE_REGISTRY_TLS_FAILED');
    expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(error.message).toContain(byIp);
    expectNoSecret(error.message, 'the error');
  });

  it('plain http:// to the TLS port: ARB_SERDE_REGISTRY_TLS_FAILED saying to use https://; credentials over http:// are refused at startup', async () => {
    const plainUrl = `http://localhost:${port}${CCOMPAT}`;
    const error = await errorOf(() => sdk(plainUrl, {}));
    expect(error.code).toBe('ARB_SERDE_REGISTRY_TLS_FAILED');
    expect(error.message).toContain(plainUrl);
    expect(error.message).toMatch(/speaks TLS.*use https:\/\//);
    const problems: Problem[] = [];
    registryAuthFromEnv(registryEnv('arbiter-agent', users.agent, false), plainUrl, problems);
    expect(problems.map((p) => p.location?.key)).toEqual(['SCHEMA_REGISTRY_USERNAME']);
    expectNoSecret(JSON.stringify(problems), 'the config problems');
  });

  it('no password in nginx\'s logs or the registry\'s (the front drops the Authorization header before the registry)', () => {
    expectNoSecret(readFileSync(join(runDir, 'logs', 'registry-secure.log'), 'utf8'), 'nginx\'s error log');
    expectNoSecret(readFileSync(join(runDir, 'registry-secure', 'access.log'), 'utf8'), 'nginx\'s access log');
    if (existsSync(REGISTRY_LOG)) expectNoSecret(readFileSync(REGISTRY_LOG, 'utf8'), 'the registry\'s log');
  });
});
