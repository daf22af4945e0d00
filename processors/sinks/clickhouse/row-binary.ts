// A growable buffer writing ClickHouse RowBinary values: LEB128 lengths, little-endian integers, strings as
// length-prefixed UTF-8. LowCardinality(T) is written as T; Array/Map as a count then the elements; Tuple as its
// elements in order. text() appends raw UTF-8 (for text formats). A sink fills one writer per accepted batch:
// `length` before and after a row are its bounds, truncate() drops a row that failed half-written.
import { BufferSpares } from './buffer-spares.ts';
/** Longest byte run copied in a JS loop rather than by a native copy (see raw()). */
const COPY_IN_JS = 256;

export class RowBinaryWriter {
  readonly #spares = new BufferSpares();
  #buf: Buffer;
  #pos = 0;

  constructor(initialBytes = 1 << 16) {
    this.#buf = Buffer.from(this.#spares.take(initialBytes));
  }

  get length(): number {
    return this.#pos;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = Buffer.from(this.#spares.take(size));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  uvarint(v: number): void {
    this.#ensure(10);
    while (v >= 0x80) {
      this.#buf[this.#pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.#buf[this.#pos++] = v;
  }

  string(s: string): void {
    const len = s.length;
    if (len < 43) {
      // Short strings (most of a decision row): ASCII copied in JS, which beats a native utf8Write call per string;
      // UTF-8 takes at most 3 bytes per UTF-16 unit, so the length fits one byte and is patched after a non-ASCII write.
      this.#ensure(1 + len * 3);
      const buf = this.#buf;
      const at = this.#pos;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + 1 + i] = c;
      }
      if (i === len) {
        buf[at] = len;
        this.#pos = at + 1 + len;
        return;
      }
      const n = buf.write(s, at + 1, 'utf8');
      buf[at] = n;
      this.#pos = at + 1 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.uvarint(n);
    this.#ensure(n);
    this.#pos += this.#buf.write(s, this.#pos, 'utf8');
  }

  strings(xs: readonly string[]): void {
    this.uvarint(xs.length);
    for (const x of xs) this.string(x);
  }

  /** Map(String, String) from a plain object, in its key order. */
  stringMap(m: Readonly<Record<string, string>>): void {
    const keys = Object.keys(m);
    this.uvarint(keys.length);
    for (const k of keys) {
      this.string(k);
      this.string(m[k] ?? '');
    }
  }

  uint32(v: number): void {
    this.#ensure(4);
    this.#pos = this.#buf.writeUInt32LE(v, this.#pos);
  }

  /** Int64/UInt64 from a safe integer (|v| <= 2^53), two's complement for negatives. */
  int64(v: number): void {
    this.#ensure(8);
    if (v >= 0) {
      this.#buf.writeUInt32LE(v % 0x1_0000_0000, this.#pos);
      this.#buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), this.#pos + 4);
      this.#pos += 8;
      return;
    }
    this.#pos = this.#buf.writeBigInt64LE(BigInt(v), this.#pos);
  }

  /** Bytes [start, end) of src as they are (runs up to COPY_IN_JS bytes copied in JS: cheaper than a native copy,
   *  which needs a subarray view per call — one allocation per hash or reason, most of the sink's garbage). */
  raw(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.#ensure(n);
    if (n <= COPY_IN_JS) {
      const buf = this.#buf;
      const at = this.#pos - start;
      for (let i = start; i < end; i++) buf[at + i] = src[i] as number;
    } else {
      this.#buf.set(src.subarray(start, end), this.#pos);
    }
    this.#pos += n;
  }

  /** Its length (LEB128), then bytes [start, end) of src: a string copied from another length-prefixed format. */
  lengthPrefixed(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.#ensure(n + 5);
    const buf = this.#buf;
    let pos = this.#pos;
    let v = n;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    if (n <= COPY_IN_JS) {
      for (let i = start; i < end; i++) buf[pos++] = src[i] as number;
    } else {
      buf.set(src.subarray(start, end), pos);
      pos += n;
    }
    this.#pos = pos;
  }

  /** Raw UTF-8, no length prefix (a line of a text format). */
  text(s: string): void {
    this.#ensure(s.length * 3);
    this.#pos += this.#buf.write(s, this.#pos, 'utf8');
  }

  /** The bytes written so far (a view: writing on afterwards may overwrite or reallocate it). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Hands the bytes written so far to the caller (the buffer is theirs until recycle()) and starts empty on a
   *  spare or fresh buffer about the size this one needed, so a writer refilled to a similar size rarely grows. */
  detach(): Buffer {
    const out = this.#buf.subarray(0, this.#pos);
    this.#buf = Buffer.from(this.#spares.take(this.#pos + (this.#pos >> 2) + 64));
    this.#pos = 0;
    return out;
  }

  /** `detached`, a result of this writer's detach(), is no longer read by anyone: its buffer may be refilled. */
  recycle(detached: Uint8Array): void {
    this.#spares.give(detached.buffer as ArrayBuffer);
  }

  /** Drops everything written after `length` bytes. */
  truncate(length: number): void {
    this.#pos = Math.min(this.#pos, length);
  }

}
