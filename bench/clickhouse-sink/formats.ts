// Where chDB's insert time goes, per format and setting, for the same decision rows into the same table.
//   node bench/clickhouse-sink/formats.ts [--rows 100000] [--batch 20000] [--rounds 3] [--only <regex of names>]
// Every variant inserts the same rows (fixtures, seed 11) in --batch-row statements into a freshly truncated table;
// "no MV" variants insert into a copy of the decisions table without the session-summary view. "file <format>"
// variants read files chDB itself rendered in that format (INSERT ... SELECT FROM file()), i.e. chDB's parse cost
// of each format with no Node encoder involved; "infile Native, LowCardinality as String" is chDB's Native with the
// LowCardinality columns cast to String (the types the sink's Native encoder declares). Prints medians of rows/s and
// of the process CPU time per variant (chDB runs in-process: CPU-ms is steadier than wall time on a shared machine);
// only same-run ratios mean anything here.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { DECISION_ROW_COLUMNS, encodeDecisionRow } from '../../processors/sinks/clickhouse/decision-row.ts';
import { makeDecisions } from '../../test/unit/clickhouse/decision-fixtures.ts';

const { values: args } = parseArgs({
  options: { rows: { type: 'string', default: '100000' }, batch: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' }, only: { type: 'string', default: '' } },
});
const ROWS = Number(args.rows);
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);

const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-fmt-'));
const conn = createChdbConnection({ path: join(dir, 'chdb') });
const client = createClient({ connection: conn as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'] });
await applyMigrations(client, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
await client.command({ query: 'CREATE TABLE decisions_nomv AS decisions' });

const decisions = makeDecisions({ count: ROWS, partitions: 6, seed: 11 });
const json = decisions.map(encodeDecisionRow);
const cols = DECISION_ROW_COLUMNS;
const batches = <T>(xs: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += BATCH) out.push(xs.slice(i, i + BATCH));
  return out;
};
const jsonBodies = batches(json).map((b) => `${b.join('\n')}\n`);
const jsonBuffers = jsonBodies.map((b) => Buffer.from(b));
console.log(`rows ${ROWS}, batch ${BATCH}, mean JSONCompactEachRow line ${(jsonBuffers.reduce((a, b) => a + b.length, 0) / ROWS).toFixed(0)} bytes`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

type Variant = { name: string; run: () => Promise<void> };
const settingsSql = (s: Record<string, number>): string => {
  const e = Object.entries(s);
  return e.length ? ` SETTINGS ${e.map(([k, v]) => `${k}=${v}`).join(', ')}` : '';
};
const viaQuery = (table: string, s: Record<string, number> = {}): Variant['run'] => async () => {
  for (const b of jsonBodies) await conn.chdb.queryAsync(`INSERT INTO ${table} (${cols.join(', ')})${settingsSql(s)} FORMAT JSONCompactEachRow\n${b}`);
};
const viaRaw = (table: string, s: Record<string, number> = {}): Variant['run'] => async () => {
  for (const b of jsonBuffers) await conn.chdb.rawInsert({ table, columns: cols, format: 'JSONCompactEachRow', values: b, settings: s });
};
// Other formats: chDB renders the same rows (loaded once) into per-batch files; variants insert from file().
const fileDir = join(dir, 'files');
for (const b of jsonBuffers) await conn.chdb.rawInsert({ table: 'decisions_nomv', columns: cols, format: 'JSONCompactEachRow', values: b });
const FORMATS = ['JSONCompactEachRow', 'TabSeparated', 'RowBinary', 'Native', 'Parquet', 'ArrowStream'] as const;
mkdirSync(fileDir);
const nBatches = Math.ceil(ROWS / BATCH);
for (const f of FORMATS) {
  for (let i = 0; i < nBatches; i++) {
    await conn.chdb.queryAsync(`SELECT ${cols.join(', ')} FROM decisions_nomv ORDER BY chain_partition, chain_seq LIMIT ${BATCH} OFFSET ${i * BATCH} INTO OUTFILE '${join(fileDir, `${f}-${i}`)}' FORMAT ${f}`);
  }
}
// The sink's declared types: LowCardinality(T) -> T, also inside Array, Tuple and Map.
const asString = (await (await client.query({ query: `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'decisions_nomv'`, format: 'JSONEachRow' })).json<{ name: string; type: string }>())
  .filter((c) => cols.includes(c.name))
  .map((c) => (c.type.includes('LowCardinality') ? `CAST(${c.name}, '${c.type.replace(/LowCardinality\((\w+)\)/g, '$1')}') AS ${c.name}` : c.name));
for (let i = 0; i < nBatches; i++) {
  await conn.chdb.queryAsync(`SELECT ${asString.join(', ')} FROM decisions_nomv ORDER BY chain_partition, chain_seq LIMIT ${BATCH} OFFSET ${i * BATCH} INTO OUTFILE '${join(fileDir, `NativeString-${i}`)}' FORMAT Native`);
}
for (const f of [...FORMATS, 'NativeString']) console.log(`${f}: ${(statSync(join(fileDir, `${f}-0`)).size / BATCH).toFixed(0)} bytes/row`);
const tsvBuffers = Array.from({ length: nBatches }, (_, i) => readFileSync(join(fileDir, `TabSeparated-${i}`)));
const viaFile = (f: string, table: string, s: Record<string, number> = {}): Variant['run'] => async () => {
  for (let i = 0; i < nBatches; i++) await conn.chdb.queryAsync(`INSERT INTO ${table} (${cols.join(', ')})${settingsSql(s)} SELECT * FROM file('${join(fileDir, `${f}-${i}`)}', ${f})`);
};
const noOpt = { optimize_on_insert: 0 };
/** The sink's statement (FROM INFILE) on the RowBinary files, with extra settings. */
const viaInfile = (table: string, extra: Record<string, number> = {}): Variant['run'] => async () => {
  for (let i = 0; i < nBatches; i++) {
    await conn.chdb.queryAsync(`INSERT INTO ${table} (${cols.join(', ')}) FROM INFILE '${join(fileDir, `RowBinary-${i}`)}'${settingsSql({ ...noOpt, ...extra })} FORMAT RowBinary`);
  }
};
const fileVariants: Variant[] = FORMATS.map((f) => ({ name: `file ${f}, MV, no optimize`, run: viaFile(f, 'decisions', noOpt) }));
/** The sink's statement (FROM INFILE) on chDB-rendered files of a format. */
const infile = (file: string, format: string): Variant['run'] => async () => {
  for (let i = 0; i < nBatches; i++) {
    await conn.chdb.queryAsync(`INSERT INTO decisions (${cols.join(', ')}) FROM INFILE '${join(fileDir, `${file}-${i}`)}' SETTINGS optimize_on_insert = 0 FORMAT ${format}`);
  }
};
fileVariants.push(
  { name: 'infile Native, MV, no optimize', run: infile('Native', 'Native') },
  { name: 'infile Native, LowCardinality as String', run: infile('NativeString', 'Native') },
);
const variants: Variant[] = [
  ...fileVariants,
  { name: 'infile RowBinary, MV, no optimize', run: viaInfile('decisions') },
  { name: 'infile RowBinary, no MV, no optimize', run: viaInfile('decisions_nomv') },
  { name: 'infile RowBinary, MV, no optimize, 1 thread', run: viaInfile('decisions', { max_threads: 1, max_insert_threads: 1 }) },
  { name: 'infile RowBinary, MV, no optimize, no squashing', run: viaInfile('decisions', { min_insert_block_size_rows: 0, min_insert_block_size_bytes: 0 }) },
  { name: 'rawInsert TSV, MV, no optimize', run: async () => { for (const b of tsvBuffers) await conn.chdb.rawInsert({ table: 'decisions', columns: cols, format: 'TSV', values: b, settings: noOpt }); } },
  { name: 'rawInsert Buffer, no MV, no optimize', run: viaRaw('decisions_nomv', noOpt) },
  { name: 'query string, MV', run: viaQuery('decisions') },
  { name: 'rawInsert Buffer, MV', run: viaRaw('decisions') },
  { name: 'query string, no MV', run: viaQuery('decisions_nomv') },
  { name: 'rawInsert Buffer, no MV', run: viaRaw('decisions_nomv') },
  { name: 'rawInsert, MV, parallel_parsing=0', run: viaRaw('decisions', { input_format_parallel_parsing: 0 }) },
  { name: 'rawInsert, MV, optimize_on_insert=0', run: viaRaw('decisions', { optimize_on_insert: 0 }) },
  { name: 'rawInsert, MV, max_insert_threads=2', run: viaRaw('decisions', { max_insert_threads: 2 }) },
  { name: 'rawInsert, MV, parallel_view_processing=1', run: viaRaw('decisions', { parallel_view_processing: 1 }) },
].filter((v) => !args.only || new RegExp(args.only).test(v.name));

const results = new Map<string, number[]>();
const cpuMs = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    await client.command({ query: 'TRUNCATE TABLE decisions' });
    await client.command({ query: 'TRUNCATE TABLE decisions_nomv' });
    await client.command({ query: 'TRUNCATE TABLE session_summaries' });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await v.run();
    const rate = ROWS / ((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    results.set(v.name, [...(results.get(v.name) ?? []), rate]);
    cpuMs.set(v.name, [...(cpuMs.get(v.name) ?? []), (c.user + c.system) / 1000]);
  }
}
for (const v of variants) {
  console.log(`${v.name.padEnd(45)} ${median(results.get(v.name) ?? []).toFixed(0).padStart(8)} rows/s  (${(results.get(v.name) ?? []).map((x) => x.toFixed(0)).join(', ')}), CPU ${median(cpuMs.get(v.name) ?? []).toFixed(0)} ms`);
}
await client.close();
rmSync(dir, { recursive: true, force: true });
