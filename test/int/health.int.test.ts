// Every deployable (processors/bin/*) as a child process against the real broker and registry serves the health
// server of processors/core/health-server.ts on ARBITER_HEALTH_PORT: /health/live answers while it starts,
// /health/ready says 503 (and why) until it is ready and 200 after, /metrics is Prometheus text. The verdict
// processor is shown NOT ready while no bundle is loaded although it consumes, and ready once one is published.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import { localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { activationOf } from '../../processors/verdict/policy-engine.ts';
import { freePort } from '../setup/ports.ts';
import { POLICY } from '../unit/verdict/fixtures.ts';
import { startDeployableChild, type ChildProcessor } from './helpers/processes.ts';
import { VerdictHarness } from './helpers/verdict-harness.ts';

const BUNDLE = 'health-test';
const ROOT = join(import.meta.dirname, '..', '..');

interface Probe { readonly status: number; readonly body: { ready?: boolean; conditions?: Record<string, true | string>; live?: boolean } }

async function probe(port: number, path: string): Promise<Probe | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
    return { status: r.status, body: await r.json() as Probe['body'] };
  } catch {
    return undefined; // not listening yet
  }
}

/** Polls `get` until it returns something, or fails naming `what` with the child's last output. */
async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs: number, tail: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await get();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function metricsText(port: number): Promise<{ contentType: string; text: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { contentType: r.headers.get('content-type') ?? '', text: await r.text() };
}

describe('health endpoints of the deployables', () => {
  let h: VerdictHarness;
  const children: ChildProcessor[] = [];
  const chdb = mkdtempSync(join(tmpdir(), 'arbiter-health-chdb-'));

  beforeAll(async () => {
    h = await VerdictHarness.create({ name: 'ithealth', brokers: localBrokers(), partitions: 2 });
  });

  afterAll(async () => {
    for (const c of children) await c.stop();
    await h?.close();
    rmSync(chdb, { recursive: true, force: true });
  });

  const start = async (bin: string, env: Record<string, string>): Promise<{ child: ChildProcessor; port: number }> => {
    const port = await freePort();
    const child = startDeployableChild(bin, { ...h.childEnv(`health-${bin}`), ARBITER_HEALTH_PORT: String(port), ARBITER_HEALTH_HOST: '127.0.0.1', ...env }, bin);
    children.push(child);
    return { child, port };
  };

  it('verdict: live at once, not ready while no bundle is loaded, ready once one is published; /metrics in Prometheus text', async () => {
    const keys = generateSigningKeys();
    const { child, port } = await start('verdict', {
      ARBITER_BUNDLE_NAME: BUNDLE, ARBITER_BUNDLE_WAIT_MS: '1', ARBITER_TRUSTED_KEYS: JSON.stringify({ hk: keys.publicKeyPem }),
    });
    const live = await until('/health/live answers', () => probe(port, '/health/live'), 60_000, child.tail);
    expect(live).toMatchObject({ status: 200, body: { live: true } });
    await child.ready; // consuming: started, partitions assigned and restored, but no bundle named BUNDLE yet
    const consuming = await until('consumers ready', async () => {
      const p = await probe(port, '/health/ready');
      return p?.body.conditions?.['consumers'] === true ? p : undefined;
    }, 60_000, child.tail);
    expect(consuming.status).toBe(503);
    expect(consuming.body).toMatchObject({ ready: false, conditions: { started: true, consumers: true, bundle: `no policy bundle "${BUNDLE}" loaded yet` } });
    expect((await metricsText(port)).text).toContain('arbiter_ready 0');

    const signed = signBundle(BUNDLE, [{ path: 'health.yaml', text: POLICY }], keys.privateKeyPem, 'hk');
    const producer = await h.transport.producer({ idempotent: true });
    await producer.send([{ topic: h.topics.policyBundles.topic, key: BUNDLE, value: h.serde.encode(h.topics.policyBundles, activationOf(signed, 'it', Date.now())) }]);
    await producer.close();
    const ready = await until('/health/ready 200', async () => {
      const p = await probe(port, '/health/ready');
      return p?.status === 200 ? p : undefined;
    }, 60_000, child.tail);
    expect(ready.body).toEqual({ ready: true, conditions: { started: true, consumers: true, bundle: true } });

    const metrics = await metricsText(port);
    expect(metrics.contentType).toContain('text/plain; version=0.0.4');
    expect(metrics.text).toContain('arbiter_ready 1');
    expect(metrics.text).toMatch(/^# TYPE arbiter_verdict_decisions_total counter$/m);
    expect(metrics.text).toMatch(/^arbiter_verdict_restore_seconds_count [1-9]\d*$/m); // its assignment was restored
    await child.stop();
    expect(await child.exited).toBe('0');
  });

  // The shipped forwarders file (placeholder peers): readiness needs the consumers, not a reachable SIEM.
  const others: [bin: string, env: () => Record<string, string>, conditions: Record<string, true>][] = [
    ['aggregator', () => ({ ARBITER_AGGREGATOR_GROUP: `${h.groupId}-agg` }), { started: true, consumers: true }],
    ['approvals', () => ({}), { started: true, consumers: true }],
    ['clickhouse-sink', () => ({ CHDB_PATH: chdb }), { started: true, migrations: true, consumers: true }],
    ['siem-forwarder', () => ({ ARBITER_SIEM_CONFIG: join(ROOT, 'deploy', 'siem', 'forwarders.yaml') }), { started: true, consumers: true }],
  ];
  for (const [bin, env, conditions] of others) {
    it(`${bin}: 503 until ready, then 200 with ${Object.keys(conditions).join(', ')}; /metrics in Prometheus text`, async () => {
      const { child, port } = await start(bin, env());
      const first = await until('/health/ready answers', () => probe(port, '/health/ready'), 60_000, child.tail);
      if (first.status !== 200) expect(first.body.ready).toBe(false); // a fast start may already be ready
      const ready = await until('/health/ready 200', async () => {
        const p = await probe(port, '/health/ready');
        return p?.status === 200 ? p : undefined;
      }, 90_000, child.tail);
      expect(ready.body).toEqual({ ready: true, conditions });
      expect(await probe(port, '/health/live')).toMatchObject({ status: 200, body: { live: true } });
      const metrics = await metricsText(port);
      expect(metrics.contentType).toContain('text/plain; version=0.0.4');
      expect(metrics.text).toMatch(/^# TYPE arbiter_event_loop_delay_max_seconds gauge$/m);
      expect(metrics.text).toContain('arbiter_ready 1');
      await child.stop();
      expect(await child.exited).toBe('0');
    });
  }
});
