// Sink throughput and verdict-to-queryable lag into chDB, against a raw chDB insert of the same rows, same run.
//   node bench/clickhouse-sink/run.ts [--rows 200000] [--rounds 3] [--lag-rate 5000] [--lag-seconds 10] [--decode]
//     [--min-batch N] [--linger MS] (the sink's minBatchRows and lingerMs in the throughput runs; default: shipped)
//     [--warmup 1] (untimed rounds of every run first) [--fresh] (a new sink per round, closed after it: a cold start)
//     [--stop-merges] (SYSTEM STOP MERGES on the tables first: a raw insert ends before the merges of its parts
//     start, a longer sink run pays for them while it runs; this isolates the insert paths)
// raw:  the same rows into the same table through chDB's session with no decode, encode or file write, loaded with
//       the sink's statement (FROM INFILE, optimize_on_insert=0, a dedup token) from pre-written files:
//       RowBinary (Node's row encoder) in 10,000- and 100,000-row inserts, and Native rendered by chDB itself
//       (chDB's cheapest input) in 100,000-row inserts, and Native written by the sink's encoder (the same layout,
//       LowCardinality dictionary-encoded too) in 100,000-row inserts.
// sink: the decisions sink end to end minus Kafka: transport-shaped batches of 500 records whose values are Avro
//       DecisionRecords in the Confluent frame (schema id 1 = "current") -> Avro bytes transcoded into Native
//       columns, as the Kafka sink does on chDB -> block (10k..100k rows, 250 ms linger) -> spool file -> chDB
//       INSERT FROM INFILE -> commit. "sink RowBinary": the same with the row format (the server path, and the
//       chDB path before Native). --decode: decode every record to an object and write it (older schema ids' path).
//       Each sink lives across the rounds, as a deployed one does (its JIT and recycled buffers warm), and is flushed
//       after each round's burst; --fresh measures a new sink per round instead (cold: allocation, GC, JIT).
// encode: the sink's JS work alone (the same batches into the same encoder, sealed every 100,000 rows, no insert).
// lag:  decisions offered at a fixed rate; lag = insert acknowledged (rows queryable) - accepted.
// Prints medians, ratios and TARGET lines; the machine is shared, so only same-run ratios are meaningful.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chdbSessionOf, createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { createDecisionsSink, DECISIONS_TABLE } from '../../processors/sinks/clickhouse/table-sink.ts';
import { frame, unframe } from '../../processors/runtime/serde/wire-format.ts';
import { DECISION_ROW_COLUMNS, writeDecisionRow } from '../../processors/sinks/clickhouse/decision-row.ts';
import { NativeBlock } from '../../processors/sinks/clickhouse/native-block.ts';
import { compileNativeTranscoder } from '../../processors/sinks/clickhouse/avro-native.ts';
import { rowBlockEncoder } from '../../processors/sinks/clickhouse/block-encoder.ts';
import { tableTranscoder } from '../../processors/sinks/clickhouse/table-sink.ts';
import { HEADER_BYTES } from '../../processors/runtime/serde/wire-format.ts';
import { RowBinaryWriter } from '../../processors/sinks/clickhouse/row-binary.ts';
import { DEFAULT_BATCHING, type BatchingSink } from '../../processors/sinks/clickhouse/batching-sink.ts';
import type { DecisionRecord } from '../../processors/core/types.ts';
import type { Batch } from '../../processors/runtime/transport/transport.ts';
import { makeDecisions } from '../../test/unit/clickhouse/decision-fixtures.ts';
import { avroType } from '../../schemas/catalogue.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' },
    'lag-rate': { type: 'string', default: '5000' }, 'lag-seconds': { type: 'string', default: '10' },
    decode: { type: 'boolean', default: false },
    'min-batch': { type: 'string', default: String(DEFAULT_BATCHING.minBatchRows) },
    linger: { type: 'string', default: String(DEFAULT_BATCHING.lingerMs) },
    'stop-merges': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '1' }, fresh: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-ch-'));
const client = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
const chdb = chdbSessionOf(client);
if (!chdb) throw new Error('not a chDB client');
await applyMigrations(client, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
if (args['stop-merges']) for (const t of ['decisions', 'session_summaries']) await client.command({ query: `SYSTEM STOP MERGES ${t}` });

const avro = avroType('DecisionRecord');
const decode = (r: { value: Buffer | null }): DecisionRecord => avro.fromBuffer(unframe(r.value ?? Buffer.alloc(0), {}).body) as DecisionRecord;
const fast = args.decode ? {} : { writerSchemaId: () => 1 };
// The decoded fixtures are needed only to build the batches and files below and are dropped after: a sink holds a
// few fetched batches, not every decoded record, and keeping 200,000 record objects alive made each of the sink's
// major GCs mark them (V8's GC threads then took more CPU than the encoder; the raw runs allocate nothing).
let decisions: DecisionRecord[] | undefined = makeDecisions({ count: ROWS, partitions: 6, seed: 11 });
const toBatches = (ds: readonly DecisionRecord[], size: number): Batch[] => {
  const out: Batch[] = [];
  for (let i = 0; i < ds.length; i += size) {
    out.push({
      topic: 'arbiter.decisions', partition: 0,
      records: ds.slice(i, i + size).map((d, j) => ({
        topic: 'arbiter.decisions', partition: 0, offset: String(i + j), key: null,
        value: frame(1, avro.toBuffer(d)), headers: {}, timestampMs: d.decidedAtMs,
      })),
    });
  }
  return out;
};
const batches = toBatches(decisions, 500);
const into = `INSERT INTO decisions (${DECISION_ROW_COLUMNS.join(', ')})`;

/** Per batch size, pre-written files of the rows in RowBinary (Node's encoder) and Native (chDB's own writer). */
const files = new Map<string, string[]>();
for (const size of [10_000, 100_000]) {
  const rb: string[] = [];
  for (let i = 0; i < ROWS; i += size) {
    const w = new RowBinaryWriter();
    for (const d of decisions.slice(i, i + size)) writeDecisionRow(w, d);
    const f = join(dir, `rb-${size}-${i}`);
    writeFileSync(f, w.bytes());
    rb.push(f);
  }
  files.set(`RowBinary/${size}`, rb);
}
await client.command({ query: 'CREATE TABLE native_source AS decisions' });
for (const f of files.get('RowBinary/100000') ?? []) await chdb.queryAsync(`INSERT INTO native_source (${DECISION_ROW_COLUMNS.join(', ')}) FROM INFILE '${f}' FORMAT RowBinary`);
// In the order the sink receives the rows (the fixtures' decidedAtMs grows with it), as the RowBinary files are: the
// insert sorts by the table key, and rows grouped by tenant (the chain-partition order these files had until
// 2026-11-21) cost chDB ~15-20 % less CPU than arrival order, which flattered the raw baseline.
if (decisions.some((d, i) => i > 0 && d.decidedAtMs <= (decisions?.[i - 1]?.decidedAtMs ?? 0))) throw new Error('fixture times do not follow arrival order');
const native: string[] = [];
for (let i = 0; i < ROWS; i += 100_000) {
  const f = join(dir, `native-${i}`);
  await chdb.queryAsync(`SELECT ${DECISION_ROW_COLUMNS.join(', ')} FROM native_source ORDER BY decided_at_ms LIMIT 100000 OFFSET ${i} INTO OUTFILE '${f}' FORMAT Native`);
  native.push(f);
}
files.set('Native/100000', native);
// The same rows as the sink's own Native blocks (LowCardinality columns declared String), 100,000 rows per file.
const sinkNative: string[] = [];
for (let i = 0; i < ROWS; i += 100_000) {
  const block = new NativeBlock();
  const t = compileNativeTranscoder<DecisionRecord>(avro, DECISIONS_TABLE.columns, DECISIONS_TABLE.avro ?? { ints: {} }, block);
  for (const d of decisions.slice(i, i + 100_000)) {
    t.record(d);
    block.end();
  }
  const f = join(dir, `sink-native-${i}`);
  writeFileSync(f, Buffer.concat(block.seal().parts));
  sinkNative.push(f);
}
files.set('Native-sink/100000', sinkNative);
decisions = undefined;

async function truncate(): Promise<void> {
  await client.command({ query: 'TRUNCATE TABLE decisions' });
  await client.command({ query: 'TRUNCATE TABLE session_summaries' });
}

/** The sink's own statement on pre-written files. */
async function rawFiles(key: string): Promise<number> {
  await truncate();
  const format = key.split('/')[0]?.split('-')[0];
  const t0 = performance.now();
  // A dedup token per statement, like the sink's (without one, chDB hashes each block to deduplicate it).
  const round = Date.now();
  for (const f of files.get(key) ?? []) {
    await chdb!.queryAsync(`${into} FROM INFILE '${f}' SETTINGS optimize_on_insert = 0, insert_deduplication_token = 'raw-${round}-${f}' FORMAT ${format}`);
  }
  return ROWS / ((performance.now() - t0) / 1000);
}

/** Per sink run: wall-clock share spent with an insert in flight (the rest is JS encode with nothing to overlap),
 *  and rows per insert. */
const insertShare: Record<string, number[]> = {};
const rowsPerInsert: Record<string, number[]> = {};

/** The sinks of the throughput runs, one per format, kept across rounds (unless --fresh) with their insert time. */
const sinks = new Map<boolean, { sink: BatchingSink; insertMs: number }>();

function sinkOf(rowFormat: boolean): { sink: BatchingSink; insertMs: number } {
  const kept = args.fresh ? undefined : sinks.get(rowFormat);
  if (kept) return kept;
  const made = {
    insertMs: 0,
    sink: createDecisionsSink(client, {
      decode,
      ...fast,
      rowFormat,
      commit: async () => undefined,
      onDecodeError: (e) => { throw e; },
      asyncInsert: false,
      batching: { ...DEFAULT_BATCHING, minBatchRows: Number(args['min-batch']), lingerMs: Number(args.linger) },
      observe: (e) => {
        if (e.phase === 'inserted') made.insertMs += e.insertMs;
      },
    }),
  };
  sinks.set(rowFormat, made);
  return made;
}

async function sink(rowFormat: boolean): Promise<number> {
  await truncate();
  const s = sinkOf(rowFormat);
  const before = { rows: s.sink.stats().rowsInserted, inserts: s.sink.stats().batchesInserted, insertMs: s.insertMs };
  const t0 = performance.now();
  for (const b of batches) await s.sink.accept(b);
  // A deployed sink runs on after a burst: flush makes every row durable; --fresh closes it like a shutdown.
  await (args.fresh ? s.sink.close() : s.sink.flush());
  const ms = performance.now() - t0;
  const rows = s.sink.stats().rowsInserted - before.rows;
  if (rows !== ROWS) throw new Error(`sink inserted ${rows} of ${ROWS}`);
  (insertShare[String(rowFormat)] ??= []).push((s.insertMs - before.insertMs) / ms);
  (rowsPerInsert[String(rowFormat)] ??= []).push(ROWS / (s.sink.stats().batchesInserted - before.inserts));
  return ROWS / (ms / 1000);
}

/** The sink's JS work only: the same framed records through the same transcoder into its encoder, no insert. */
function encodeOnly(native: boolean): () => Promise<number> {
  const rb = tableTranscoder(DECISIONS_TABLE, avro);
  if (!rb || !DECISIONS_TABLE.avro) throw new Error('decisions have a transcoder');
  const block = new NativeBlock();
  const nt = compileNativeTranscoder(avro, DECISIONS_TABLE.columns, DECISIONS_TABLE.avro, block);
  const rows = rowBlockEncoder();
  const encoder = native ? block : rows;
  const write = native
    ? (v: Buffer) => nt.bytes(v, HEADER_BYTES)
    : (v: Buffer) => rb(v, rows.writer, HEADER_BYTES);
  return async () => {
    const t0 = performance.now();
    for (const b of batches) {
      for (const r of b.records) {
        encoder.begin();
        write(r.value as Buffer);
        encoder.end();
        if (encoder.rows >= 100_000) encoder.seal();
      }
    }
    encoder.seal();
    return ROWS / ((performance.now() - t0) / 1000);
  };
}

// Run order within a round (reversed every other round): the sink runs right after raw Native, so each round gives
// one back-to-back pair whose ratio a load change between distant runs does not skew.
const runs = {
  'raw RowBinary 10k': () => rawFiles('RowBinary/10000'),
  'raw RowBinary 100k': () => rawFiles('RowBinary/100000'),
  'raw Native 100k (sink encoder)': () => rawFiles('Native-sink/100000'),
  'raw Native 100k': () => rawFiles('Native/100000'),
  sink: () => sink(false),
  'sink RowBinary': () => sink(true),
  'encode Native': encodeOnly(true),
  'encode RowBinary': encodeOnly(false),
} as const;
type RunName = keyof typeof runs;
const names = Object.keys(runs) as RunName[];
const results = new Map<RunName, number[]>(names.map((n) => [n, []]));
/** Process CPU time per run (chDB runs in this process): steadier than wall time when the machine is shared. */
const cpuMs = new Map<RunName, number[]>(names.map((n) => [n, []]));
// Untimed warm-up rounds: JIT, the sinks' buffers (kept across rounds like a deployed sink's), chDB's caches.
for (let r = 0; r < WARMUP; r++) {
  for (const k of names) await runs[k]();
  console.log(`warm-up round ${r + 1} done (not counted)`);
}
for (let r = 0; r < ROUNDS; r++) {
  for (const k of r % 2 === 0 ? names : [...names].reverse()) {
    const c0 = process.cpuUsage();
    results.get(k)?.push(await runs[k]());
    const c = process.cpuUsage(c0);
    cpuMs.get(k)?.push((c.user + c.system) / 1000);
  }
  console.log(`round ${r + 1}: ${names.map((n) => `${n} ${results.get(n)?.at(-1)?.toFixed(0)}`).join(', ')} rows/s`);
}
const med = (n: RunName): number => median(results.get(n) ?? []);
console.log(`median rows/s over ${ROUNDS} rounds of ${ROWS}: ${names.map((n) => `${n} ${med(n).toFixed(0)}`).join(', ')}`);
const rawRowBinary = Math.max(med('raw RowBinary 10k'), med('raw RowBinary 100k'));
const share = (k: boolean): string => `${(100 * median(insertShare[String(k)] ?? [])).toFixed(0)}%`;
console.log(`wall time with an insert in flight: sink ${share(false)}, sink RowBinary ${share(true)}; rows per insert: sink ${median(rowsPerInsert['false'] ?? []).toFixed(0)}, sink RowBinary ${median(rowsPerInsert['true'] ?? []).toFixed(0)}`);
console.log(`median process CPU ms per ${ROWS} rows: ${names.map((n) => `${n} ${median(cpuMs.get(n) ?? []).toFixed(0)}`).join(', ')}`);
const paired = median((results.get('sink') ?? []).map((x, i) => x / (results.get('raw Native 100k')?.[i] ?? Infinity)));
const cpuRatio = median(cpuMs.get('raw Native 100k') ?? []) / median(cpuMs.get('sink') ?? []);
console.log(`sink / raw Native: median of the back-to-back pairs ${paired.toFixed(2)}, process CPU raw / sink ${cpuRatio.toFixed(2)}; load average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`sink / raw Native = ${(med('sink') / med('raw Native 100k')).toFixed(2)}; sink / raw RowBinary = ${(med('sink') / rawRowBinary).toFixed(2)}; sink / sink RowBinary = ${(med('sink') / med('sink RowBinary')).toFixed(2)}`);
const target = (what: string, ok: boolean, value: string): void => console.log(`TARGET ${what}: ${ok ? 'MET' : 'NOT MET'} (${value})`);
target('sink >= 100,000 decisions/s', med('sink') >= 100_000, `${med('sink').toFixed(0)} decisions/s, median`);
target('sink >= 0.5x raw chDB Native insert of the same rows', med('sink') / med('raw Native 100k') >= 0.5, `${(med('sink') / med('raw Native 100k')).toFixed(2)}x`);
target('sink >= 0.5x raw chDB RowBinary insert of the same rows', med('sink') / rawRowBinary >= 0.5, `${(med('sink') / rawRowBinary).toFixed(2)}x`);

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
  ...fast,
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

for (const s of sinks.values()) await s.sink.close();
await client.close();
rmSync(dir, { recursive: true, force: true });
