import { describe, expect, it } from 'vitest';
import { createBatchingSink, type BatchingOptions } from '../../../processors/sinks/clickhouse/batching-sink.ts';
import type { ArbiterError } from '../../../processors/core/errors.ts';
import type { RowBinaryWriter } from '../../../processors/sinks/clickhouse/row-binary.ts';
import { rowBlockEncoder } from '../../../processors/sinks/clickhouse/block-encoder.ts';
import type { Batch, TopicPartitionOffset } from '../../../processors/runtime/transport/transport.ts';

const opts = (o: Partial<BatchingOptions> = {}): BatchingOptions => ({
  minBatchRows: 10, maxBatchRows: 25, lingerMs: 20, maxBufferedRows: 1000, insertAttempts: 3, retryBackoffMs: 1, ...o,
});

function batch(partition: number, from: number, n: number, topic = 'arbiter.decisions'): Batch {
  return {
    topic, partition,
    records: Array.from({ length: n }, (_, i) => ({
      topic, partition, offset: String(from + i), key: null, value: Buffer.from(`v${partition}:${from + i}`), headers: {}, timestampMs: 0,
    })),
  };
}

/** One text line per row: what the sink hands the insert must split back into exactly the accepted rows. */
const line = (w: RowBinaryWriter, s: string): void => w.text(`${s}\n`);
const linesOf = (parts: readonly Uint8Array[]): string[] => Buffer.concat(parts).toString('utf8').split('\n').slice(0, -1);

function harness(o: BatchingOptions, failTimes = 0) {
  const log: string[] = [];
  const inserts: { lines: readonly string[]; token: string }[] = [];
  const commits: TopicPartitionOffset[][] = [];
  const decodeErrors: ArbiterError[] = [];
  let failures = failTimes;
  const sink = createBatchingSink<string, RowBinaryWriter>({
    encoder: rowBlockEncoder(),
    table: 't',
    decode: (r) => {
      const s = String(r.value);
      if (s.endsWith(':13')) throw new Error('bad record');
      return s;
    },
    write: (w, s) => {
      if (s.endsWith(':17')) {
        w.text('half a row');
        throw new Error('not encodable');
      }
      line(w, JSON.stringify({ v: s }));
    },
    insert: async (parts, rows, token) => {
      const lines = linesOf(parts);
      if (lines.length !== rows) throw new Error(`insert of ${rows} rows got ${lines.length} lines`);
      log.push(`insert ${lines.length}`);
      if (failures-- > 0) throw new Error('server unavailable');
      inserts.push({ lines, token });
    },
    commit: async (offsets) => {
      log.push(`commit ${offsets.map((x) => `${x.partition}@${x.offset}`).join(',')}`);
      commits.push([...offsets]);
    },
    onDecodeError: (e) => decodeErrors.push(e),
  }, o);
  return { sink, log, inserts, commits, decodeErrors };
}

describe('batching sink', () => {
  it('inserts once minBatchRows are buffered, never more than maxBatchRows at once, in arrival order', async () => {
    const h = harness(opts());
    await h.sink.accept(batch(0, 100, 60));
    await h.sink.flush();
    expect(h.inserts.map((i) => i.lines.length)).toEqual([25, 25, 10]);
    expect(h.inserts.flatMap((i) => i.lines).map((l) => JSON.parse(l).v)).toEqual(Array.from({ length: 60 }, (_, i) => `v0:${100 + i}`));
  });

  it('flushes a small batch after the linger time without an explicit flush', async () => {
    const h = harness(opts({ lingerMs: 15 }));
    await h.sink.accept(batch(1, 100, 3));
    expect(h.inserts).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(h.inserts.map((i) => i.lines.length)).toEqual([3]);
    expect(h.commits).toEqual([[{ topic: 'arbiter.decisions', partition: 1, offset: '103' }]]);
  });

  it('times the linger from each row\'s arrival, so rows that arrived during an insert do not wait a full linger after it', async () => {
    const starts: number[] = [];
    const t0 = Date.now();
    const sink = createBatchingSink<string, RowBinaryWriter>({
    encoder: rowBlockEncoder(),
      table: 't', decode: (r) => String(r.value), write: line, onDecodeError: () => undefined, commit: async () => undefined,
      insert: async () => {
        starts.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, 300));
      },
    }, opts({ minBatchRows: 10, lingerMs: 200 }));
    await sink.accept(batch(0, 100, 10)); // full batch: inserted at once, takes 300 ms
    await sink.accept(batch(0, 110, 3)); // arrives at ~0 ms: due at ~200 ms, i.e. right after the first insert
    await new Promise((r) => setTimeout(r, 700));
    expect(starts).toHaveLength(2);
    expect(starts[1]).toBeLessThan(450); // a linger counted from the end of the first insert would start it at ~500 ms
    await sink.close();
  });

  it('commits each partition at the offset after its last inserted record, only after the insert succeeded', async () => {
    const h = harness(opts({ minBatchRows: 1000, maxBatchRows: 1000 }), 2);
    await h.sink.accept(batch(0, 5, 4));
    await h.sink.accept(batch(2, 40, 2));
    await h.sink.flush();
    expect(h.log).toEqual(['insert 6', 'insert 6', 'insert 6', 'commit 0@9,2@42']);
    expect(h.sink.stats().insertRetries).toBe(2);
  });

  it('retries with the same dedup token so a retried insert is idempotent on the server', async () => {
    const tokens: string[] = [];
    const sink = createBatchingSink<string, RowBinaryWriter>({
    encoder: rowBlockEncoder(),
      table: 't', decode: (r) => String(r.value), write: line, onDecodeError: () => undefined, commit: async () => undefined,
      insert: async (_parts, _rows, token) => {
        tokens.push(token);
        if (tokens.length < 3) throw new Error('timeout');
      },
    }, opts());
    await sink.accept(batch(0, 0, 10));
    await sink.flush();
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
  });

  it('releases a block\'s buffers only once its insert succeeded (a retry sends the same bytes), before the commit', async () => {
    const log: string[] = [];
    let attempts = 0;
    const encoder = rowBlockEncoder();
    const sink = createBatchingSink<string, RowBinaryWriter>({
      encoder: {
        get writer() { return encoder.writer; },
        get rows() { return encoder.rows; },
        begin: () => encoder.begin(), end: () => encoder.end(), rollback: () => encoder.rollback(),
        seal: () => {
          const sealed = encoder.seal();
          return { ...sealed, release: () => log.push(`release ${sealed.rows}`) };
        },
      },
      table: 't', decode: (r) => String(r.value), write: line, onDecodeError: () => undefined,
      commit: async () => void log.push('commit'),
      insert: async (parts, rows) => {
        log.push(`insert ${rows}: ${linesOf(parts).length} lines`);
        if (++attempts < 3) throw new Error('timeout');
      },
    }, opts());
    await sink.accept(batch(0, 0, 10));
    await sink.flush();
    expect(log).toEqual(['insert 10: 10 lines', 'insert 10: 10 lines', 'insert 10: 10 lines', 'release 10', 'commit']);
  });

  it('fails without committing when every insert attempt fails, and rejects later batches', async () => {
    const h = harness(opts({ insertAttempts: 2 }), 99);
    await h.sink.accept(batch(0, 0, 10)).catch(() => undefined);
    await expect(h.sink.flush()).rejects.toThrow(/server unavailable/);
    expect(h.commits).toEqual([]);
    await expect(h.sink.accept(batch(0, 10, 1))).rejects.toThrow(/server unavailable/);
  });

  it('skips an undecodable record with ARB_CH_DECODE_FAILED naming its offset, and still moves the offset past it', async () => {
    const h = harness(opts());
    await h.sink.accept(batch(3, 10, 5));
    await h.sink.flush();
    expect(h.decodeErrors.map((e) => [e.code, e.location?.offset])).toEqual([['ARB_CH_DECODE_FAILED', '13']]);
    expect(h.inserts.flatMap((i) => i.lines)).toHaveLength(4);
    expect(h.commits.at(-1)).toEqual([{ topic: 'arbiter.decisions', partition: 3, offset: '15' }]);
  });

  it('drops a row whose encoding failed halfway without leaving its bytes between its neighbours', async () => {
    const h = harness(opts());
    await h.sink.accept(batch(4, 15, 3)); // offsets 15..17: 17 fails after writing part of its row
    await h.sink.accept(batch(4, 18, 2));
    await h.sink.flush();
    expect(h.decodeErrors.map((e) => [e.code, e.location?.offset])).toEqual([['ARB_CH_DECODE_FAILED', '17']]);
    expect(h.inserts.flatMap((i) => i.lines).map((l) => JSON.parse(l).v)).toEqual(['v4:15', 'v4:16', 'v4:18', 'v4:19']);
    expect(h.commits.at(-1)).toEqual([{ topic: 'arbiter.decisions', partition: 4, offset: '20' }]);
  });

  it('uses transcode where it applies, and decode + write where it returns false or throws halfway', async () => {
    const decoded: string[] = [];
    const inserted: string[] = [];
    const sink = createBatchingSink<string, RowBinaryWriter>({
    encoder: rowBlockEncoder(),
      table: 't', onDecodeError: () => undefined, commit: async () => undefined,
      decode: (r) => {
        decoded.push(r.offset);
        return `decoded:${r.offset}`;
      },
      write: line,
      transcode: (r, w) => {
        const n = Number(r.offset);
        if (n % 3 === 1) return false; // e.g. an older schema id
        if (n % 3 === 2) {
          w.text('partial');
          throw new Error('not transcodable');
        }
        line(w, `bytes:${r.offset}`);
        return true;
      },
      insert: async (parts) => void inserted.push(...linesOf(parts)),
    }, opts());
    await sink.accept(batch(0, 0, 6));
    await sink.flush();
    expect(decoded).toEqual(['1', '2', '4', '5']);
    expect(inserted).toEqual(['bytes:0', 'decoded:1', 'decoded:2', 'bytes:3', 'decoded:4', 'decoded:5']);
    expect(sink.stats().decodeErrors).toBe(0);
  });

  it('makes accept wait while more than maxBufferedRows are not yet durable', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const sink = createBatchingSink<string, RowBinaryWriter>({
    encoder: rowBlockEncoder(),
      table: 't', decode: (r) => String(r.value), write: line, onDecodeError: () => undefined, commit: async () => undefined,
      insert: () => gate,
    }, opts({ minBatchRows: 5, maxBatchRows: 5, maxBufferedRows: 8 }));
    let accepted = false;
    const p = sink.accept(batch(0, 0, 12)).then(() => (accepted = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(accepted).toBe(false);
    release();
    await p;
    expect(accepted).toBe(true);
    await sink.close();
    expect(sink.stats().rowsInserted).toBe(12);
  });
});
