// A ClickHouse Native-format block filled row by row (columnar): every column is split into the byte streams Native
// lays out one after the other, each its own growable buffer. A String value is a LEB128 length then its UTF-8, an
// integer is fixed-width little-endian, an Array or Map is a stream of running UInt64 end offsets (one per row)
// followed by the streams of its elements (a Map's keys, then its values), a Tuple is its elements' streams in order,
// a LowCardinality(String) a dictionary and indexes (low-cardinality.ts).
// seal() lays the block out as Native input reads it: column count, row count, then per column its name, its type,
// the state prefix of each LowCardinality inside it, and its streams (no block info and no serialization-kind prefix:
// those belong to the TCP protocol, not the format).
// The streams of a column are created in that order by whoever defines the column (avro-native.ts).
import { endianness } from 'node:os';
import type { BlockEncoder, SealedBlock } from './block-encoder.ts';
import { BufferSpares } from './buffer-spares.ts';
import { LowCardinalityStream } from './low-cardinality.ts';
import { RowBinaryWriter } from './row-binary.ts';

/** What a column's data is written into: bytes that can be rolled back and handed over. */
interface Stream {
  readonly length: number;
  truncate(length: number): void;
  detach(): Buffer;
  /** A result of detach() is no longer read: its bytes may be refilled. */
  recycle(detached: Uint8Array): void;
}

// Offsets are stored as (low, high) Uint32 pairs in the host's byte order, which must be Native's little-endian.
if (endianness() !== 'LE') throw new Error('Native blocks are written on little-endian hosts only');

/** The end offsets of an Array or Map column (or of one nested inside a Tuple or Array): UInt64 little-endian, kept
 *  in a typed array (one store per row instead of a byte-wise write; the high words stay zero). */
export class OffsetStream implements Stream {
  readonly #spares = new BufferSpares();
  #ends = new Uint32Array(this.#spares.take(8 * 1024));
  #count = 0;
  /** Elements written so far in this block. */
  total = 0;

  /** A row (or outer element) with `n` elements. */
  push(n: number): void {
    const total = this.total + n;
    if (total > 0xffff_ffff) throw new RangeError('more than 2^32 array elements in one block');
    this.total = total;
    if (2 * this.#count >= this.#ends.length) {
      const next = new Uint32Array(this.#spares.take(8 * this.#ends.length));
      next.set(this.#ends.subarray(0, 2 * this.#count));
      this.#ends = next;
    }
    const at = 2 * this.#count++;
    this.#ends[at] = total;
    this.#ends[at + 1] = 0; // recycled memory: the high word is written too
  }

  get length(): number {
    return 8 * this.#count;
  }

  truncate(length: number): void {
    this.#count = Math.min(this.#count, length / 8);
  }

  detach(): Buffer {
    const out = Buffer.from(this.#ends.buffer, this.#ends.byteOffset, 8 * this.#count);
    // Room for about the rows this block had, in whole (low, high) pairs.
    this.#ends = new Uint32Array(this.#spares.take(8 * Math.max(1024, this.#count + (this.#count >> 2))));
    this.#count = 0;
    return out;
  }

  recycle(detached: Uint8Array): void {
    this.#spares.give(detached.buffer as ArrayBuffer);
  }
}

interface ColumnLayout {
  /** Name and type, as the block writes them before the column's data. */
  readonly head: Buffer;
  /** Its streams are #streams[first, end). */
  readonly first: number;
  readonly end: number;
}

const prefixed = (s: string): Buffer => {
  const w = new RowBinaryWriter(s.length * 3 + 10);
  w.string(s);
  return Buffer.from(w.bytes());
};

export class NativeBlock implements BlockEncoder<NativeBlock> {
  /** Every stream in block order; the same streams by class (begin/rollback). */
  readonly #streams: Stream[] = [];
  readonly #writers: RowBinaryWriter[] = [];
  readonly #offsets: OffsetStream[] = [];
  readonly #lowCardinality: LowCardinalityStream[] = [];
  readonly #columns: ColumnLayout[] = [];
  #rows = 0;
  /** Stream lengths (and offset totals) at begin(). */
  readonly #marks: number[] = [];

  get writer(): NativeBlock {
    return this;
  }

  get rows(): number {
    return this.#rows;
  }

  /** Streams created so far: a column's streams are those created between two column() calls. */
  get streamCount(): number {
    return this.#streams.length;
  }

  /** A value stream for the column being defined. */
  stream(): RowBinaryWriter {
    const w = new RowBinaryWriter(1 << 12);
    this.#streams.push(w);
    this.#writers.push(w);
    return w;
  }

  /** A LowCardinality(String) stream for the column being defined (its keys-version prefix goes with the head). */
  lowCardinality(): LowCardinalityStream {
    const s = new LowCardinalityStream();
    this.#streams.push(s);
    this.#lowCardinality.push(s);
    return s;
  }

  /** An offsets stream for an Array or Map of the column being defined (before its elements' streams). */
  offsets(): OffsetStream {
    const o = new OffsetStream();
    this.#streams.push(o);
    this.#offsets.push(o);
    return o;
  }

  /** Closes the definition of a column: the streams created since `firstStream` are its data, in order. */
  column(name: string, type: string, firstStream: number): void {
    if (this.#rows > 0) throw new Error('columns are defined before the first row');
    const end = this.#streams.length;
    // Each LowCardinality stream of the column contributes its state prefix (UInt64 1), all before any data.
    const lowCardinality = this.#streams.slice(firstStream, end).filter((s) => s instanceof LowCardinalityStream).length;
    const prefixes = Buffer.alloc(8 * lowCardinality);
    for (let i = 0; i < lowCardinality; i++) prefixes[8 * i] = 1;
    this.#columns.push({ head: Buffer.concat([prefixed(name), prefixed(type), prefixes]), first: firstStream, end });
  }

  /** Columns defined. */
  get columnCount(): number {
    return this.#columns.length;
  }

  /** Marks every stream's length (rollback's target). One loop per stream class, so each reads one shape: a loop
   *  over all streams at once cost ~18 % of the transcode (docs/benchmarks.md). */
  begin(): void {
    const marks = this.#marks;
    let m = 0;
    const writers = this.#writers;
    for (let i = 0; i < writers.length; i++) marks[m++] = (writers[i] as RowBinaryWriter).length;
    const offsets = this.#offsets;
    for (let i = 0; i < offsets.length; i++) {
      const o = offsets[i] as OffsetStream;
      marks[m++] = o.length;
      marks[m++] = o.total;
    }
    const lcs = this.#lowCardinality;
    for (let i = 0; i < lcs.length; i++) marks[m++] = (lcs[i] as LowCardinalityStream).length;
  }

  end(): void {
    this.#rows++;
  }

  rollback(): void {
    const marks = this.#marks;
    let m = 0;
    for (const w of this.#writers) w.truncate(marks[m++] as number);
    for (const o of this.#offsets) {
      o.truncate(marks[m++] as number);
      o.total = marks[m++] as number;
    }
    for (const s of this.#lowCardinality) s.truncate(marks[m++] as number);
  }

  seal(): SealedBlock {
    const rows = this.#rows;
    this.#rows = 0;
    for (const o of this.#offsets) o.total = 0;
    if (rows === 0) {
      for (const s of this.#streams) s.truncate(0);
      return { parts: [], rows: 0 };
    }
    const counts = new RowBinaryWriter(20);
    counts.uvarint(this.#columns.length);
    counts.uvarint(rows);
    const parts: Uint8Array[] = [counts.bytes()];
    const lent: { stream: Stream; part: Buffer }[] = [];
    for (const c of this.#columns) {
      parts.push(c.head);
      for (let i = c.first; i < c.end; i++) {
        const stream = this.#streams[i] as Stream;
        if (stream.length === 0) continue;
        const part = stream.detach();
        parts.push(part);
        lent.push({ stream, part });
      }
    }
    return { parts, rows, release: () => lent.forEach((l) => l.stream.recycle(l.part)) };
  }
}
