// Produce-to-queryable lag of the decisions sink over the real broker and registry (issue 6: p99 <= 2 s at 5,000/s).
//   node bench/clickhouse-sink/kafka-lag.ts [--rate 5000] [--seconds 20] [--partitions 3] [--linger 250] [--warmup 3]
// Avro DecisionRecords are produced at a steady rate (100 records every 100/rate s) to a fresh topic; the sink
// (default batching unless --linger) consumes it in its own group into a fresh chDB. A row is queryable once the
// insert holding it is acknowledged; the sink reports, per acknowledged insert, each partition's next offset, so a
// record's lag = first such report above its offset - when its send started. The bench is the only producer on the
// topic, so a record's offset is the count of records sent to its partition before it. The first --warmup seconds
// are produced but not counted (consumer join, first fetch). Stack endpoints: .run/stack.env or the environment.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localBrokers } from '../kafka-clients/local-brokers.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { createRegistryClient } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde, type WireTypes } from '../../processors/runtime/serde/topic-serde.ts';
import { defineTopics, ensureArbiterTopics } from '../../processors/runtime/topics.ts';
import { createTransport, parseKafkaClient } from '../../processors/runtime/transport/index.ts';
import { DEFAULT_BATCHING } from '../../processors/sinks/clickhouse/batching-sink.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { startKafkaDecisionsSink } from '../../processors/sinks/clickhouse/kafka-table-sink.ts';
import { makeDecisions } from '../../test/unit/clickhouse/decision-fixtures.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' }, seconds: { type: 'string', default: '20' },
    partitions: { type: 'string', default: '3' }, linger: { type: 'string' }, warmup: { type: 'string', default: '3' },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const PARTITIONS = Number(args.partitions);
const batching = args.linger === undefined ? DEFAULT_BATCHING : { ...DEFAULT_BATCHING, lingerMs: Number(args.linger) };

function registryUrl(): string {
  if (process.env['SCHEMA_REGISTRY_URL']) return process.env['SCHEMA_REGISTRY_URL'];
  const env = readFileSync(join(import.meta.dirname, '..', '..', '.run', 'stack.env'), 'utf8');
  const line = env.split('\n').find((l) => l.startsWith('SCHEMA_REGISTRY_URL='));
  if (!line) throw new Error('SCHEMA_REGISTRY_URL is neither set nor in .run/stack.env');
  return line.slice('SCHEMA_REGISTRY_URL='.length);
}

const run = randomUUID().slice(0, 8);
const topics = defineTopics({ prefix: `lagbench-${run}`, partitions: PARTITIONS, replicationFactor: 1 });
const dir = mkdtempSync(join(tmpdir(), 'arbiter-lagbench-'));
const ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
await applyMigrations(ch, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
const transport = await createTransport(parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']), { brokers: localBrokers(), clientId: `lagbench-${run}` });
const admin = await transport.admin();
await ensureArbiterTopics(admin, topics);
const serde = new TopicSerde(createRegistryClient(registryUrl()), topics);
await serde.registerAll();
const producer = await transport.producer({ idempotent: true, lingerMs: 5 });

const visibleFrom = new Map<number, { offset: number; at: number }[]>();
const sink = await startKafkaDecisionsSink({
  transport, serde, topic: topics.decisions, client: ch, asyncInsert: false, groupId: `lagbench-${run}`, metricsIntervalMs: 0, batching,
  observe: (e) => {
    if (e.phase !== 'inserted') return;
    const at = performance.now();
    for (const o of e.offsets) {
      const list = visibleFrom.get(o.partition) ?? [];
      list.push({ offset: Number(o.offset), at });
      visibleFrom.set(o.partition, list);
    }
  },
});

const ds = makeDecisions({ count: RATE * SECONDS, partitions: PARTITIONS, seed: 41, idPrefix: `lag${run}` });
const sent: { partition: number; offset: number; at: number; counted: boolean }[] = [];
const nextOffset = new Map<number, number>();
const chunk = 100;
const start = performance.now();
for (let i = 0; i < ds.length; i += chunk) {
  const wait = start + (i / RATE) * 1000 - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const at = performance.now();
  const slice = ds.slice(i, i + chunk).map((d) => ({ ...d, decidedAtMs: Date.now() }));
  for (const d of slice) {
    const offset = nextOffset.get(d.chainPartition) ?? 0;
    nextOffset.set(d.chainPartition, offset + 1);
    sent.push({ partition: d.chainPartition, offset, at, counted: at - start >= WARMUP * 1000 });
  }
  await producer.send(slice.map((d) => ({
    topic: topics.decisions.topic, partition: d.chainPartition, key: d.sessionId,
    value: serde.encode(topics.decisions, d as unknown as WireTypes['DecisionRecord']),
  })));
}
const produceSeconds = (performance.now() - start) / 1000;

const visibleAt = (r: { partition: number; offset: number }): number | undefined =>
  visibleFrom.get(r.partition)?.find((v) => v.offset > r.offset)?.at;
const until = performance.now() + 120_000;
while (!sent.every((r) => visibleAt(r) !== undefined)) {
  if (performance.now() > until) throw new Error('not every record became queryable within 120 s');
  await new Promise((r) => setTimeout(r, 100));
}
const lags = sent.filter((r) => r.counted).map((r) => (visibleAt(r) ?? Infinity) - r.at).sort((a, b) => a - b);
const p = (q: number): number => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? Infinity;
const st = sink.stats();
console.log(`produce -> queryable over Kafka at ${RATE}/s for ${SECONDS} s (produced in ${produceSeconds.toFixed(1)} s, first ${WARMUP} s not counted, ` +
  `linger ${batching.lingerMs} ms, ${PARTITIONS} partitions): p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms, max ${(lags.at(-1) ?? 0).toFixed(0)} ms ` +
  `(${st.batchesInserted} inserts, ${Math.round(st.rowsInserted / Math.max(1, st.batchesInserted))} rows each, slowest ${Math.round(st.maxInsertMs)} ms)`);

await sink.stop();
await producer.close();
await admin.close();
await ch.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
