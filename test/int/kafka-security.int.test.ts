// Kafka connection security on a real broker: its own Apache Kafka 4.1.1 (deploy/local/kafka-secure.sh) with a
// SASL_SSL listener, SCRAM-SHA-512 users and the StandardAuthorizer, given the ACLs of docs/security.md
// (processors/core/kafka-acl-matrix.ts) for the agent, verdict, approvals and aggregator principals. Per Kafka client (all three): a round
// trip agent -> proposals -> verdict -> verdicts -> agent works; a wrong password, an untrusted CA and an ACL denial
// each fail fast with their ARB code and never show a password.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, AclOperations, AclPermissionTypes, ResourcePatternTypes, ResourceTypes } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaSecurityFromEnv } from '../../processors/core/kafka-security-config.ts';
import { aclMatrix, type AclRole } from '../../processors/core/kafka-acl-matrix.ts';
import type { Problem } from '../../processors/core/errors.ts';
import { defineTopics } from '../../processors/runtime/topics.ts';
import { createTransport, KAFKA_CLIENTS, type KafkaClientName } from '../../processors/runtime/transport/index.ts';
import type { InRecord, KafkaSecurity, KafkaTransport, TransportConsumer } from '../../processors/runtime/transport/index.ts';
import { platformaticSecurity } from '../../processors/runtime/transport/security-options.ts';
import { createRegistryClient, localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import { activationOf } from '../../processors/verdict/policy-engine.ts';
import { ArbiterClient } from '../../processors/sdk/index.ts';
import { POLICY } from '../unit/verdict/fixtures.ts';
import { freePort, freePortPair } from '../setup/ports.ts';
import { errorOf } from './helpers/arbiter-error.ts';
import { expectProcessorAllowsAndDenies } from './helpers/policy-round-trip.ts';
import { startDeployableChild } from './helpers/processes.ts';

const SCRIPT = join(import.meta.dirname, '..', '..', 'deploy', 'local', 'kafka-secure.sh');
const CLIENTS: readonly KafkaClientName[] = KAFKA_CLIENTS;
const ROLES: readonly AclRole[] = ['agent', 'verdict', 'approvals', 'aggregator', 'policy-publisher'];

const runDir = mkdtempSync(join(tmpdir(), 'arbiter-kafka-secure-'));
const run = randomUUID().slice(0, 8);
const prefix = `sec${run}`;
const topics = defineTopics({ prefix, partitions: 1, replicationFactor: 1 });
const passwords = Object.fromEntries(ROLES.map((r) => [r, `pw${randomBytes(9).toString('hex')}`])) as Record<AclRole, string>;
let port = 0;
let sslPort = 0;
let scriptEnv: NodeJS.ProcessEnv = {};

function exec(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: scriptEnv, timeout: 240_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${file} ${args.join(' ')} failed: ${stderr}`)) : resolve(stdout + stderr));
  });
}
const script = (command: 'start' | 'stop') => exec('bash', [SCRIPT, command]);

const tlsDir = () => join(runDir, 'kafka-secure', 'tls');
const brokers = () => [`localhost:${port}`];

/** The security settings exactly as a deployable reads them from its environment. */
function security(env: Record<string, string>): KafkaSecurity {
  const problems: Problem[] = [];
  const parsed = kafkaSecurityFromEnv({
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SSL_CA_FILE: join(tlsDir(), 'ca.pem'), ...env,
  }, problems);
  expect(problems).toEqual([]);
  return parsed;
}
const asUser = (user: string, password: string, extra: Record<string, string> = {}) =>
  security({ KAFKA_SASL_USERNAME: user, KAFKA_SASL_PASSWORD: password, ...extra });
const asRole = (role: AclRole) => asUser(`arbiter-${role}`, passwords[role]);
/** SSL (mutual TLS on the broker's SSL listener) with these client certificate files, if any. */
function ssl(files: Record<string, string>): KafkaSecurity {
  const problems: Problem[] = [];
  const parsed = kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: join(tlsDir(), 'ca.pem'), ...files }, problems);
  expect(problems).toEqual([]);
  return parsed;
}
const adminSecurity = () => asUser('admin', readFileSync(join(tlsDir(), 'admin.password'), 'utf8'));

/** The matrix's grants of `roles`, as the broker's ACL bindings for principal User:arbiter-<role>. */
async function applyAcls(roles: readonly AclRole[]): Promise<void> {
  const admin = new Admin({ clientId: `acl-${run}`, bootstrapBrokers: brokers(), ...platformaticSecurity(adminSecurity()) });
  const resourceType = { topic: ResourceTypes.TOPIC, group: ResourceTypes.GROUP, 'transactional-id': ResourceTypes.TRANSACTIONAL_ID } as const;
  try {
    await admin.createAcls({
      creations: aclMatrix(prefix).filter((r) => roles.includes(r.role)).flatMap((r) => r.grants.flatMap((g) => g.operations.map((op) => ({
        resourceType: resourceType[g.resource], resourceName: g.name,
        resourcePatternType: g.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
        principal: `User:arbiter-${r.role}`, host: '*', operation: AclOperations[op], permissionType: AclPermissionTypes.ALLOW,
      })))),
    });
  } finally {
    await admin.close();
  }
}

/** Consumes until a record with `key` arrives (or 60 s pass), then closes the consumer. */
async function consumeKey(consumer: TransportConsumer, key: string): Promise<InRecord | undefined> {
  let found: InRecord | undefined;
  let done!: () => void;
  const reached = new Promise<void>((resolve) => (done = resolve));
  const running = consumer.run(async (batch) => {
    found ??= batch.records.find((r) => r.key?.toString() === key);
    if (found !== undefined) done();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([reached, running, new Promise<void>((resolve) => (timer = setTimeout(resolve, 60_000)))]);
  clearTimeout(timer);
  await consumer.close();
  await running;
  return found;
}

beforeAll(async () => {
  port = await freePortPair();
  sslPort = await freePort();
  scriptEnv = {
    ...process.env, ARBITER_RUN_DIR: runDir, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1), KAFKA_SSL_PORT: String(sslPort),
    KAFKA_SCRAM_USERS: ROLES.map((r) => `arbiter-${r}:${passwords[r]}`).join(','), KAFKA_TLS_CLIENTS: 'arbiter-agent',
  };
  await script('start');
  // A second CA that signed nothing the broker presents: a client trusting only it must refuse the broker.
  await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=untrusted-ca',
    '-keyout', join(runDir, 'other-ca.key'), '-out', join(runDir, 'other-ca.pem')]);
  const admin = await (await createTransport('platformatic', { brokers: brokers(), clientId: `sec-admin-${run}`, security: adminSecurity() })).admin();
  try {
    await admin.ensureTopics([topics.proposals, topics.verdicts, topics.approvals, topics.decisions, topics.policyBundles]);
  } finally {
    await admin.close();
  }
  await applyAcls(ROLES);
  // The broker applies ACLs once their metadata record is published: wait until the agent may describe its topic.
  const agent = await createTransport('platformatic', { brokers: brokers(), clientId: `sec-probe-${run}`, security: asRole('agent') });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const probe = await agent.admin();
    try {
      if ((await probe.fetchOffsets(topics.proposals.topic)).length === 1) break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    } finally {
      await probe.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // A fresh broker creates its offsets topic on the first group request and answers COORDINATOR_LOAD_IN_PROGRESS
  // meanwhile, which kafkajs's consumer (no restarts, by design) reports as a failure: one group round trip first.
  const warmup = `warmup-${run}`;
  const producer = await agent.producer({ idempotent: true });
  await producer.send([{ topic: topics.proposals.topic, key: warmup, value: Buffer.from('warmup') }]);
  await producer.close();
  const verdict = await createTransport('platformatic', { brokers: brokers(), clientId: `sec-warmup-${run}`, security: asRole('verdict') });
  expect(await consumeKey(await verdict.consumer({ groupId: `arbiter-verdict-warmup-${run}`, topics: [topics.proposals.topic], fromBeginning: true, maxWaitMs: 100 }), warmup))
    .toBeDefined();
}, 300_000);

afterAll(async () => {
  if (port !== 0) await script('stop');
  rmSync(runDir, { recursive: true, force: true });
}, 120_000);

describe.each(CLIENTS)('Kafka over SASL_SSL with ACLs: %s', (client) => {
  const transport = (clientId: string, s: KafkaSecurity): Promise<KafkaTransport> =>
    createTransport(client, { brokers: brokers(), clientId: `${clientId}-${client}-${run}`, security: s });

  it('round trip: the agent proposes, the verdict processor reads it and answers, the agent reads the answer', async () => {
    const key = `session-${client}-${randomUUID()}`;
    const agent = await transport('agent', asRole('agent'));
    const verdict = await transport('verdict', asRole('verdict'));
    const agentProducer = await agent.producer({ idempotent: true });
    const verdictProducer = await verdict.producer({ idempotent: true });
    try {
      await agentProducer.send([{ topic: topics.proposals.topic, key, value: Buffer.from('proposal') }]);
      const proposal = await consumeKey(await verdict.consumer({
        groupId: `arbiter-verdict-${client}-${run}`, topics: [topics.proposals.topic], fromBeginning: true, sessionTimeoutMs: 10_000, maxWaitMs: 100,
      }), key);
      expect(proposal?.value?.toString()).toBe('proposal');
      await verdictProducer.send([{ topic: topics.verdicts.topic, key, value: Buffer.from('allow') }]);
      const answer = await consumeKey(await agent.consumer({
        groupId: `arbiter-sdk-replies-${client}-${run}`, topics: [topics.verdicts.topic], fromBeginning: true, sessionTimeoutMs: 10_000, maxWaitMs: 100,
      }), key);
      expect(answer?.value?.toString()).toBe('allow');
    } finally {
      await agentProducer.close();
      await verdictProducer.close();
    }
  });

  it('a wrong password fails with ARB_TRANSPORT_AUTH_FAILED naming the user, never the password', async () => {
    const wrong = `wrong${randomBytes(9).toString('hex')}`;
    const started = Date.now();
    const error = await errorOf(async () => {
      const admin = await (await transport('badpw', asUser('arbiter-agent', wrong))).admin();
      try {
        await admin.fetchOffsets(topics.proposals.topic);
      } finally {
        await admin.close();
      }
    });
    expect(error.code).toBe('ARB_TRANSPORT_AUTH_FAILED');
    expect(error.message).toContain('"arbiter-agent"');
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(passwords.agent);
    expect(JSON.stringify(error)).not.toContain(wrong);
    // Fails, not hangs: well inside the test timeout (the clients' own retries take a few seconds).
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('a broker certificate from a CA the client does not trust fails with ARB_TRANSPORT_TLS_FAILED', async () => {
    const error = await errorOf(async () => {
      const admin = await (await transport('untrusted', asUser('arbiter-agent', passwords.agent, { KAFKA_SSL_CA_FILE: join(runDir, 'other-ca.pem') }))).admin();
      try {
        await admin.fetchOffsets(topics.proposals.topic);
      } finally {
        await admin.close();
      }
    });
    expect(error.code).toBe('ARB_TRANSPORT_TLS_FAILED');
    expect(error.message).toMatch(/certificate/);
    expect(error.message).not.toContain(passwords.agent);
  });

  it('mutual TLS (SSL, no SASL): the client certificate is the principal, under the same ACLs', async () => {
    const agent = await createTransport(client, {
      brokers: [`localhost:${sslPort}`], clientId: `mtls-${client}-${run}`,
      security: ssl({ KAFKA_SSL_CERT_FILE: join(tlsDir(), 'client-arbiter-agent.pem'), KAFKA_SSL_KEY_FILE: join(tlsDir(), 'client-arbiter-agent.key') }),
    });
    const producer = await agent.producer({ idempotent: true });
    try {
      await producer.send([{ topic: topics.proposals.topic, key: 's', value: Buffer.from('over mutual TLS') }]);
      const denied = await errorOf(() => producer.send([{ topic: topics.approvals.topic, key: 's', value: Buffer.from('forged') }]));
      expect(denied.code).toBe('ARB_TRANSPORT_NOT_AUTHORIZED');
    } finally {
      await producer.close();
    }
  });

  it('ACLs: the agent may write proposals but not approvals or decisions; the approvals principal may write approvals', async () => {
    const agent = await transport('agent-acl', asRole('agent'));
    const producer = await agent.producer({ idempotent: true });
    try {
      await producer.send([{ topic: topics.proposals.topic, key: 's', value: Buffer.from('allowed') }]);
      for (const denied of [topics.approvals.topic, topics.decisions.topic]) {
        const error = await errorOf(() => producer.send([{ topic: denied, key: 's', value: Buffer.from('forged approval') }]));
        expect(error.code, denied).toBe('ARB_TRANSPORT_NOT_AUTHORIZED');
        expect(error.message).toContain('User:arbiter-agent');
      }
    } finally {
      await producer.close();
    }
    const approvals = await transport('approvals-acl', asRole('approvals'));
    const approvalsProducer = await approvals.producer({ idempotent: true });
    try {
      await approvalsProducer.send([{ topic: topics.approvals.topic, key: 's', value: Buffer.from('approved') }]);
    } finally {
      await approvalsProducer.close();
    }
  });
});

describe('mutual TLS without a client certificate (default client)', () => {
  it('fails with ARB_TRANSPORT_TLS_FAILED naming the TLS alert (the client itself only sees the connection close)', async () => {
    const error = await errorOf(async () => {
      const admin = await (await createTransport('platformatic', { brokers: [`localhost:${sslPort}`], clientId: `nocert-${run}`, security: ssl({}) })).admin();
      try {
        await admin.fetchOffsets(topics.proposals.topic);
      } finally {
        await admin.close();
      }
    });
    expect(error.code).toBe('ARB_TRANSPORT_TLS_FAILED');
    expect(error.message).toMatch(/ALERT/);
  });
});

describe('deployables over SASL_SSL (processors/bin/*.ts, settings from their environment)', () => {
  const saslEnv = (user: string, password: string): Record<string, string> => ({
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SSL_CA_FILE: join(tlsDir(), 'ca.pem'),
    KAFKA_SASL_USERNAME: user, KAFKA_SASL_PASSWORD: password,
  });
  const env = (password: string, user = 'arbiter-verdict'): Record<string, string> => ({
    KAFKA_BROKERS: brokers().join(','), SCHEMA_REGISTRY_URL: localRegistryUrl(), ARBITER_KAFKA_CLIENT: process.env['ARBITER_KAFKA_CLIENT'] || 'platformatic',
    ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '1', ARBITER_INSTANCE_ID: `sec-${run}`, ARBITER_BUNDLE_WAIT_MS: '1000',
    ARBITER_SESSION_TIMEOUT_MS: '6000', ARBITER_HEALTH_PORT: '', ...saslEnv(user, password),
  });

  it('the aggregator starts and consumes as arbiter-aggregator with only the aggregator row of the matrix', async () => {
    const child = startDeployableChild('aggregator', env(passwords.aggregator, 'arbiter-aggregator'), 'secure aggregator');
    try {
      await child.ready;
    } finally {
      await child.stop();
    }
  });

  it('the verdict processor starts and consumes as arbiter-verdict with only the verdict row of the matrix', async () => {
    const child = startDeployableChild('verdict', env(passwords.verdict), 'secure verdict');
    try {
      await child.ready;
      expect(child.tail()).not.toContain(passwords.verdict);
    } finally {
      await child.stop();
    }
  });

  it('end to end: the SDK as arbiter-agent gets verdicts from the processor as arbiter-verdict, on a bundle published as arbiter-policy-publisher', async () => {
    const keys = generateSigningKeys();
    const child = startDeployableChild('verdict', {
      ...env(passwords.verdict), ARBITER_INSTANCE_ID: `sec-e2e-${run}`, ARBITER_BUNDLE_NAME: 'sec', ARBITER_BUNDLE_WAIT_MS: '60000',
      ARBITER_TRUSTED_KEYS: JSON.stringify({ k1: keys.publicKeyPem }),
    }, 'secure verdict e2e');
    let client: ArbiterClient | undefined;
    try {
      const publisher = await createTransport('platformatic', { brokers: brokers(), clientId: `publisher-${run}`, security: asRole('policy-publisher') });
      const serde = new TopicSerde(createRegistryClient(localRegistryUrl()), topics);
      await serde.registerAll();
      const producer = await publisher.producer({ idempotent: true });
      try {
        const signed = signBundle('sec', [{ path: 'sec.yaml', text: POLICY }], keys.privateKeyPem, 'k1');
        await producer.send([{ topic: topics.policyBundles.topic, key: signed.name, value: serde.encode(topics.policyBundles, activationOf(signed, 'sec-it', Date.now())) }]);
      } finally {
        await producer.close();
      }
      await child.ready;
      client = await ArbiterClient.connect({
        brokers: brokers().join(','), registryUrl: localRegistryUrl(), kafkaClient: 'platformatic', topicPrefix: prefix, defaultDeadlineMs: 15_000,
        security: saslEnv('arbiter-agent', passwords.agent),
      });
      await expectProcessorAllowsAndDenies(client, `s-${run}`, 'sec-agent');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${child.tail()}`);
    } finally {
      await client?.close();
      await child.stop();
    }
  });

  it('the verdict processor with a wrong password stops at startup with ARB_TRANSPORT_AUTH_FAILED and logs no password', async () => {
    const wrong = `wrong${randomBytes(9).toString('hex')}`;
    const child = startDeployableChild('verdict', env(wrong), 'secure verdict, wrong password');
    try {
      expect(await child.exited).not.toBe('0');
      expect(child.tail()).toContain('ARB_TRANSPORT_AUTH_FAILED');
      expect(child.tail()).not.toContain(wrong);
    } finally {
      await child.stop();
    }
  });
});
