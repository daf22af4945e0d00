// One batch insert of pre-encoded JSONCompactEachRow lines. The promise resolves only when ClickHouse has acknowledged
// the rows (server: async_insert with wait_for_async_insert=1; chDB: the statement finished), so offsets may be
// committed after it. The dedup token makes a retried identical batch a no-op at insert time
// (non_replicated_deduplication_window on the table); ReplacingMergeTree covers re-formed batches after a crash.
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { ArbiterError } from '../../core/errors.ts';

export interface InsertOptions {
  readonly table: string;
  /** Column order of each JSONCompactEachRow line. */
  readonly columns: readonly string[];
  /** Server only: buffer small inserts server-side and acknowledge once flushed. */
  readonly asyncInsert: boolean;
}

/** Joins lines a slice at a time so no single join of a 100,000-row batch holds the event loop. */
function* chunks(lines: readonly string[], size = 5_000): Generator<string> {
  for (let i = 0; i < lines.length; i += size) yield `${lines.slice(i, i + size).join('\n')}\n`;
}

export type InsertLines = (lines: readonly string[], dedupToken: string) => Promise<void>;

export function makeInsertLines(client: ClickHouseClient, o: InsertOptions): InsertLines {
  const base: ClickHouseSettings = o.asyncInsert ? { async_insert: 1, wait_for_async_insert: 1 } : {};
  const query = `INSERT INTO ${o.table} (${o.columns.join(', ')}) FORMAT JSONCompactEachRow`;
  return async (lines, dedupToken) => {
    if (lines.length === 0) return;
    try {
      const result = await client.exec({
        query,
        values: Readable.from(chunks(lines), { objectMode: false }),
        clickhouse_settings: { ...base, insert_deduplication_token: dedupToken },
      });
      result.stream.resume();
    } catch (e) {
      throw new ArbiterError('ARB_CH_INSERT_FAILED', `insert of ${lines.length} rows into ${o.table} failed: ${(e as Error).message}`, { key: dedupToken });
    }
  };
}
