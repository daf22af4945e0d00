// The SDK while the broker is down: on a Kafka broker of its own (deploy/local/kafka.sh with its own run directory
// and ports, so the shared broker is never touched), a client gets verdicts, then the broker stops and every call
// fails closed within its deadline, then the broker restarts and verdicts flow again. The verdict processor runs as
// its deployable (processors/bin/verdict.ts) under a small supervisor that restarts it when it exits, as in
// production (its consumer stops when the broker stays away). The schema registry is the shared one (subjects are
// per topic prefix).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortPair } from '../setup/ports.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import { localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { parseKafkaClient } from '../../processors/runtime/transport/index.ts';
import { ArbiterClient, type AgentSession } from '../../processors/sdk/index.ts';
import { openTestBus, publishBundle } from './helpers/test-bus.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const runDir = mkdtempSync(join(tmpdir(), 'arbiter-own-broker-'));
const run = randomUUID().slice(0, 8);
const prefix = `itr-${run}`;
const registryUrl = localRegistryUrl();
const kafkaClient = parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']);
const POLICY = `
bundle: restart-test
default: deny
tools:
  kb.search: { verb: read }
  issue_refund: { verb: execute }
rules:
  - { id: ok, tools: ["kb.search", "issue_refund"], effect: allow }
`;

describe('SDK with its own broker stopped and restarted', () => {
  let port: number;
  let env: NodeJS.ProcessEnv;
  let processor: ChildProcess | undefined;
  let supervising = true;
  let starts = 0;
  let started: Promise<void> = Promise.resolve();
  let client: ArbiterClient;
  let session: AgentSession;
  let brokers: string[];
  const keys = generateSigningKeys();

  const kafka = (action: 'start' | 'stop') => exec('bash', [join(ROOT, 'deploy', 'local', 'kafka.sh'), action], { cwd: ROOT, env, timeout: 240_000 });
  /** Starts bin/verdict.ts and restarts it whenever it exits, until the test ends; `started` settles when it serves. */
  const superviseProcessor = (): void => {
    starts++;
    const child = spawn(process.execPath, [join(ROOT, 'processors', 'bin', 'verdict.ts')], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: registryUrl, ARBITER_KAFKA_CLIENT: kafkaClient,
        ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '1', ARBITER_VERDICT_GROUP: `${prefix}-verdict`, ARBITER_INSTANCE_ID: `i${starts}`,
        ARBITER_BUNDLE_NAME: 'restart-test', ARBITER_TRUSTED_KEYS: JSON.stringify({ k1: keys.publicKeyPem }), ARBITER_BUNDLE_WAIT_MS: '60000' },
    });
    processor = child;
    started = new Promise<void>((resolve) => child.stdout?.on('data', (b: Buffer) => { if (b.toString().includes('"event":"started"')) resolve(); }));
    child.stderr?.resume();
    child.on('exit', () => {
      if (supervising) setTimeout(superviseProcessor, 1000);
    });
  };

  beforeAll(async () => {
    port = await freePortPair();
    env = { ...process.env, ARBITER_RUN_DIR: runDir, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1), KAFKA_HEAP: '256m' };
    await kafka('start');
    brokers = [`localhost:${port}`];
    const bus = await openTestBus(prefix, { brokers, partitions: 1 });
    await publishBundle(bus, signBundle('restart-test', [{ path: 'r.yaml', text: POLICY }], keys.privateKeyPem, 'k1'), 'it');
    await bus.close();
    superviseProcessor();
    await started;
    client = await ArbiterClient.connect({ brokers, registryUrl, kafkaClient, topicPrefix: prefix, defaultDeadlineMs: 10_000 });
    session = client.session({ sessionId: 's-restart', agentId: 'a', userId: 'u', tenantId: 't', agentRole: 'r', environment: 'e' });
  }, 300_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    supervising = false;
    if (processor?.exitCode === null) {
      const exited = new Promise((r) => processor?.once('exit', r));
      processor.kill('SIGTERM');
      await exited;
    }
    await kafka('stop').catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  }, 120_000);

  it('gets verdicts, fails closed within the deadline while the broker is down, and gets verdicts again after it is back', async () => {
    expect(await session.propose({ tool: 'issue_refund', args: { amount: 5 } })).toMatchObject({ effect: 'allow', source: 'processor' });

    await kafka('stop');
    for (const budget of [800, 1500]) {
      const started = Date.now();
      const v = await session.propose({ tool: 'issue_refund', args: { amount: 6 } }, { deadlineMs: budget });
      expect(Date.now() - started).toBeLessThan(budget + 1000);
      expect(v).toMatchObject({ effect: 'deny', proceed: false, source: 'no-verdict' });
      expect(['ARB_SDK_NO_VERDICT', 'ARB_SDK_SEND_FAILED']).toContain(v.errorCode);
    }

    await kafka('start');
    const until = Date.now() + 90_000;
    let last;
    do {
      last = await session.propose({ tool: 'kb.search', args: { q: 'back?' } }, { deadlineMs: 3000 });
    } while (last.source !== 'processor' && Date.now() < until);
    expect(last).toMatchObject({ effect: 'allow', source: 'processor' });
  }, 300_000);
});
