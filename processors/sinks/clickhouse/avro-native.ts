// Avro binary -> a ClickHouse Native block (native-block.ts), value by value into column streams, without building
// the record in JS: strings are copied as bytes (both formats: a length then UTF-8), enums become their symbol,
// zig-zag longs fixed-width little-endian integers, arrays and maps an end offset per row plus their elements, nested
// records a named Tuple (element names in snake_case, as the DDL has them). Compiled once per (record type, block):
// the column types are derived from the Avro types, with LowCardinality(String) for the string and enum values the
// table declares so (dictionary-encoded in JS, low-cardinality.ts: chDB then parses its own layout instead of
// building the dictionary from strings, docs/benchmarks.md). A path the hints name that the record lacks is an error.
// The same compile also writes a decoded record (a JS value of the type: records decoded from older schema ids) into
// the same streams, so both paths share one column layout.
// Contract: a record's row in the block equals its row in RowBinary (avro-rowbinary.ts), i.e. the same values land in
// the table, whichever path wrote it. Anything the byte path does not handle (an array or map split into several
// blocks, a truncated or over-long body) throws; the caller rolls the row back and decodes the record instead.
import type avro from 'avsc';
import { ArbiterError } from '../../core/errors.ts';
import { AvroCursor, columnName, type IntColumn } from './avro-cursor.ts';
import type { LowCardinalityStream } from './low-cardinality.ts';
import type { NativeBlock } from './native-block.ts';
import type { RowBinaryWriter } from './row-binary.ts';

/** How a table stores an Avro record's values, where the Avro type alone does not say. */
export interface NativeColumnHints {
  /** The ClickHouse type of each top-level int/long field, by Avro name. */
  readonly ints: Readonly<Record<string, IntColumn>>;
  /** The string and enum values stored as LowCardinality(String), by path: a field 'tool', an array's items
   *  'ruleIds[]', a field of an array's records 'shadow[].mode', a map's keys 'factsUsed{key}'. */
  readonly lowCardinality?: readonly string[];
}

type Step = (c: AvroCursor) => void;
type ValueStep = (v: unknown) => void;

interface Compiled {
  /** The ClickHouse type the streams hold. */
  readonly type: string;
  /** Writes the value at the cursor (Avro bytes). */
  readonly step: Step;
  /** Writes a decoded value. */
  readonly value: ValueStep;
}

const stringInto = (w: RowBinaryWriter): Step => (c) => {
  const len = c.stringLength();
  const end = c.pos + len;
  w.lengthPrefixed(c.buf, c.pos, end);
  c.pos = end;
};

const lowCardinalityInto = (s: LowCardinalityStream): Step => (c) => {
  const len = c.stringLength();
  const end = c.pos + len;
  s.bytes(c.buf, c.pos, end);
  c.pos = end;
};

/** The LowCardinality paths of a compile; those left in `unused` afterwards matched no value. */
interface LowCardinalityPaths {
  readonly all: ReadonlySet<string>;
  readonly unused: Set<string>;
}

/** A string value at `where`: LowCardinality if the hints say so, else String. */
function stringColumn(where: string, block: NativeBlock, lc: LowCardinalityPaths): Compiled {
  if (lc.all.has(where)) {
    lc.unused.delete(where);
    const s = block.lowCardinality();
    return { type: 'LowCardinality(String)', step: lowCardinalityInto(s), value: (v) => s.string(v as string) };
  }
  const w = block.stream();
  return { type: 'String', step: stringInto(w), value: (v) => w.string(v as string) };
}

function compile(type: avro.Type, intColumn: IntColumn | undefined, where: string, block: NativeBlock, lc: LowCardinalityPaths): Compiled {
  const t = type as avro.Type & { typeName: string };
  switch (t.typeName) {
    case 'string':
      return stringColumn(where, block, lc);
    case 'int':
    case 'long': {
      if (intColumn === undefined) throw new Error(`${where}: no ClickHouse integer type given`);
      const w = block.stream();
      if (intColumn === 'UInt32') return { type: intColumn, step: (c) => w.uint32(c.long()), value: (v) => w.uint32(v as number) };
      if (intColumn === 'Int64') return { type: intColumn, step: (c) => w.int64(c.long()), value: (v) => w.int64(v as number) };
      const unsigned = (v: number): void => {
        if (v < 0) throw new RangeError(`${where}: negative value for UInt64`);
        w.int64(v);
      };
      return { type: intColumn, step: (c) => unsigned(c.long()), value: (v) => unsigned(v as number) };
    }
    case 'enum': {
      const symbols = (type as avro.types.EnumType).symbols;
      if (lc.all.has(where)) {
        lc.unused.delete(where);
        const s = block.lowCardinality();
        const utf8 = symbols.map((x) => Buffer.from(x, 'utf8'));
        return {
          type: 'LowCardinality(String)',
          step: (c) => {
            const b = utf8[c.long()];
            if (b === undefined) throw new RangeError(`${where}: enum index out of range`);
            s.bytes(b, 0, b.length);
          },
          value: (v) => s.string(v as string),
        };
      }
      const w = block.stream();
      return {
        type: 'String',
        step: (c) => {
          const s = symbols[c.long()];
          if (s === undefined) throw new RangeError(`${where}: enum index out of range`);
          w.string(s);
        },
        value: (v) => w.string(v as string),
      };
    }
    case 'array': {
      const offsets = block.offsets();
      const item = compile((type as avro.types.ArrayType).itemsType, undefined, `${where}[]`, block, lc);
      const itemStep = item.step;
      const itemValue = item.value;
      return {
        type: `Array(${item.type})`,
        step: (c) => {
          const n = c.blockCount();
          offsets.push(n);
          if (n === 0) return;
          for (let i = 0; i < n; i++) itemStep(c);
          c.endOfBlocks();
        },
        value: (v) => {
          const xs = v as readonly unknown[];
          offsets.push(xs.length);
          for (const x of xs) itemValue(x);
        },
      };
    }
    case 'map': {
      const offsets = block.offsets();
      const keys = stringColumn(`${where}{key}`, block, lc);
      const key = keys.step;
      const keyValue = keys.value;
      const value = compile((type as avro.types.MapType).valuesType, undefined, `${where}{}`, block, lc);
      const valueStep = value.step;
      const valueValue = value.value;
      return {
        type: `Map(${keys.type}, ${value.type})`,
        step: (c) => {
          const n = c.blockCount();
          offsets.push(n);
          if (n === 0) return;
          for (let i = 0; i < n; i++) {
            key(c);
            valueStep(c);
          }
          c.endOfBlocks();
        },
        value: (v) => {
          const m = v as Readonly<Record<string, unknown>>;
          const ks = Object.keys(m);
          offsets.push(ks.length);
          for (const k of ks) {
            keyValue(k);
            valueValue(m[k]);
          }
        },
      };
    }
    case 'record': {
      const fields = (type as avro.types.RecordType).fields.map((f) => ({ avro: f.name, name: columnName(f.name), ...compile(f.type, undefined, `${where}.${f.name}`, block, lc) }));
      const steps = fields.map((f) => f.step);
      return {
        type: `Tuple(${fields.map((f) => `${f.name} ${f.type}`).join(', ')})`,
        step: (c) => {
          for (const s of steps) s(c);
        },
        value: (v) => {
          const r = v as Readonly<Record<string, unknown>>;
          for (const f of fields) f.value(r[f.avro]);
        },
      };
    }
    default:
      throw new Error(`${where}: Avro type ${t.typeName} is not transcoded`);
  }
}

export interface NativeTranscoder<R> {
  /** Appends the row of the Avro record body at body[start..] (the rest of the buffer) to the block. */
  readonly bytes: (body: Buffer, start?: number) => void;
  /** Appends the row of a decoded record of the type. */
  readonly record: (record: R) => void;
}

/**
 * Defines `block`'s columns from the record `type` (one column per top-level field, named `columns[i]`) and returns
 * the writers that fill them. Throws if a LowCardinality path of `hints` names no string or enum value of the record.
 */
export function compileNativeTranscoder<R>(
  type: avro.Type, columns: readonly string[], hints: NativeColumnHints, block: NativeBlock,
): NativeTranscoder<R> {
  const fields = (type as avro.types.RecordType).fields;
  const lc = { all: new Set(hints.lowCardinality), unused: new Set(hints.lowCardinality) };
  const compiled = fields.map((f, i) => {
    const first = block.streamCount;
    const c = compile(f.type, hints.ints[f.name], f.name, block, lc);
    block.column(columns[i] ?? columnName(f.name), c.type, first);
    return { avro: f.name, ...c };
  });
  if (lc.unused.size > 0) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `LowCardinality paths that name no string or enum value of ${type.name ?? 'the record'}: ${[...lc.unused].join(', ')}`);
  }
  const steps = compiled.map((c) => c.step);
  const cursor = new AvroCursor();
  return {
    bytes: (body, start = 0) => {
      cursor.reset(body, start);
      for (const s of steps) s(cursor);
      cursor.atEnd();
    },
    record: (record) => {
      const r = record as Readonly<Record<string, unknown>>;
      for (const c of compiled) c.value(r[c.avro]);
    },
  };
}
