// The decisions sink on the real broker and registry: Avro DecisionRecords on the decisions topic, the sink in
// its own consumer group, rows in chDB. Checks completeness, committed offsets, the chain, pipeline metrics,
// and measures the lag from a decision being produced to its row being queryable.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../processors/core/types.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import type { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import type { TopicMap } from '../../processors/runtime/topics.ts';
import type { KafkaTransport } from '../../processors/runtime/transport/index.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { startKafkaDecisionsSink, type RunningSink } from '../../processors/sinks/clickhouse/kafka-table-sink.ts';
import { verifyChain } from '../../processors/sinks/clickhouse/verify-chain.ts';
import { makeDecisions } from '../unit/clickhouse/decision-fixtures.ts';
import { openTestBus, sendDecisions, type TestBus } from './helpers/test-bus.ts';

const run = randomUUID().slice(0, 8);
const PARTITIONS = 3;
let dir: string;
let ch: ClickHouseClient;
let bus: TestBus;
let topics: TopicMap;
let transport: KafkaTransport;
let serde: TopicSerde;
let sink: RunningSink | undefined;

const produce = (ds: readonly DecisionRecord[]): Promise<void> => sendDecisions(bus, ds, 500);

async function count(where = '1'): Promise<number> {
  const [r] = await (await ch.query({ query: `SELECT count() AS n FROM decisions FINAL WHERE ${where}`, format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(r?.n ?? 0);
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-kafka-'));
  ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  await applyMigrations(ch, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
  bus = await openTestBus(`ich-${run}`, { partitions: PARTITIONS, lingerMs: 5 });
  ({ topics, transport, serde } = bus);
});

afterAll(async () => {
  await sink?.stop();
  await bus?.close();
  await ch?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('decisions sink on Kafka', () => {
  const N = 30_000;
  it(`stores all ${N} Avro decisions once, commits each partition's end offset, keeps the chain and reports lag`, async () => {
    const ds = makeDecisions({ count: N, partitions: PARTITIONS, seed: 31, idPrefix: `k${run}` });
    await produce(ds);
    sink = await startKafkaDecisionsSink({
      transport, serde, topic: topics.decisions, client: ch, asyncInsert: false, groupId: `ich-${run}-sink`, metricsIntervalMs: 500,
    });
    await waitFor(`${N} rows`, async () => (await count()) >= N, 180_000);
    expect(await count()).toBe(N);
    const perPartition = new Map<number, number>();
    for (const d of ds) perPartition.set(d.chainPartition, (perPartition.get(d.chainPartition) ?? 0) + 1);
    await waitFor('offsets committed', async () => [...perPartition].every(([p, n]) => sink?.committed().get(p) === String(n)), 30_000);
    expect((await verifyChain(ch)).problems).toEqual([]);
    await waitFor('pipeline metrics', async () => {
      const [r] = await (await ch.query({
        query: `SELECT sum(value) AS lag, count() AS samples FROM pipeline_metrics WHERE metric = 'consumer_lag' AND labels['topic'] = {t:String}
                AND at_ms = (SELECT max(at_ms) FROM pipeline_metrics WHERE metric = 'consumer_lag')`,
        query_params: { t: topics.decisions.topic }, format: 'JSONEachRow',
      })).json<{ lag: number; samples: string }>();
      return Number(r?.samples) === PARTITIONS && Number(r?.lag) === 0;
    }, 30_000);
  }, 300_000);

  // 2,000 decisions/s: above what one verdict processor produced in its burst bench (docs/benchmarks.md); the sink
  // bench (bench/clickhouse-sink/run.ts) reports the in-process lag at 5,000/s as well.
  // Speed goals live in benchmarks, not in timed tests: this test proves every decision produced at a steady rate
  // becomes queryable and prints the lag; the p99 ≤ 2 s target is judged by bench/clickhouse-sink (docs/benchmarks.md).
  it('makes every decision produced at 2,000/s for 10 s queryable, and reports the produce-to-queryable lag', async () => {
    const rate = 2_000;
    const seconds = 10;
    const ds = makeDecisions({ count: rate * seconds, partitions: PARTITIONS, seed: 32, idPrefix: `lag${run}` });
    // A row is queryable once its insert is acknowledged (chDB inserts synchronously; a server's async insert is
    // acknowledged after the flush). The sink reports, per acknowledged insert, each partition's next offset: every
    // record of that partition below it is queryable from then on. The test is the only producer on its topic, so a
    // record's offset is the number of records produced to its partition before it.
    await sink?.stop();
    const visibleFrom = new Map<number, { offset: bigint; at: number }[]>();
    sink = await startKafkaDecisionsSink({
      transport, serde, topic: topics.decisions, client: ch, asyncInsert: false, groupId: `ich-${run}-sink`, metricsIntervalMs: 0,
      observe: (e) => {
        if (e.phase !== 'inserted') return;
        const at = Date.now();
        for (const o of e.offsets) {
          const list = visibleFrom.get(o.partition) ?? [];
          list.push({ offset: BigInt(o.offset), at });
          visibleFrom.set(o.partition, list);
        }
      },
    });
    // Records already on each partition (the first test's), all stored by now: chain partition = Kafka partition.
    const perPartition = await (await ch.query({ query: 'SELECT chain_partition AS p, count() AS n FROM decisions FINAL GROUP BY p', format: 'JSONEachRow' }))
      .json<{ p: number; n: string }>();
    const nextOffset = new Map(perPartition.map((r) => [Number(r.p), Number(r.n)]));
    const sent: { partition: number; offset: number; at: number }[] = [];
    const start = Date.now();
    const chunk = 100;
    for (let i = 0; i < ds.length; i += chunk) {
      const wait = start + (i / rate) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const now = Date.now();
      const slice = ds.slice(i, i + chunk).map((d) => ({ ...d, decidedAtMs: now }));
      for (const d of slice) {
        const offset = nextOffset.get(d.chainPartition) ?? 0;
        nextOffset.set(d.chainPartition, offset + 1);
        sent.push({ partition: d.chainPartition, offset, at: now });
      }
      await produce(slice);
    }
    const visibleAt = (r: { partition: number; offset: number }): number | undefined =>
      visibleFrom.get(r.partition)?.find((v) => v.offset > BigInt(r.offset))?.at;
    await waitFor('every lag record inserted', async () => sent.every((r) => visibleAt(r) !== undefined), 120_000);
    expect(await count(`decision_id LIKE 'lag${run}-%'`)).toBe(ds.length);
    const lags = sent.map((r) => (visibleAt(r) ?? Infinity) - r.at).sort((a, b) => a - b);
    const p = (q: number): number => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? Infinity;
    const st = sink.stats();
    console.log(`produce -> queryable over Kafka at ${rate}/s: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${lags.at(-1)} ms ` +
      `(${st.batchesInserted} inserts, ${Math.round(st.rowsInserted / Math.max(1, st.batchesInserted))} rows each, slowest ${Math.round(st.maxInsertMs)} ms)`);
    expect(lags.every(Number.isFinite)).toBe(true);
  }, 300_000);
});
