// The decisions sink against real ClickHouse (chDB, embedded): migrations, idempotent redelivery, chain verify
// and tampering, and event-loop responsiveness during a big insert.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { applyMigrations, DEFAULT_TTL_DAYS, loadMigrations, MIGRATIONS_DIR } from '../../processors/sinks/clickhouse/migrations.ts';
import { createDecisionsSink } from '../../processors/sinks/clickhouse/table-sink.ts';
import { verifyChain } from '../../processors/sinks/clickhouse/verify-chain.ts';
import { DECISION_ROW_COLUMNS, encodeDecisionRow, fromDecisionRow } from '../../processors/sinks/clickhouse/decision-row.ts';
import { Session } from 'chdb';
import { main as verifyMain } from '../../processors/cli/verify.ts';
import { computeHash } from '../../processors/core/chain.ts';
import type { DecisionRecord } from '../../processors/core/types.ts';
import type { Batch, TopicPartitionOffset } from '../../processors/runtime/transport/transport.ts';
import { makeDecisions } from '../unit/clickhouse/decision-fixtures.ts';

const schema = { database: 'default', ttlDays: DEFAULT_TTL_DAYS };
let dir: string;
let ch: ClickHouseClient;

async function rows<T>(query: string): Promise<T[]> {
  return (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
}
/** One result row; 64-bit integers arrive quoted (JSON), so numeric strings become numbers. */
async function one(query: string): Promise<Record<string, unknown>> {
  const [r] = await rows<Record<string, unknown>>(query);
  if (!r) throw new Error(`no row from ${query}`);
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]));
}

/** Records as the transport would hand them over: per partition, in offset order, value = JSON of the record. */
function asBatches(records: readonly DecisionRecord[], perBatch: number): Batch[] {
  const byPartition = new Map<number, DecisionRecord[]>();
  for (const r of records) {
    const list = byPartition.get(r.chainPartition) ?? [];
    list.push(r);
    byPartition.set(r.chainPartition, list);
  }
  const out: Batch[] = [];
  for (const [partition, rs] of byPartition) {
    for (let i = 0; i < rs.length; i += perBatch) {
      out.push({
        topic: 'arbiter.decisions', partition,
        records: rs.slice(i, i + perBatch).map((r) => ({
          topic: 'arbiter.decisions', partition, offset: String(r.chainSeq), key: null,
          value: Buffer.from(JSON.stringify(r)), headers: {}, timestampMs: r.decidedAtMs,
        })),
      });
    }
  }
  return out;
}

async function sinkAll(records: readonly DecisionRecord[], perBatch: number, minBatchRows: number): Promise<TopicPartitionOffset[][]> {
  const commits: TopicPartitionOffset[][] = [];
  const sink = createDecisionsSink(ch, {
    decode: (r) => JSON.parse(String(r.value)) as DecisionRecord,
    commit: async (offsets) => void commits.push([...offsets]),
    onDecodeError: (e) => { throw e; },
    asyncInsert: false,
    batching: { minBatchRows, maxBatchRows: 100_000, lingerMs: 50, maxBufferedRows: 200_000, insertAttempts: 2, retryBackoffMs: 10 },
  });
  for (const b of asBatches(records, perBatch)) await sink.accept(b);
  await sink.close();
  return commits;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbiter-ch-sink-'));
  ch = createClickHouse({ kind: 'chdb', path: join(dir, 'chdb') });
  await applyMigrations(ch, schema);
});
afterAll(async () => {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const t of ['decisions', 'session_summaries']) await ch.command({ query: `TRUNCATE TABLE ${t}` });
});

describe('migrations', () => {
  it('are recorded in schema_migrations and applying them again changes nothing', async () => {
    const again = await applyMigrations(ch, schema);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(loadMigrations().map((m) => m.version));
    const recorded = await rows<{ version: number; name: string }>('SELECT version, name FROM schema_migrations FINAL ORDER BY version');
    expect(recorded.map((r) => r.name)).toEqual(['decisions', 'session_summaries', 'alerts', 'approvals', 'pipeline_metrics', 'approval_review', 'approval_accepted_resolution']);
    const tables = (await rows<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase()")).map((r) => r.name);
    for (const t of ['decisions', 'session_summaries', 'session_summary', 'alerts', 'approval_events', 'approvals', 'pipeline_metrics']) expect(tables).toContain(t);
  });

  it('refuse to run when an applied migration file was edited (ARB_CH_MIGRATION_CHANGED naming the file)', async () => {
    const edited = join(dir, 'edited');
    mkdirSync(edited);
    for (const f of readdirSync(MIGRATIONS_DIR)) copyFileSync(join(MIGRATIONS_DIR, f), join(edited, f));
    writeFileSync(join(edited, '0003_alerts.sql'), '-- edited\nSELECT 1;\n');
    await expect(applyMigrations(ch, schema, loadMigrations(edited))).rejects.toThrow(/ARB_CH_MIGRATION_CHANGED.*0003_alerts\.sql/s);
  });

  it('apply the configured TTL on start', async () => {
    await applyMigrations(ch, { ...schema, ttlDays: { ...DEFAULT_TTL_DAYS, decisions: 31 } });
    const ddl = await one("SELECT create_table_query AS q FROM system.tables WHERE name = 'decisions' AND database = currentDatabase()");
    expect(String(ddl['q'])).toMatch(/TTL toDateTime\(decided_at\) \+ toIntervalDay\(31\)/);
    await applyMigrations(ch, schema);
  });
});

describe('decisions sink', () => {
  it('stores every field so each row re-hashes to its stored hash, and commits offset+1 per partition', async () => {
    const ds = makeDecisions({ count: 3000, partitions: 3, seed: 1 });
    const commits = await sinkAll(ds, 500, 1000);
    expect(await one('SELECT count() AS n FROM decisions')).toEqual({ n: 3000 });
    const last = new Map(commits.flat().map((c) => [c.partition, c.offset]));
    for (const p of [0, 1, 2]) {
      const maxSeq = Math.max(...ds.filter((d) => d.chainPartition === p).map((d) => d.chainSeq));
      expect(last.get(p)).toBe(String(maxSeq + 1));
    }
    const report = await verifyChain(ch);
    expect(report.problems).toEqual([]);
    expect(report.partitions.reduce((n, p) => n + p.rows, 0)).toBe(3000);
  });

  it('reads back exactly the record it was given, for non-ASCII, long, empty and extreme values (decoded records: the Native body on chDB)', async () => {
    const [base] = makeDecisions({ count: 1, partitions: 1, seed: 9 });
    if (!base) throw new Error('no fixture');
    const odd: DecisionRecord = {
      ...base,
      sessionId: 'sess-zürich-€-😀', userId: 'ü'.repeat(300), intent: 'x'.repeat(5000), tool: 'файлы.записать',
      reasons: ['', 'quote \' backslash \\ tab \t newline \n', '€'.repeat(42)],
      ruleIds: ['r.1', 'r.ü'],
      modifications: [{ kind: 'redact', path: 'body.ä', ruleId: 'r.1', detail: 'd'.repeat(200) }],
      shadow: [{ ruleId: 'r.s', mode: 'observe', effect: 'deny', reason: 'ß' }],
      argsMinimised: { 'ключ': 'знач', '': '', long: 'v'.repeat(1000) },
      factsUsed: {}, destinations: [], dataLabels: ['pii', 'ü'],
      decidedAtMs: 4_102_444_800_000, latencyUs: 4_294_967_295, chainSeq: 2 ** 53 - 1,
    };
    await sinkAll([odd], 1, 1);
    const [row] = await rows<Parameters<typeof fromDecisionRow>[0]>(`SELECT ${DECISION_ROW_COLUMNS.join(', ')} FROM decisions`);
    expect(row && fromDecisionRow(row)).toEqual(odd);
  });

  it('redelivering the same decisions never yields a second row per decision id (FINAL, and after merge)', async () => {
    const ds = makeDecisions({ count: 20_000, partitions: 4, seed: 2 });
    await sinkAll(ds, 1000, 10_000);
    // A redelivery after a crash re-forms batches differently (other sizes, so other dedup tokens).
    await sinkAll(ds.slice(5_000), 700, 12_000);
    const raw = await one('SELECT count() AS n, uniqExact(decision_id) AS ids FROM decisions');
    expect(raw['ids']).toBe(20_000);
    expect(Number(raw['n'])).toBeGreaterThan(20_000); // the copies really were inserted
    expect(await one('SELECT count() AS n, uniqExact(decision_id) AS ids FROM decisions FINAL')).toEqual({ n: 20_000, ids: 20_000 });
    await ch.command({ query: 'OPTIMIZE TABLE decisions FINAL' });
    expect(await one('SELECT count() AS n FROM decisions')).toEqual({ n: 20_000 });
    expect((await verifyChain(ch)).ok).toBe(true);
    const sessions = await one('SELECT sum(decisions) AS n, sum(denies) AS d FROM session_summary');
    expect(sessions).toEqual({ n: 20_000, d: ds.filter((x) => x.effect === 'deny').length });
  });

  it('an identical batch re-inserted with the same dedup token is dropped at insert time', async () => {
    const ds = makeDecisions({ count: 2000, partitions: 1, seed: 3 });
    await sinkAll(ds, 2000, 2000);
    await sinkAll(ds, 2000, 2000);
    expect(await one('SELECT count() AS n FROM decisions')).toEqual({ n: 2000 });
  });

  it('keeps the event loop responsive while a 100,000-row batch is inserted (control: a blocking chDB call does not)', async () => {
    const ds = makeDecisions({ count: 100_000, partitions: 4, seed: 4 });
    /** Runs `work` while counting 10 ms ticks and the loop delay; ratio = ticks seen / ticks a free loop would see. */
    async function underWatch(work: () => Promise<unknown> | unknown): Promise<{ elapsed: number; ratio: number; maxMs: number; p50Ms: number }> {
      const delay = monitorEventLoopDelay({ resolution: 5 });
      let ticks = 0;
      const tick = setInterval(() => ticks++, 10);
      delay.enable();
      const t0 = performance.now();
      await work();
      await new Promise((r) => setImmediate(r));
      const elapsed = performance.now() - t0;
      delay.disable();
      clearInterval(tick);
      return { elapsed, ratio: ticks / (elapsed / 10), maxMs: delay.max / 1e6, p50Ms: delay.percentile(50) / 1e6 };
    }
    const fmt = (m: { elapsed: number; ratio: number; maxMs: number; p50Ms: number }): string =>
      `${m.elapsed.toFixed(0)} ms, ticks ${(100 * m.ratio).toFixed(0)}% of a free loop, delay p50 ${m.p50Ms.toFixed(1)} ms, max ${m.maxMs.toFixed(0)} ms`;

    const sink = createDecisionsSink(ch, {
      decode: (r) => JSON.parse(String(r.value)) as DecisionRecord,
      commit: async () => undefined,
      onDecodeError: (e) => { throw e; },
      asyncInsert: false,
      batching: { minBatchRows: 100_000, maxBatchRows: 100_000, lingerMs: 60_000, maxBufferedRows: 200_000, insertAttempts: 1, retryBackoffMs: 1 },
    });
    for (const b of asBatches(ds, 1000)) {
      await sink.accept(b);
      await new Promise((r) => setImmediate(r)); // as between fetches
    }
    expect(sink.stats().rowsInserted).toBe(0);
    const sinkRun = await underWatch(() => sink.flush());
    expect(sink.stats().rowsInserted).toBe(100_000);

    // Control: the same rows through chDB's synchronous API on a second session of the same path.
    await ch.command({ query: 'CREATE TABLE IF NOT EXISTS loop_control AS decisions' });
    const body = `INSERT INTO loop_control (${DECISION_ROW_COLUMNS.join(', ')}) FORMAT JSONCompactEachRow\n${ds.map(encodeDecisionRow).join('\n')}`;
    const session = new Session(join(dir, 'chdb'));
    const blocking = await underWatch(() => session.query(body));
    session.close();
    console.log(`100k-row insert through the sink: ${fmt(sinkRun)}\n100k-row blocking chDB insert (control): ${fmt(blocking)}`);
    // The machine is shared, so a starved process misses ticks too; the control calibrates what "blocked" looks like.
    expect(blocking.ratio).toBeLessThan(0.1);
    expect(sinkRun.ratio).toBeGreaterThan(0.2);
    expect(sinkRun.ratio).toBeGreaterThan(3 * blocking.ratio);
    expect(sinkRun.elapsed).toBeGreaterThan(4 * sinkRun.maxMs);
  });
});

describe('arbiter verify', () => {
  async function seeded(): Promise<DecisionRecord[]> {
    const ds = makeDecisions({ count: 2000, partitions: 2, seed: 5 });
    await sinkAll(ds, 500, 2000);
    return ds;
  }
  const pick = (ds: DecisionRecord[], partition: number, seq: number): DecisionRecord => {
    const d = ds.find((x) => x.chainPartition === partition && x.chainSeq === seq);
    if (!d) throw new Error('fixture');
    return d;
  };

  it('passes on an intact chain (CLI exit 0), and exits 1 naming the row once one is altered', async () => {
    const ds = await seeded();
    const out: string[] = [];
    expect(await verifyMain(['--chdb', join(dir, 'chdb')], (s) => out.push(s))).toBe(0);
    expect(out.join('\n')).toMatch(/partition 0: \d+ rows[\s\S]*OK: every chain is intact/);
    const victim = pick(ds, 0, 7);
    await ch.command({
      query: `ALTER TABLE decisions UPDATE latency_us = latency_us + 1 WHERE decision_id = {id:String}`,
      query_params: { id: victim.decisionId },
      clickhouse_settings: { mutations_sync: '2' },
    });
    out.length = 0;
    expect(await verifyMain(['--chdb', join(dir, 'chdb')], (s) => out.push(s))).toBe(1);
    expect(out.join('\n')).toContain(`ARB_CHAIN_HASH_MISMATCH partition 0 seq 7 decision ${victim.decisionId}`);
  });

  it('names an altered row by decision id and seq', async () => {
    const ds = await seeded();
    const victim = pick(ds, 1, 123);
    await ch.command({
      query: `ALTER TABLE decisions UPDATE reasons = ['nothing to see'] WHERE decision_id = {id:String}`,
      query_params: { id: victim.decisionId },
      clickhouse_settings: { mutations_sync: '2' },
    });
    const report = await verifyChain(ch);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'ARB_CHAIN_HASH_MISMATCH', partition: 1, seq: 123, decisionId: victim.decisionId }),
    ]);
  });

  it('names a deleted row as a gap at its seq', async () => {
    const ds = await seeded();
    const victim = pick(ds, 0, 400);
    await ch.command({ query: `DELETE FROM decisions WHERE decision_id = {id:String}`, query_params: { id: victim.decisionId } });
    const report = await verifyChain(ch);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'ARB_CHAIN_GAP', partition: 0, seq: 401, decisionId: pick(ds, 0, 401).decisionId }),
    ]);
    expect(report.problems[0]?.detail).toContain('seq 400..400');
  });

  it('reports rows expired from the start of a chain as a gap, unless told the prefix expired legitimately', async () => {
    const ds = await seeded();
    await ch.command({ query: 'DELETE FROM decisions WHERE chain_partition = 0 AND chain_seq < 10' });
    const strict = await verifyChain(ch);
    expect(strict.problems).toEqual([expect.objectContaining({ code: 'ARB_CHAIN_GAP', partition: 0, seq: 10, decisionId: pick(ds, 0, 10).decisionId })]);
    const lenient = await verifyChain(ch, { allowExpiredPrefix: true });
    expect(lenient.problems).toEqual([]);
    expect(lenient.partitions.find((p) => p.partition === 0)?.firstSeq).toBe(10);
  });

  it('names the row after a forged row whose hash was recomputed', async () => {
    const ds = await seeded();
    const victim = pick(ds, 0, 50);
    const forged = { ...victim, effect: 'allow' as const, reasons: ['forged'] };
    const forgedHash = computeHash(forged);
    expect(forgedHash).not.toBe(victim.hash);
    await ch.command({
      query: `ALTER TABLE decisions UPDATE effect = 'allow', reasons = ['forged'], hash = {h:String} WHERE decision_id = {id:String}`,
      query_params: { id: victim.decisionId, h: forgedHash },
      clickhouse_settings: { mutations_sync: '2' },
    });
    const report = await verifyChain(ch);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'ARB_CHAIN_PREV_MISMATCH', partition: 0, seq: 51, decisionId: pick(ds, 0, 51).decisionId }),
    ]);
  });
});
