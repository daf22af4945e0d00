// One batch insert of pre-encoded rows. The promise resolves only when ClickHouse has acknowledged the rows
// (server: async_insert with wait_for_async_insert=1; chDB: the statement finished), so offsets may be committed
// after it. The dedup token makes a retried identical batch a no-op at insert time (non_replicated_deduplication_window
// on the table); ReplacingMergeTree covers re-formed batches after a crash.
// optimize_on_insert=0: the insert does not run the replacing merge over its own block (it cost chDB a third of
// its insert time, docs/benchmarks.md); duplicates collapse on merge or FINAL as they do across batches anyway.
// chDB: the client would hand chDB the body as a UTF-8 string, which a binary format does not survive, so the body is
// spooled to a file and inserted with FROM INFILE on the session (off the event loop: file I/O on the libuv pool,
// the insert on chDB's async API).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { ArbiterError } from '../../core/errors.ts';
import { chdbSessionOf } from '../../runtime/clickhouse-client.ts';

export type InsertFormat = 'Native' | 'RowBinary' | 'JSONCompactEachRow';

export interface InsertOptions {
  readonly table: string;
  /** Column order of each encoded row. */
  readonly columns: readonly string[];
  readonly format: InsertFormat;
  /** Server only: buffer small inserts server-side and acknowledge once flushed. */
  readonly asyncInsert: boolean;
  /** chDB only: where insert bodies are spooled (default: arbiter-ch-spool in the OS temp dir). */
  readonly spoolDir?: string;
}

/** Inserts `rows` rows whose encoded bytes are the concatenation of `parts`. */
export type InsertRows = (parts: readonly Uint8Array[], rows: number, dedupToken: string) => Promise<void>;

/** A ClickHouse string literal (backslash and quote escaped). */
const literal = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

let spooled = 0;
const swept = new Set<string>();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Spool files are named <pid>-<n>.<format>; a killed sink leaves its last one behind, removed by the next sink. */
function sweepSpool(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) {
    const pid = Number(f.split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(dir, f), { force: true });
  }
}

export function makeInsertRows(client: ClickHouseClient, o: InsertOptions): InsertRows {
  const chdb = chdbSessionOf(client);
  const into = `INSERT INTO ${o.table} (${o.columns.join(', ')})`;
  const fail = (rows: number, token: string, e: unknown): ArbiterError =>
    new ArbiterError('ARB_CH_INSERT_FAILED', `insert of ${rows} rows into ${o.table} failed: ${(e as Error).message}`, { key: token });

  if (chdb) {
    const dir = o.spoolDir ?? join(tmpdir(), 'arbiter-ch-spool');
    sweepSpool(dir);
    return async (parts, rows, token) => {
      if (rows === 0) return;
      const path = join(dir, `${process.pid}-${++spooled}.${o.format}`);
      try {
        const file = await open(path, 'w');
        try {
          await file.writev(parts as Uint8Array[]);
        } finally {
          await file.close();
        }
        await chdb.queryAsync(
          `${into} FROM INFILE ${literal(path)} SETTINGS optimize_on_insert = 0, insert_deduplication_token = ${literal(token)} FORMAT ${o.format}`,
        );
      } catch (e) {
        throw fail(rows, token, e);
      } finally {
        await rm(path, { force: true });
      }
    };
  }

  const base: ClickHouseSettings = o.asyncInsert ? { async_insert: 1, wait_for_async_insert: 1 } : {};
  const query = `${into} FORMAT ${o.format}`;
  return async (parts, rows, token) => {
    if (rows === 0) return;
    try {
      const result = await client.exec({
        query,
        values: Readable.from(parts, { objectMode: false }),
        clickhouse_settings: { ...base, optimize_on_insert: 0, insert_deduplication_token: token },
      });
      result.stream.resume();
    } catch (e) {
      throw fail(rows, token, e);
    }
  };
}

export type InsertLines = (lines: readonly string[], dedupToken: string) => Promise<void>;

/** JSONCompactEachRow lines, one per row (for callers holding text rows). */
export function makeInsertLines(client: ClickHouseClient, o: Omit<InsertOptions, 'format'>): InsertLines {
  const insert = makeInsertRows(client, { ...o, format: 'JSONCompactEachRow' });
  return (lines, token) => insert(lines.length === 0 ? [] : [Buffer.from(`${lines.join('\n')}\n`)], lines.length, token);
}
