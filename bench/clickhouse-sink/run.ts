// Sink throughput and verdict-to-queryable lag into chDB, against a raw chDB insert of the same rows, same run.
//   node bench/clickhouse-sink/run.ts [--rows 200000] [--rounds 3] [--lag-rate 5000] [--lag-seconds 10]
// raw:  pre-encoded JSONCompactEachRow bodies straight into chDB's native session (no client, no decode/encode),
//       in 10,000- and 100,000-row batches; the faster of the two is the baseline.
// sink: the decisions sink end to end minus Kafka: transport-shaped batches of 500 records whose values are Avro
//       DecisionRecords (schemas/, without the 5-byte registry frame) -> Avro decode -> encode -> batch (10k..100k
//       rows, 250 ms linger) -> @clickhouse/client over chDB -> commit.
// lag:  decisions offered at a fixed rate; lag = insert acknowledged (rows queryable) - accepted.
// Prints medians and ratios; the machine is shared, so only same-run ratios are meaningful.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { createDecisionsSink } from '../../processors/sinks/clickhouse/table-sink.ts';
import { DECISION_ROW_COLUMNS, encodeDecisionRow } from '../../processors/sinks/clickhouse/decision-row.ts';
import { DEFAULT_BATCHING } from '../../processors/sinks/clickhouse/batching-sink.ts';
import type { DecisionRecord } from '../../processors/core/types.ts';
import type { Batch } from '../../processors/runtime/transport/transport.ts';
import { makeDecisions } from '../../test/unit/clickhouse/decision-fixtures.ts';
import { avroType } from '../../schemas/catalogue.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' },
    'lag-rate': { type: 'string', default: '5000' }, 'lag-seconds': { type: 'string', default: '10' },
  },
});
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-ch-'));
const conn = createChdbConnection({ path: join(dir, 'chdb') });
const client = createClient({ connection: conn as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'] });
await applyMigrations(client, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });

const avro = avroType('DecisionRecord');
const decode = (r: { value: Buffer | null }): DecisionRecord => avro.fromBuffer(r.value ?? Buffer.alloc(0)) as DecisionRecord;
const decisions = makeDecisions({ count: ROWS, partitions: 6, seed: 11 });
const lines = decisions.map(encodeDecisionRow);
const toBatches = (ds: readonly DecisionRecord[], size: number): Batch[] => {
  const out: Batch[] = [];
  for (let i = 0; i < ds.length; i += size) {
    out.push({
      topic: 'arbiter.decisions', partition: 0,
      records: ds.slice(i, i + size).map((d, j) => ({
        topic: 'arbiter.decisions', partition: 0, offset: String(i + j), key: null,
        value: avro.toBuffer(d), headers: {}, timestampMs: d.decidedAtMs,
      })),
    });
  }
  return out;
};
const batches = toBatches(decisions, 500);
const insertSql = `INSERT INTO decisions (${DECISION_ROW_COLUMNS.join(', ')}) FORMAT JSONCompactEachRow\n`;

async function truncate(): Promise<void> {
  await client.command({ query: 'TRUNCATE TABLE decisions' });
  await client.command({ query: 'TRUNCATE TABLE session_summaries' });
}

async function raw(batchRows: number): Promise<number> {
  await truncate();
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += batchRows) bodies.push(insertSql + lines.slice(i, i + batchRows).join('\n'));
  const t0 = performance.now();
  for (const b of bodies) await conn.chdb.queryAsync(b);
  return ROWS / ((performance.now() - t0) / 1000);
}

async function sink(): Promise<number> {
  await truncate();
  const s = createDecisionsSink(client, {
    decode,
    commit: async () => undefined,
    onDecodeError: (e) => { throw e; },
    asyncInsert: false,
  });
  const t0 = performance.now();
  for (const b of batches) await s.accept(b);
  await s.close();
  const rate = ROWS / ((performance.now() - t0) / 1000);
  if (s.stats().rowsInserted !== ROWS) throw new Error(`sink inserted ${s.stats().rowsInserted} of ${ROWS}`);
  return rate;
}

const results = { raw10k: [] as number[], raw100k: [] as number[], sink: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? (['raw10k', 'raw100k', 'sink'] as const) : (['sink', 'raw100k', 'raw10k'] as const);
  for (const k of order) results[k].push(k === 'sink' ? await sink() : await raw(k === 'raw10k' ? 10_000 : 100_000));
  console.log(`round ${r + 1}: raw10k ${results.raw10k.at(-1)?.toFixed(0)} raw100k ${results.raw100k.at(-1)?.toFixed(0)} sink ${results.sink.at(-1)?.toFixed(0)} rows/s`);
}
const rawBest = Math.max(median(results.raw10k), median(results.raw100k));
console.log(`median rows/s over ${ROUNDS} rounds of ${ROWS}: raw chDB 10k-batches ${median(results.raw10k).toFixed(0)}, raw chDB 100k-batches ${median(results.raw100k).toFixed(0)}, sink ${median(results.sink).toFixed(0)}`);
console.log(`sink / best raw = ${(median(results.sink) / rawBest).toFixed(2)}`);

// Lag: accept at a fixed rate with the default batching. A row is queryable once the insert holding it is
// acknowledged (chDB inserts synchronously); the sink reports the next offset after each acknowledged insert.
const rate = Number(args['lag-rate']);
const seconds = Number(args['lag-seconds']);
await truncate();
const lagDecisions = makeDecisions({ count: rate * seconds, partitions: 6, seed: 12, idPrefix: 'lag' });
const lagBatches = toBatches(lagDecisions, 500);
const acceptedAt: number[] = [];
const lags: number[] = [];
let visible = 0;
const s = createDecisionsSink(client, {
  decode,
  commit: async () => undefined,
  onDecodeError: (e) => { throw e; },
  asyncInsert: false,
  batching: DEFAULT_BATCHING,
  observe: (e) => {
    if (e.phase !== 'inserted') return;
    const now = performance.now();
    const upTo = Number(e.offsets[0]?.offset ?? visible);
    for (let i = visible; i < upTo; i++) lags.push(now - (acceptedAt[i] ?? now));
    visible = Math.max(visible, upTo);
  },
});
const start = performance.now();
for (let i = 0; i < lagBatches.length; i++) {
  const due = start + (i * 500 * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const b = lagBatches[i];
  if (!b) continue;
  const at = performance.now();
  for (let j = 0; j < b.records.length; j++) acceptedAt.push(at);
  await s.accept(b);
}
await s.close();
if (lags.length !== lagDecisions.length) throw new Error(`lag: ${lags.length} of ${lagDecisions.length} rows acknowledged`);
const st = s.stats();
console.log(`lag accept->queryable at ${rate}/s for ${seconds}s (linger ${DEFAULT_BATCHING.lingerMs} ms, min batch ${DEFAULT_BATCHING.minBatchRows}): p50 ${pct(lags, 50).toFixed(0)} ms, p99 ${pct(lags, 99).toFixed(0)} ms, max ${pct(lags, 100).toFixed(0)} ms (${st.batchesInserted} inserts, slowest ${st.maxInsertMs.toFixed(0)} ms)`);

await client.close();
rmSync(dir, { recursive: true, force: true });
