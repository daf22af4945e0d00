// Pipeline health panels after real traffic: the verdict processor (processors/bin/verdict.ts as a child process)
// and a SIEM forwarder (the SIEM service in this process) run on the real broker and registry and serve /metrics;
// the sink's scraper (processors/sinks/clickhouse/metrics-scrape.ts) writes their counters to pipeline_metrics in
// chDB, with the consumer lag of their groups read from the broker; the Pipeline health dashboard's own SQL then
// shows exactly the dead letters, retries and lag that happened.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHecPeer, type HecPeer } from '../../bench/siem/peers.ts';
import { PIPELINE_HEALTH } from '../../dashboards/pipeline-health.ts';
import { expandMacros } from '../../dashboards/macros.ts';
import { Readiness, startHealthServer, type HealthServer } from '../../processors/core/health-server.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { parseBrokers } from '../../processors/runtime/transport/brokers.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { parsePrometheusText, startMetricsScraper, type MetricsScraper } from '../../processors/sinks/clickhouse/metrics-scrape.ts';
import { startConsumerLagSampler } from '../../processors/sinks/clickhouse/consumer-lag.ts';
import { dlqTopicFor } from '../../processors/sinks/siem/config.ts';
import { runSiemService, siemServiceConfig, type RunningSiemService } from '../../processors/sinks/siem/main.ts';
import { decision } from '../unit/siem/fixtures.ts';
import { startVerdictChild, type ChildProcessor } from './helpers/processes.ts';
import { VerdictHarness, waitUntil } from './helpers/verdict-harness.ts';
import { freePort } from '../setup/ports.ts';

const GARBAGE_PROPOSALS = 3;
const GARBAGE_DECISIONS = 2;
const DECISIONS = 12;

let harness: VerdictHarness;
let verdict: ChildProcessor;
let verdictMetricsUrl: string;
let hec: HecPeer;
let siem: RunningSiemService;
let siemHealth: HealthServer;
let dir: string;
let ch: ClickHouseClient;
let scraper: MetricsScraper;
let siemGroup: string;
const startedMs = Date.now();

async function counters(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  return new Map(parsePrometheusText(text).map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s.value]));
}
const sumOf = (m: Map<string, number>, name: string): number => [...m].filter(([k]) => k.startsWith(`${name}{`)).reduce((a, [, v]) => a + v, 0);

async function panel(title: string): Promise<Record<string, unknown>[]> {
  const p = PIPELINE_HEALTH.panels.find((x) => x.title === title);
  if (!p) throw new Error(`no panel "${title}"`);
  const ctx = { fromMs: startedMs - 60_000, toMs: Date.now() + 60_000, intervalMs: 3_600_000 };
  const rs = await ch.query({ query: expandMacros(p.sql, ctx), format: 'JSONEachRow' });
  return rs.json<Record<string, unknown>>();
}

beforeAll(async () => {
  const stack = inject('arbiterStack');
  const brokers = parseBrokers(stack.kafkaBrokers);
  harness = await VerdictHarness.create({ name: 'it-pipemetrics', brokers, partitions: 2 });
  const verdictPort = await freePort();
  verdict = startVerdictChild({ ...harness.childEnv(`pm-${harness.run}`), ARBITER_HEALTH_PORT: String(verdictPort), ARBITER_HEALTH_HOST: '127.0.0.1' }, 'verdict');
  await verdict.ready;
  verdictMetricsUrl = `http://127.0.0.1:${verdictPort}/metrics`;

  hec = await startHecPeer('pm-token');
  const prefix = `it-pipemetrics-${harness.run}`;
  const config = siemServiceConfig({
    KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.registryUrl, ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '2',
    ARBITER_KAFKA_CLIENT: process.env['ARBITER_KAFKA_CLIENT'], HEC_TOKEN: 'pm-token',
  }, `
forwarders:
  - { format: hec, peer: { url: "${hec.url}", token: "env:HEC_TOKEN" }, delivery: { baseBackoffMs: 20, maxBackoffMs: 100 } }
`);
  const readiness = new Readiness();
  siemGroup = config.forwarders[0]?.groupId ?? '';
  siem = await runSiemService(config, { readiness });
  siemHealth = await startHealthServer({ port: 0, host: '127.0.0.1', maxLoopDelayMs: 10_000 }, readiness, siem.metrics);

  dir = mkdtempSync(join(tmpdir(), 'arbiter-pipeline-metrics-'));
  ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  await applyMigrations(ch, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
  const lag = await startConsumerLagSampler({ brokers, groups: [harness.groupId, siemGroup], topics: harness.topics, instance: 'sink-0' });
  scraper = startMetricsScraper({
    client: ch, topics: harness.topics, intervalMs: 0, lag,
    targets: [{ instance: 'verdict-0', url: verdictMetricsUrl }, { instance: 'siem-0', url: `http://127.0.0.1:${siemHealth.port}/metrics` }],
    onError: (t, e) => { throw new Error(`scrape of ${t.instance} failed: ${e.message}`); },
  });
  await scraper.scrapeOnce(); // both targets answered once before any dead letter or retry
}, 180_000);

afterAll(async () => {
  await scraper?.stop();
  await siem?.close();
  await siemHealth?.close();
  await hec?.stop();
  await verdict?.stop();
  await harness?.close();
  await ch?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('Pipeline health panels from the deployables\' own counters', () => {
  it('show the dead letters of the verdict processor and the SIEM forwarder, and the forwarder\'s retries', async () => {
    const t = harness.topics;
    const producer = await harness.transport.producer({ idempotent: true });
    hec.failWith = 503; // the forwarder retries until the peer recovers
    await producer.send([
      ...Array.from({ length: GARBAGE_PROPOSALS }, (_, i) => ({ topic: t.proposals.topic, key: `s-${i}`, value: Buffer.from(`not avro ${i}`) })),
      ...Array.from({ length: DECISIONS }, (_, i) => ({
        topic: t.decisions.topic, key: `s-${i % 3}`, value: harness.serde.encode(t.decisions, decision({ decisionId: `pm-${randomUUID()}` })),
      })),
      ...Array.from({ length: GARBAGE_DECISIONS }, (_, i) => ({ topic: t.decisions.topic, key: `g-${i}`, value: Buffer.from(`garbage ${i}`) })),
    ]);
    await producer.close();
    const siemUrl = `http://127.0.0.1:${siemHealth.port}/metrics`;
    await waitUntil('forwarder retries', async () => sumOf(await counters(siemUrl), 'arbiter_siem_retries_total') >= 2, 60_000);
    hec.failWith = undefined;
    await waitUntil('delivery and dead letters', async () => {
      const s = await counters(siemUrl);
      const v = await counters(verdictMetricsUrl);
      return hec.stored >= DECISIONS && sumOf(s, 'arbiter_siem_dlq_total') >= GARBAGE_DECISIONS && sumOf(v, 'arbiter_verdict_dead_letters_total') >= GARBAGE_PROPOSALS;
    }, 90_000, () => `hec stored ${hec.stored}`);
    const siemCounters = await counters(siemUrl);
    const retries = sumOf(siemCounters, 'arbiter_siem_retries_total');
    await scraper.scrapeOnce();

    const dlq = await panel('DLQ records');
    const dlqBySeries = new Map<string, number>();
    for (const r of dlq) dlqBySeries.set(String(r['series']), (dlqBySeries.get(String(r['series'])) ?? 0) + Number(r['increase']));
    expect(Object.fromEntries(dlqBySeries)).toEqual({ [t.dlqProposals.topic]: GARBAGE_PROPOSALS, [dlqTopicFor('hec')]: GARBAGE_DECISIONS });

    const forwarder = await panel('Forwarder drops and retries');
    const fwd = new Map<string, number>();
    for (const r of forwarder) fwd.set(String(r['series']), (fwd.get(String(r['series'])) ?? 0) + Number(r['increase']));
    expect(retries).toBeGreaterThanOrEqual(2);
    expect(Object.fromEntries(fwd)).toEqual({ 'hec retries_total': retries });

    // A later scrape with no new traffic adds no increase.
    await scraper.scrapeOnce();
    const again = await panel('DLQ records');
    expect(again.reduce((a, r) => a + Number(r['increase']), 0)).toBe(GARBAGE_PROPOSALS + GARBAGE_DECISIONS);
  }, 240_000);

  it('shows each group\'s consumer lag: none once consumed, the records produced while a forwarder is stopped', async () => {
    const t = harness.topics;
    await waitUntil('verdict group consumed the proposals', () => harness.consumedAll(t.proposals.topic), 60_000);
    await siem.close(); // its group's offsets stay where it committed them
    const LATER = 5;
    const producer = await harness.transport.producer({ idempotent: true });
    await producer.send(Array.from({ length: LATER }, (_, i) => ({
      topic: t.decisions.topic, key: `late-${i}`, value: harness.serde.encode(t.decisions, decision({ decisionId: `pm-late-${randomUUID()}` })),
    })));
    await producer.close();
    await scraper.scrapeOnce();
    const lag = new Map((await panel('Consumer lag')).map((r) => [String(r['consumer']), Number(r['lag'])]));
    expect(lag.get(`${siemGroup} / ${t.decisions.topic}`)).toBe(LATER);
    expect(lag.get(`${harness.groupId} / ${t.proposals.topic}`)).toBe(0);
  }, 120_000);
});
