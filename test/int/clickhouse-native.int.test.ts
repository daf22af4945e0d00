// The decisions sink's Native path against chDB: the block it writes is byte for byte the block chDB itself writes
// for the same rows, in the table's own types (LowCardinality columns dictionary-encoded), and the rows it stores
// are the rows the RowBinary path stores: same records after SELECT ... FINAL, from current-schema bytes and from
// records of an older schema version alike; a retried block is deduplicated by its token; the chain verifies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chdbSessionOf, createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { createDecisionsSink, DECISIONS_TABLE } from '../../processors/sinks/clickhouse/table-sink.ts';
import { compileNativeTranscoder } from '../../processors/sinks/clickhouse/avro-native.ts';
import { NativeBlock } from '../../processors/sinks/clickhouse/native-block.ts';
import { RowBinaryWriter } from '../../processors/sinks/clickhouse/row-binary.ts';
import { DECISION_ROW_COLUMNS, fromDecisionRow, writeDecisionRow } from '../../processors/sinks/clickhouse/decision-row.ts';
import { verifyChain } from '../../processors/sinks/clickhouse/verify-chain.ts';
import { frame, unframe } from '../../processors/runtime/serde/wire-format.ts';
import { avroType } from '../../schemas/catalogue.ts';
import type { DecisionRecord } from '../../processors/core/types.ts';
import type { Batch } from '../../processors/runtime/transport/transport.ts';
import { makeDecisions, olderDecisionRecordType } from '../unit/clickhouse/decision-fixtures.ts';

const type = avroType('DecisionRecord');
// An older DecisionRecord version (schema id 2 here).
const older = olderDecisionRecordType();
const fromOlder = type.createResolver(older);
const CURRENT_ID = 1;
const OLDER_ID = 2;

let dir: string;
let ch: ClickHouseClient;

const cols = DECISION_ROW_COLUMNS.join(', ');
async function stored(): Promise<DecisionRecord[]> {
  const rs = await (await ch.query({ query: `SELECT ${cols} FROM decisions FINAL ORDER BY decision_id`, format: 'JSONEachRow' })).json<Parameters<typeof fromDecisionRow>[0]>();
  return rs.map(fromDecisionRow);
}
async function count(): Promise<number> {
  const [r] = await (await ch.query({ query: 'SELECT count() AS n FROM decisions', format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(r?.n);
}
async function truncate(): Promise<void> {
  await ch.command({ query: 'TRUNCATE TABLE decisions' });
  await ch.command({ query: 'TRUNCATE TABLE session_summaries' });
}

/** Every third record framed with the older schema, the rest with the current one; 400 records per batch. */
function batches(ds: readonly DecisionRecord[]): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < ds.length; i += 400) {
    out.push({
      topic: 'arbiter.decisions', partition: 0,
      records: ds.slice(i, i + 400).map((d, j) => ({
        topic: 'arbiter.decisions', partition: 0, offset: String(i + j), key: null, headers: {}, timestampMs: d.decidedAtMs,
        value: (i + j) % 3 === 2 ? frame(OLDER_ID, older.toBuffer({ ...d, legacyNote: 'x' })) : frame(CURRENT_ID, type.toBuffer(d)),
      })),
    });
  }
  return out;
}

async function sinkAll(bs: readonly Batch[], rowFormat: boolean, minBatchRows = 1_000): Promise<{ inserts: number; decoded: number }> {
  let decoded = 0;
  const sink = createDecisionsSink(ch, {
    decode: (r) => {
      decoded++;
      const { schemaId, body } = unframe(r.value ?? Buffer.alloc(0), {});
      return (schemaId === OLDER_ID ? type.fromBuffer(body, fromOlder) : type.fromBuffer(body)) as DecisionRecord;
    },
    writerSchemaId: () => CURRENT_ID,
    rowFormat,
    commit: async () => undefined,
    onDecodeError: (e) => { throw e; },
    asyncInsert: false,
    // Exact blocks (min = max) wait for a full block however slow the machine is.
    batching: { minBatchRows, maxBatchRows: 1_500, lingerMs: minBatchRows === 1_500 ? 60_000 : 50, maxBufferedRows: 100_000, insertAttempts: 1, retryBackoffMs: 1 },
  });
  for (const b of bs) await sink.accept(b);
  await sink.close();
  return { inserts: sink.stats().batchesInserted, decoded };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-native-'));
  ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  await applyMigrations(ch, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
});
afterAll(async () => {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The sink encoder's block for `records` (sorted by id) equals the block chDB writes itself when it selects the
 *  same rows from a table like decisions; the types the sink declares are the table's. */
async function sameBlockAsChdb(records: readonly DecisionRecord[]): Promise<void> {
  const chdb = chdbSessionOf(ch);
  if (!chdb) throw new Error('not chDB');
  const ds = [...records].sort((a, b) => (a.decisionId < b.decisionId ? -1 : 1));
  await ch.command({ query: 'CREATE TABLE native_oracle AS decisions' });
  try {
    const rb = new RowBinaryWriter();
    for (const d of ds) writeDecisionRow(rb, d);
    const rbFile = join(dir, 'oracle.rowbinary');
    writeFileSync(rbFile, rb.bytes());
    await chdb.queryAsync(`INSERT INTO native_oracle (${cols}) FROM INFILE '${rbFile}' FORMAT RowBinary`);
    const block = new NativeBlock();
    const t = compileNativeTranscoder<DecisionRecord>(type, DECISIONS_TABLE.columns, DECISIONS_TABLE.avro ?? { ints: {} }, block);
    for (const d of ds) {
      t.bytes(type.toBuffer(d));
      block.end();
    }
    const { parts } = block.seal();
    const mine = Buffer.concat(parts);
    // The types the sink declares, read from its column heads (a part starting with a column name and a type).
    const declared: string[] = [];
    for (const p of parts) {
      const b = Buffer.from(p);
      const n1 = b[0] as number;
      const name = b.subarray(1, 1 + n1).toString('utf8');
      const n2 = b[1 + n1] as number;
      if (name === DECISION_ROW_COLUMNS[declared.length] && 2 + n1 + n2 <= b.length) declared.push(`${name} ${b.subarray(2 + n1, 2 + n1 + n2).toString('utf8')}`);
    }
    const table = await (await ch.query({ query: `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'native_oracle' AND name IN (${DECISION_ROW_COLUMNS.map((c) => `'${c}'`).join(', ')}) ORDER BY position`, format: 'JSONEachRow' })).json<{ name: string; type: string }>();
    expect(declared).toEqual(table.map((c) => `${c.name} ${c.type}`));
    const out = join(dir, 'oracle.native');
    rmSync(out, { force: true });
    await chdb.queryAsync(`SELECT ${cols} FROM native_oracle ORDER BY decision_id INTO OUTFILE '${out}' FORMAT Native SETTINGS max_block_size = 100000`);
    const theirs = readFileSync(out);
    expect(theirs.length).toBe(mine.length);
    expect(theirs.equals(mine)).toBe(true);
  } finally {
    await ch.command({ query: 'DROP TABLE native_oracle' });
  }
}

describe('decisions sink, Native blocks', () => {
  it('writes, byte for byte, the Native block chDB writes for the same rows, in the table\'s own column types', async () => {
    const [base] = makeDecisions({ count: 1, partitions: 1, seed: 21 });
    if (!base) throw new Error('no fixture');
    const odd: DecisionRecord = {
      ...base, decisionId: 'zz-odd', sessionId: 'zürich-€-😀', intent: 'x'.repeat(3000), reasons: ['', 'é'.repeat(70)],
      argsMinimised: { 'ключ': 'знач', '': '' }, factsUsed: { 'a': '1', 'b': '' }, latencyUs: 4_294_967_295, chainSeq: 2 ** 52,
      modifications: [{ kind: 'truncate', path: 'a.b', ruleId: 'r', detail: '' }, { kind: 'redact', path: 'c', ruleId: 's', detail: 'd' }],
      shadow: [{ ruleId: 'r', mode: 'warn', effect: 'escalate', reason: 'ß' }], tool: 'ツール', errorCode: 'E'.repeat(300),
    };
    await sameBlockAsChdb([...makeDecisions({ count: 3_000, partitions: 3, seed: 21 }), odd]);
    // More than 255 distinct values in a LowCardinality column (agent_id, rule_ids' items): 16-bit indexes.
    await sameBlockAsChdb(makeDecisions({ count: 400, partitions: 2, seed: 24 }).map((d, i) => ({ ...d, agentId: `agent-${i}`, ruleIds: [`r-${i}`, 'r'] })));
    // Every Array and Map of LowCardinality empty in the whole block: those columns carry no dictionary at all.
    await sameBlockAsChdb(makeDecisions({ count: 5, partitions: 1, seed: 25 }).map((d) => ({ ...d, ruleIds: [], modifications: [], shadow: [], dataLabels: [], factsUsed: {} })));
  });

  it('stores the same rows as the RowBinary path, from current-schema bytes and older-schema records alike', async () => {
    const ds = makeDecisions({ count: 5_000, partitions: 4, seed: 22 });
    const bs = batches(ds);
    await truncate();
    const native = await sinkAll(bs, false);
    const viaNative = await stored();
    await truncate();
    const rowBinary = await sinkAll(bs, true);
    const viaRowBinary = await stored();
    expect(native.decoded).toBe(Math.floor(ds.length / 3)); // the older-schema records, and nothing else
    expect(rowBinary.decoded).toBe(native.decoded);
    expect(native.inserts).toBeGreaterThanOrEqual(4); // several blocks: offsets restart per block
    expect(viaNative).toHaveLength(ds.length);
    expect(viaNative).toEqual(viaRowBinary);
    expect(viaNative).toEqual([...ds].sort((a, b) => (a.decisionId < b.decisionId ? -1 : 1)));
    expect((await verifyChain(ch)).ok).toBe(true);
  });

  it('deduplicates a block inserted again with the same token (a retry after an unacknowledged insert)', async () => {
    const ds = makeDecisions({ count: 3_000, partitions: 2, seed: 23 });
    const bs = batches(ds);
    await truncate();
    // minBatchRows = maxBatchRows and a long linger: blocks are sealed at exactly 1,500 rows whatever the timing, so
    // both runs insert the same blocks with the same tokens.
    await sinkAll(bs, false, 1_500);
    expect(await count()).toBe(ds.length);
    await sinkAll(bs, false, 1_500);
    expect(await count()).toBe(ds.length);
    // A redelivery of the first 2,000: block 0..1499 again (dropped), then 1500..1999 as a 500-row block (a new token:
    // inserted, and collapsed by FINAL).
    await sinkAll(batches(ds.slice(0, 2_000)), false, 1_500);
    expect(await count()).toBe(ds.length + 500);
    expect(await stored()).toHaveLength(ds.length);
  });
});
