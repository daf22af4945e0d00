// Avro binary -> ClickHouse RowBinary, byte to byte, without building the record in JS: strings are copied as
// bytes (both formats are a length then UTF-8), enums become their symbol, Avro's zig-zag longs become fixed-width
// little-endian integers, arrays and maps keep their order, nested records their fields (a Tuple). Compiled once per
// (writer schema, table); the sink uses it for records written with the topic's current schema and decodes others.
// Contract: the transcoded row equals writing the decoded record with the table's row writer. Anything this does not
// handle (a type outside the ones below, an array or map split into several blocks, a truncated or over-long body)
// throws, and the caller falls back to the decoder, which reports what was wrong.
import type avro from 'avsc';
import { AvroCursor, type IntColumn } from './avro-cursor.ts';
import type { RowBinaryWriter } from './row-binary.ts';

export type { IntColumn } from './avro-cursor.ts';

type Step = (c: AvroCursor, w: RowBinaryWriter) => void;

function copyString(c: AvroCursor, w: RowBinaryWriter): void {
  const len = c.stringLength();
  const end = c.pos + len;
  w.lengthPrefixed(c.buf, c.pos, end);
  c.pos = end;
}

function compile(type: avro.Type, intColumn: IntColumn | undefined, where: string): Step {
  const t = type as avro.Type & { typeName: string };
  switch (t.typeName) {
    case 'string':
      return copyString;
    case 'int':
    case 'long': {
      if (intColumn === undefined) throw new Error(`${where}: no ClickHouse integer type given`);
      if (intColumn === 'UInt32') {
        return (c, w) => w.uint32(c.long());
      }
      return intColumn === 'Int64'
        ? (c, w) => w.int64(c.long())
        : (c, w) => {
            const v = c.long();
            if (v < 0) throw new RangeError(`${where}: negative value for UInt64`);
            w.int64(v);
          };
    }
    case 'enum': {
      const symbols = (type as avro.types.EnumType).symbols;
      return (c, w) => {
        const s = symbols[c.long()];
        if (s === undefined) throw new RangeError(`${where}: enum index out of range`);
        w.string(s);
      };
    }
    case 'array': {
      const item = compile((type as avro.types.ArrayType).itemsType, undefined, `${where}[]`);
      return (c, w) => {
        const n = c.blockCount();
        w.uvarint(n);
        if (n === 0) return;
        for (let i = 0; i < n; i++) item(c, w);
        c.endOfBlocks();
      };
    }
    case 'map': {
      const value = compile((type as avro.types.MapType).valuesType, undefined, `${where}{}`);
      return (c, w) => {
        const n = c.blockCount();
        w.uvarint(n);
        if (n === 0) return;
        for (let i = 0; i < n; i++) {
          copyString(c, w);
          value(c, w);
        }
        c.endOfBlocks();
      };
    }
    case 'record': {
      const fields = (type as avro.types.RecordType).fields.map((f) => compile(f.type, undefined, `${where}.${f.name}`));
      return (c, w) => {
        for (const f of fields) f(c, w);
      };
    }
    default:
      throw new Error(`${where}: Avro type ${t.typeName} is not transcoded`);
  }
}

/** Writes the row of the Avro record body at body[start..] (the whole rest of the buffer). */
export type Transcoder = (body: Buffer, writer: RowBinaryWriter, start?: number) => void;

/**
 * Compiles a transcoder for records of `type` into a table whose columns are the record's top-level fields in order.
 * `ints` gives the ClickHouse type of each top-level int/long field by Avro field name.
 */
export function compileTranscoder(type: avro.Type, ints: Readonly<Record<string, IntColumn>>): Transcoder {
  const record = type as avro.types.RecordType;
  const steps = record.fields.map((f) => compile(f.type, ints[f.name], f.name));
  const cursor = new AvroCursor();
  return (body, w, start = 0) => {
    cursor.reset(body, start);
    for (const s of steps) s(cursor, w);
    cursor.atEnd();
  };
}
