// The SIEM deployable on the real broker and registry: two forwarders (HEC and OCSF) from one forwarders file,
// each in its own consumer group, both receive every record; the health server reports it ready and /metrics
// exposes the per-format counters.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHecPeer, startOcsfPeer, type HecPeer, type OcsfPeer } from '../../bench/siem/peers.ts';
import { createRegistryClient } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { parseBrokers } from '../../processors/runtime/transport/brokers.ts';
import { createTransport, parseKafkaClient } from '../../processors/runtime/transport/index.ts';
import { Readiness, startHealthServer, type HealthServer } from '../../processors/core/health-server.ts';
import { runSiemService, siemServiceConfig, type RunningSiemService } from '../../processors/sinks/siem/main.ts';
import { decision } from '../unit/siem/fixtures.ts';

const run = randomUUID().slice(0, 8);
const prefix = `it-siemsvc-${run}`;

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('SIEM service', () => {
  const stack = inject('arbiterStack');
  let hec: HecPeer;
  let ocsf: OcsfPeer;
  let service: RunningSiemService;
  let health: HealthServer | undefined;

  beforeAll(async () => {
    hec = await startHecPeer('svc-token');
    ocsf = await startOcsfPeer();
  });
  afterAll(async () => {
    await service?.close();
    await health?.close();
    await hec?.stop();
    await ocsf?.stop();
  });

  it('runs one forwarder per format in its own group and serves their counters on /metrics', async () => {
    const env = {
      KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.registryUrl, ARBITER_TOPIC_PREFIX: prefix,
      ARBITER_PARTITIONS: '2', ARBITER_KAFKA_CLIENT: process.env['ARBITER_KAFKA_CLIENT'], HEC_TOKEN: 'svc-token',
    };
    const config = siemServiceConfig(env, `
forwarders:
  - { format: hec, peer: { url: "${hec.url}", token: "env:HEC_TOKEN" }, delivery: { baseBackoffMs: 50, maxBackoffMs: 200 } }
  - { format: ocsf, validateOcsf: true, peer: { url: "${ocsf.url}" }, filter: { effects: [deny] } }
`);
    expect(config.forwarders.map((f) => f.groupId)).toEqual([`${prefix}-siem-hec`, `${prefix}-siem-ocsf`]);

    const transport = await createTransport(parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']), { brokers: parseBrokers(stack.kafkaBrokers), clientId: `siemsvc-${run}` });
    const admin = await transport.admin();
    await admin.ensureTopics([config.topics.decisions, config.topics.alerts]);
    await admin.close();
    const serde = new TopicSerde(createRegistryClient(stack.registryUrl), config.topics);
    await serde.registerAll();
    const producer = await transport.producer({ idempotent: true });
    await producer.send(Array.from({ length: 60 }, (_, i) => ({
      topic: config.topics.decisions.topic, key: `s-${i % 4}`,
      value: serde.encode(config.topics.decisions, decision({ decisionId: `svc-${run}-${i}`, effect: i % 3 === 0 ? 'deny' : 'allow' })),
    })));
    await producer.close();

    const readiness = new Readiness();
    service = await runSiemService(config, { readiness });
    health = await startHealthServer({ port: 0, host: '127.0.0.1', maxLoopDelayMs: 10_000 }, readiness, service.metrics);
    await until(() => hec.events.length >= 60 && ocsf.events.length >= 20, 60_000);
    expect(hec.events).toHaveLength(60);
    expect(ocsf.events).toHaveLength(20);
    expect(readiness.status()).toEqual({ ready: true, conditions: { consumers: true } });
    expect((await fetch(`http://127.0.0.1:${health.port}/health/ready`)).status).toBe(200);
    const answer = await fetch(`http://127.0.0.1:${health.port}/metrics`);
    expect(answer.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await answer.text();
    expect(text).toContain('arbiter_siem_delivered_total{format="hec"} 60');
    expect(text).toContain('arbiter_siem_delivered_total{format="ocsf"} 20');
    expect(text).toContain('arbiter_siem_filtered_total{format="ocsf",reason="effect"} 40');
  });
});
