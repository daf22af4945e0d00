// A LowCardinality(String) column's data in a Native block, dictionary-encoded as ClickHouse's own Native writer
// lays it out, so chDB reads it without building a dictionary from strings (docs/benchmarks.md, "ClickHouse sink"):
//   UInt64 serialization type: index width (0 UInt8, 1 UInt16, 2 UInt32) | 0x200 (keys follow) | 0x400 (new dictionary)
//   UInt64 key count, then the keys as Native Strings: '' first, then each distinct value in order of first use
//   UInt64 row count, then one index per value, little-endian, of the narrowest width that holds every key index
//   (UInt8 up to 255 keys, UInt16 up to 65,535, else UInt32).
// Nothing at all is written for a column with no values in the block (an Array of LowCardinality whose arrays are all
// empty). The column's prefix (UInt64 1, the keys-serialization version) precedes the column's other streams and is
// written with its head (native-block.ts). test/int/clickhouse-native.int.test.ts checks the bytes against chDB's.
// Values are looked up by their UTF-8 bytes in an open-addressing table; a rolled-back row's new keys are removed.
import { BufferSpares } from './buffer-spares.ts';

const HAS_KEYS_AND_NEW_DICTIONARY = 0x600;

export class LowCardinalityStream {
  readonly #spares = new BufferSpares();
  /** Keys as Native Strings (LEB128 length, UTF-8), back to back; key i's bytes are [#at[i], #at[i] + #len[i]). */
  #keys: Buffer = Buffer.allocUnsafeSlow(1 << 12);
  #keyBytes = 0;
  #at = new Int32Array(256);
  #len = new Int32Array(256);
  /** Value position at which key i was first used (rollback removes keys first used past the mark). */
  #firstUse = new Int32Array(256);
  #size = 0;
  /** Hash slots: key index + 1, 0 = empty. Power-of-two size, at most half full. */
  #slots = new Int32Array(512);
  #indexes = new Uint32Array(1 << 12);
  #count = 0;
  /** Key of the last value written (a key index below #size). */
  #last = 0;
  /** UTF-8 of a decoded string value (the slow path). */
  #scratch: Buffer = Buffer.allocUnsafe(256);

  constructor() {
    this.#addKey(Buffer.alloc(0), 0, 0, -1);
  }

  /** Values written so far in this block. */
  get length(): number {
    return this.#count;
  }

  /** A value given as UTF-8 bytes src[start, end). */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    // Runs of one value are common (an environment, a tenant's batch, an empty error code): try the last key first.
    const last = this.#last;
    if (this.#len[last] === n) {
      const at = (this.#at[last] as number) - start;
      const keys = this.#keys;
      let i = start;
      while (i < end && keys[at + i] === src[i]) i++;
      if (i === end) {
        this.#push(last);
        return;
      }
    }
    let h = 0x811c9dc5 ^ n;
    for (let i = start; i < end; i++) h = Math.imul(h ^ (src[i] as number), 0x01000193);
    const mask = this.#slots.length - 1;
    const keys = this.#keys;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = (this.#slots[slot] as number) - 1;
      if (k < 0) {
        this.#push(this.#addKey(src, start, end, slot));
        return;
      }
      if (this.#len[k] !== n) continue;
      const at = (this.#at[k] as number) - start;
      let i = start;
      while (i < end && keys[at + i] === src[i]) i++;
      if (i === end) {
        this.#push(k);
        return;
      }
    }
  }

  /** A decoded string value. */
  string(s: string): void {
    if (this.#scratch.length < s.length * 3) this.#scratch = Buffer.allocUnsafe(s.length * 3);
    this.bytes(this.#scratch, 0, this.#scratch.write(s, 0, 'utf8'));
  }

  #push(k: number): void {
    if (this.#count === this.#indexes.length) {
      const next = new Uint32Array(2 * this.#count);
      next.set(this.#indexes);
      this.#indexes = next;
    }
    this.#indexes[this.#count++] = k;
    this.#last = k;
  }

  /** Appends key src[start, end) into free slot `slot` (-1: wherever its hash leads) and returns its index. */
  #addKey(src: Uint8Array, start: number, end: number, slot: number): number {
    const k = this.#size;
    if (k === this.#at.length) {
      this.#at = grown(this.#at);
      this.#len = grown(this.#len);
      this.#firstUse = grown(this.#firstUse);
    }
    const n = end - start;
    if (this.#keyBytes + n + 5 > this.#keys.length) {
      const next = Buffer.allocUnsafeSlow(2 * (this.#keyBytes + n + 5));
      this.#keys.copy(next, 0, 0, this.#keyBytes);
      this.#keys = next;
    }
    const keys = this.#keys;
    let pos = this.#keyBytes;
    for (let v = n; ; v >>>= 7) {
      if (v < 0x80) {
        keys[pos++] = v;
        break;
      }
      keys[pos++] = (v & 0x7f) | 0x80;
    }
    this.#at[k] = pos;
    this.#len[k] = n;
    this.#firstUse[k] = this.#count;
    for (let i = start; i < end; i++) keys[pos++] = src[i] as number;
    this.#keyBytes = pos;
    this.#size = k + 1;
    if (2 * this.#size > this.#slots.length) this.#rehash(2 * this.#slots.length);
    else if (slot < 0) this.#place(k, this.#hashOf(k));
    else this.#slots[slot] = k + 1;
    return k;
  }

  #hashOf(k: number): number {
    const at = this.#at[k] as number;
    const n = this.#len[k] as number;
    let h = 0x811c9dc5 ^ n;
    for (let i = at; i < at + n; i++) h = Math.imul(h ^ (this.#keys[i] as number), 0x01000193);
    return h;
  }

  #place(k: number, h: number): void {
    const mask = this.#slots.length - 1;
    let slot = h & mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
    this.#slots[slot] = k + 1;
  }

  #rehash(slots: number): void {
    this.#slots = new Int32Array(slots);
    for (let k = 0; k < this.#size; k++) this.#place(k, this.#hashOf(k));
  }

  /** Drops the values after the first `length`, and the keys first used by them (newest first: with linear probing,
   *  emptying the newest key's slot cannot cut an older key's probe chain). */
  truncate(length: number): void {
    this.#count = Math.min(this.#count, length);
    while (this.#size > 1 && (this.#firstUse[this.#size - 1] as number) >= this.#count) {
      const k = this.#size - 1;
      const mask = this.#slots.length - 1;
      let slot = this.#hashOf(k) & mask;
      while (this.#slots[slot] !== k + 1) slot = (slot + 1) & mask;
      this.#slots[slot] = 0;
      this.#keyBytes = (this.#at[k] as number) - lebLength(this.#len[k] as number);
      this.#size = k;
    }
    if (this.#last >= this.#size) this.#last = 0;
  }

  /** The column's data for this block (see the header); the stream starts the next block with just ''. */
  detach(): Buffer {
    const size = this.#size;
    const count = this.#count;
    const width = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
    const out = Buffer.from(this.#spares.take(24 + this.#keyBytes + width * count), 0, 24 + this.#keyBytes + width * count);
    out.writeUInt32LE(HAS_KEYS_AND_NEW_DICTIONARY | (width >> 1), 0);
    out.writeUInt32LE(0, 4);
    out.writeUInt32LE(size, 8);
    out.writeUInt32LE(0, 12);
    this.#keys.copy(out, 16, 0, this.#keyBytes);
    let pos = 16 + this.#keyBytes;
    out.writeUInt32LE(count, pos);
    out.writeUInt32LE(0, pos + 4);
    pos += 8;
    const indexes = this.#indexes;
    if (width === 1) for (let i = 0; i < count; i++) out[pos + i] = indexes[i] as number;
    else if (width === 2) for (let i = 0; i < count; i++) out.writeUInt16LE(indexes[i] as number, pos + 2 * i);
    else for (let i = 0; i < count; i++) out.writeUInt32LE(indexes[i] as number, pos + 4 * i);
    this.#count = 0;
    this.truncate(0);
    return out;
  }

  recycle(detached: Uint8Array): void {
    this.#spares.give(detached.buffer as ArrayBuffer);
  }
}

const grown = (a: Int32Array): Int32Array<ArrayBuffer> => {
  const next = new Int32Array(2 * a.length);
  next.set(a);
  return next;
};

/** Bytes of n's LEB128 encoding. */
const lebLength = (n: number): number => {
  let bytes = 1;
  for (let v = n; v >= 0x80; v >>>= 7) bytes++;
  return bytes;
};
