// Reading Avro binary in place, for the transcoders (avro-rowbinary.ts, avro-native.ts): a cursor over one record's
// bytes and the block framing of arrays and maps. Anything malformed throws a RangeError; the sink then decodes the
// record instead, and the decoder reports what was wrong.

export class AvroCursor {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;

  /** A zig-zag varint (Avro int and long), exact up to 2^53. */
  long(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    if (b === undefined) throw new RangeError('truncated');
    if (b < 0x80) return (b >>> 1) ^ -(b & 1); // one byte (-64..63): counts, enum indexes, small numbers
    let n = b & 0x7f;
    let scale = 128;
    while (b >= 0x80) {
      b = buf[this.pos++];
      if (b === undefined) throw new RangeError('truncated');
      n += (b & 0x7f) * scale;
      scale *= 128;
      if (scale > 2 ** 63) throw new RangeError('varint too long');
    }
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  /** Length of the string (or bytes) at the cursor; the cursor is then at its first byte. */
  stringLength(): number {
    // Most strings here are shorter than 64 bytes: a one-byte zig-zag length (even: non-negative).
    const b = this.buf[this.pos];
    if (b !== undefined && b < 0x80 && (b & 1) === 0) {
      const len = b >>> 1;
      if (this.pos + 1 + len > this.buf.length) throw new RangeError('string past the end');
      this.pos++;
      return len;
    }
    const len = this.long();
    if (len < 0 || this.pos + len > this.buf.length) throw new RangeError('string past the end');
    return len;
  }

  /** Item count of an array or map that is one block (what avsc and the Java client write); the end marker is
   *  checked by endOfBlocks() after the items. More blocks throw. */
  blockCount(): number {
    let n = this.long();
    if (n < 0) {
      n = -n;
      this.long(); // block size in bytes
    }
    return n;
  }

  endOfBlocks(): void {
    if (this.long() !== 0) throw new RangeError('more than one block');
  }

  /** Points the cursor at a record body: buf[start..]. */
  reset(buf: Buffer, start: number): void {
    this.buf = buf;
    this.pos = start;
  }

  /** Throws unless the whole body was read. */
  atEnd(): void {
    if (this.pos !== this.buf.length) throw new RangeError(`${this.buf.length - this.pos} bytes after the record`);
  }
}

/** ClickHouse integer column types an Avro int/long may be written as. */
export type IntColumn = 'Int64' | 'UInt64' | 'UInt32';

/** The ClickHouse name of an Avro field (decisionId -> decision_id): table columns and named Tuple elements. */
export const columnName = (avroField: string): string => avroField.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
