// The batching core of a ClickHouse table sink, transport-agnostic. Records arrive in per-partition batches;
// each record is transcoded from its bytes, or decoded (injected) and written, right away into the open insert
// block (block-encoder.ts: rows, or Native columns), so the event loop never runs one long encode and a flush only
// seals the block. The block is sealed when it holds maxBatchRows rows or when a flush finds no sealed block; a
// flush runs when ≥ minBatchRows are buffered or lingerMs passed since the oldest buffered row, inserts the oldest
// sealed block and then commits, per partition, the offset after the last record in it. Flushes are sequential and
// FIFO, so a committed offset never passes a row that is not yet in ClickHouse; while one insert is in flight the
// next block fills (encode and insert overlap). accept() returns once the batch is buffered, waiting only while more
// than maxBufferedRows are pending (backpressure), so the consumer keeps fetching while a batch fills or lingers.
// Redelivery after a crash re-inserts rows already stored; the table engine (ReplacingMergeTree) collapses them.
import { ArbiterError } from '../../core/errors.ts';
import { rethrowTransient } from '../../runtime/stream/failure-kind.ts';
import type { Batch, InRecord, TopicPartitionOffset } from '../../runtime/transport/transport.ts';
import type { BlockEncoder, SealedBlock } from './block-encoder.ts';
import type { InsertRows } from './insert.ts';

export interface BatchingOptions {
  /** Flush as soon as this many rows are buffered. */
  readonly minBatchRows: number;
  /** One insert never carries more rows than this. */
  readonly maxBatchRows: number;
  /** Flush a smaller batch once its oldest row waited this long. */
  readonly lingerMs: number;
  /** accept() waits while more rows than this are buffered and not yet durable. */
  readonly maxBufferedRows: number;
  /** Attempts per insert before the sink fails (same dedup token each time). */
  readonly insertAttempts: number;
  /** First retry backoff, doubled each attempt. */
  readonly retryBackoffMs: number;
}

// minBatchRows 50,000: a burst's first inserts are this big rather than 10,000 (chDB spent ~2.5x the CPU per row on
// 25,000-row inserts as on 100,000-row ones, and the sink ~12 % less CPU per 200,000-row burst; docs/benchmarks.md).
// Below ~200,000 rows/s the 250 ms linger fires first, so lag is unchanged.
export const DEFAULT_BATCHING: BatchingOptions = {
  minBatchRows: 50_000,
  maxBatchRows: 100_000,
  lingerMs: 250,
  maxBufferedRows: 200_000,
  insertAttempts: 5,
  retryBackoffMs: 200,
};

export interface SinkDeps<R, W> {
  readonly table: string;
  /** The insert block rows are written into (owned by this sink). */
  readonly encoder: BlockEncoder<W>;
  /** Injected decoder (e.g. the registry serde); throw an ArbiterError with the record's location on failure. */
  readonly decode: (record: InRecord) => Promise<R> | R;
  /** Appends one row in the insert format; may throw (the row is then dropped and reported like a decode error). */
  readonly write: (writer: W, record: R) => void;
  /** Optional fast path: writes the record's row straight from its bytes and returns true, or returns false when
   *  it does not apply. If it throws, what it wrote is dropped and the record goes through decode + write. */
  readonly transcode?: (record: InRecord, writer: W) => boolean;
  readonly insert: InsertRows;
  readonly commit: (offsets: readonly TopicPartitionOffset[]) => Promise<void>;
  /** A record that cannot be decoded is skipped (its offset still advances) and reported here. */
  readonly onDecodeError: (error: ArbiterError, value: Buffer | null) => void;
  /** Called after each insert is acknowledged (before its commit) and after the commit; for metrics and fault tests. */
  readonly observe?: (event: FlushEvent) => void;
}

export interface FlushEvent {
  readonly phase: 'inserted' | 'committed';
  readonly rows: number;
  readonly insertMs: number;
  readonly offsets: readonly TopicPartitionOffset[];
}

export interface SinkStats {
  readonly rowsInserted: number;
  readonly batchesInserted: number;
  readonly insertRetries: number;
  readonly decodeErrors: number;
  readonly buffered: number;
  /** Slowest acknowledged insert so far, ms. */
  readonly maxInsertMs: number;
}

export interface BatchingSink {
  /** Buffers a batch (waits while the buffer is over maxBufferedRows); rejects once the sink has failed. */
  accept(batch: Batch): Promise<void>;
  /** Resolves when every row buffered before the call is inserted and its offset committed. */
  flush(): Promise<void>;
  /** Inserts and commits everything buffered, then stops the linger timer. */
  close(): Promise<void>;
  stats(): SinkStats;
}

interface Waiter {
  readonly upTo: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** The records of the open block, kept as what its insert and commit need (no object per record: those were most
 *  of the sink's garbage): how many, when the first arrived, the first and last record's position, and the last
 *  offset per topic-partition. Records arrive in runs of one partition (a batch), so a map is written per run. */
class BlockRecords {
  count = 0;
  firstAt = 0;
  #first = '';
  #topic = '';
  #partition = -1;
  #offset = '';
  #last = new Map<string, Map<number, string>>();

  add(rec: InRecord, at: number): void {
    if (this.count++ === 0) {
      this.firstAt = at;
      this.#first = `${rec.topic}/${rec.partition}@${rec.offset}`;
    } else if (rec.partition !== this.#partition || rec.topic !== this.#topic) this.#endRun();
    this.#topic = rec.topic;
    this.#partition = rec.partition;
    this.#offset = rec.offset;
  }

  #endRun(): void {
    let partitions = this.#last.get(this.#topic);
    if (!partitions) this.#last.set(this.#topic, (partitions = new Map()));
    partitions.set(this.#partition, this.#offset);
  }

  /** The block's dedup token (same records and rows, same token) and the offsets to commit after it (the one after
   *  each partition's last record); starts the next block. */
  take(table: string, rows: number): { token: string; offsets: TopicPartitionOffset[] } {
    this.#endRun();
    const token = `${table}:${this.#first}..${this.#topic}/${this.#partition}@${this.#offset}:${rows}`;
    const offsets: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.#last) {
      for (const [partition, offset] of partitions) offsets.push({ topic, partition, offset: (BigInt(offset) + 1n).toString() });
    }
    this.count = 0;
    this.#last = new Map();
    return { token, offsets };
  }
}

/** A sealed block waiting for its insert. */
interface Ready extends SealedBlock {
  /** Records it stands for (including those that produced no row). */
  readonly records: number;
  readonly firstAt: number;
  readonly token: string;
  readonly offsets: readonly TopicPartitionOffset[];
}

export function createBatchingSink<R, W>(deps: SinkDeps<R, W>, o: BatchingOptions = DEFAULT_BATCHING): BatchingSink {
  const encoder = deps.encoder;
  const open = new BlockRecords();
  const ready: Ready[] = [];
  let accepted = 0; // records ever accepted
  let durable = 0; // records inserted and committed
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let failed: unknown;
  const waiters: Waiter[] = [];
  const stats = { rowsInserted: 0, batchesInserted: 0, insertRetries: 0, decodeErrors: 0, maxInsertMs: 0 };

  const bufferedCount = (): number => accepted - durable;
  /** When the oldest record not yet durable arrived (blocks are FIFO: the first of the oldest block). */
  const oldestAt = (): number => ready[0]?.firstAt ?? (open.count > 0 ? open.firstAt : Date.now());

  /** Seals the open block: it holds the rows of every record accepted so far and not in an earlier block. */
  function seal(): void {
    const sealed = encoder.seal();
    const records = open.count;
    const firstAt = open.firstAt;
    ready.push({ ...sealed, records, firstAt, ...open.take(deps.table, sealed.rows) });
  }

  /** Writes the record's row from its bytes if the transcoder applies; a half-written row is rolled back. */
  function transcoded(rec: InRecord): boolean {
    if (!deps.transcode) return false;
    encoder.begin();
    try {
      if (deps.transcode(rec, encoder.writer)) return true;
    } catch {
      // falls back to decode + write
    }
    encoder.rollback();
    return false;
  }

  /** Buffers an accepted record (its row, if any, is in the open block): its offset moves with the block. */
  function buffered(rec: InRecord, at: number): void {
    open.add(rec, at);
    accepted++;
    if (encoder.rows >= o.maxBatchRows) seal();
  }

  /** The slow path: decode, then write the row; a record that fails either is reported and buffered without a row. */
  async function decodeAndWrite(rec: InRecord, at: number): Promise<void> {
    try {
      if (rec.value === null) throw new Error('record has no value (tombstone)');
      const record = await deps.decode(rec);
      // No await from begin() to end(): a flush may seal the block while a decode is pending, never mid-row.
      encoder.begin();
      try {
        deps.write(encoder.writer, record);
      } catch (e) {
        encoder.rollback();
        throw e;
      }
      encoder.end();
    } catch (e) {
      // A registry outage: accept() rejects with the record not buffered, so its offset is never committed.
      rethrowTransient(e);
      stats.decodeErrors++;
      const err = e instanceof ArbiterError ? e : new ArbiterError('ARB_CH_DECODE_FAILED', (e as Error).message, { topic: rec.topic, partition: rec.partition, offset: rec.offset });
      deps.onDecodeError(err, rec.value);
    }
    buffered(rec, at);
  }

  function settleWaiters(): void {
    while (waiters.length > 0 && (waiters[0]?.upTo ?? Infinity) <= durable) waiters.shift()?.resolve();
  }

  function fail(e: unknown): void {
    failed = e;
    for (const w of waiters.splice(0)) w.reject(e);
  }

  async function insertWithRetry(parts: readonly Uint8Array[], rows: number, token: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.insert(parts, rows, token);
        return;
      } catch (e) {
        if (attempt >= o.insertAttempts) throw e;
        stats.insertRetries++;
        await new Promise((r) => setTimeout(r, o.retryBackoffMs * 2 ** (attempt - 1)));
      }
    }
  }

  async function flushOnce(): Promise<void> {
    if (ready.length === 0) seal();
    const block = ready[0] as Ready;
    const { parts, rows, offsets } = block;
    const t0 = performance.now();
    await insertWithRetry(parts, rows, block.token);
    block.release?.();
    const insertMs = performance.now() - t0;
    stats.rowsInserted += rows;
    stats.batchesInserted++;
    stats.maxInsertMs = Math.max(stats.maxInsertMs, insertMs);
    deps.observe?.({ phase: 'inserted', rows, insertMs, offsets });
    await deps.commit(offsets);
    deps.observe?.({ phase: 'committed', rows, insertMs, offsets });
    ready.shift();
    durable += block.records;
    settleWaiters();
  }

  function waitDurable(upTo: number): Promise<void> {
    if (failed) return Promise.reject(failed);
    if (durable >= upTo) return Promise.resolve();
    return new Promise<void>((resolve, reject) => waiters.push({ upTo, resolve, reject }));
  }

  function due(force: boolean): boolean {
    const n = bufferedCount();
    if (n === 0) return false;
    return force || n >= o.minBatchRows || Date.now() - oldestAt() >= o.lingerMs;
  }

  function schedule(force = false): Promise<void> {
    if (flushing || failed) return flushing ?? Promise.resolve();
    if (!due(force)) {
      armTimer();
      return Promise.resolve();
    }
    flushing = (async () => {
      try {
        while (due(force)) await flushOnce();
      } catch (e) {
        fail(e);
      } finally {
        flushing = undefined;
      }
      armTimer();
    })();
    return flushing;
  }

  function armTimer(): void {
    if (timer || failed || bufferedCount() === 0) return;
    const wait = Math.max(0, o.lingerMs - (Date.now() - oldestAt()));
    timer = setTimeout(() => {
      timer = undefined;
      void schedule();
    }, wait);
  }

  return {
    async accept(batch) {
      if (failed) throw failed;
      const at = Date.now();
      const records = batch.records;
      for (let i = 0; i < records.length; i++) {
        const rec = records[i] as InRecord;
        if (rec.value !== null && transcoded(rec)) {
          encoder.end();
          buffered(rec, at);
        } else await decodeAndWrite(rec, at);
      }
      void schedule();
      // Encoding a batch never awaits I/O, so a caller feeding batches back to back would run on microtasks alone and
      // starve the insert in flight (its file write and chDB call complete on the event loop): yield once per batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (bufferedCount() <= o.maxBufferedRows) return;
      await waitDurable(accepted - o.maxBufferedRows);
    },
    async flush() {
      const target = accepted;
      while (!failed && durable < target) await schedule(true);
      if (failed) throw failed;
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (!failed && bufferedCount() > 0) await schedule(true);
      if (flushing) await flushing;
      if (failed) throw failed;
    },
    stats: () => ({ ...stats, buffered: bufferedCount() }),
  };
}
