// Table sinks: one wire record type into one table, batched and idempotent. A TableSpec names the table, its
// insert columns, the insert format and the row writer; the batching lives in batching-sink.ts.
// Table sinks: one wire record type into one table, batched and idempotent. A TableSpec names the table, its
// insert columns, its row format and row writer, and, for tables that mirror an Avro record, that record: such rows
// are transcoded from the records' Avro bytes and, on chDB, inserted as Native columns (the cheapest format chDB
// reads, docs/benchmarks.md); against a ClickHouse server they stay RowBinary. The batching lives in batching-sink.ts.
import type { ClickHouseClient } from '@clickhouse/client';
import type { DecisionRecord } from '../../core/types.ts';
import type { ApprovalEvent } from '../../../schemas/generated/ApprovalEvent.ts';
import type { TrajectoryAlert } from '../../../schemas/generated/TrajectoryAlert.ts';
import { avroType, type SchemaName } from '../../../schemas/catalogue.ts';
import { createBatchingSink, DEFAULT_BATCHING, type BatchingOptions, type BatchingSink, type SinkDeps } from './batching-sink.ts';
import { rowBlockEncoder } from './block-encoder.ts';
import { DECISION_ROW_COLUMNS, writeDecisionRow } from './decision-row.ts';
import { ALERT_COLUMNS, APPROVAL_EVENT_COLUMNS, encodeAlertRow, encodeApprovalEventRow } from './event-rows.ts';
import { makeInsertRows, type InsertFormat } from './insert.ts';
import type { RowBinaryWriter } from './row-binary.ts';
import { compileTranscoder, type Transcoder } from './avro-rowbinary.ts';
import { columnName } from './avro-cursor.ts';
import { compileNativeTranscoder, type NativeColumnHints } from './avro-native.ts';
import { NativeBlock } from './native-block.ts';
import type avro from 'avsc';
import { ArbiterError } from '../../core/errors.ts';
import { chdbSessionOf } from '../../runtime/clickhouse-client.ts';
import { HEADER_BYTES, MAGIC_BYTE } from '../../runtime/serde/wire-format.ts';
import type { InRecord } from '../../runtime/transport/transport.ts';

export interface TableSpec<R> {
  readonly table: string;
  readonly columns: readonly string[];
  /** The row format (always, against a server; on chDB unless the table has `avro`). */
  readonly format: Exclude<InsertFormat, 'Native'>;
  /** Appends one row in `format`, columns in `columns` order. */
  readonly write: (writer: RowBinaryWriter, record: R) => void;
  /** RowBinary tables whose columns are an Avro record's fields in order (camelCase -> snake_case): the record, the
   *  ClickHouse type of each int/long field and the LowCardinality(String) values (as the DDL has them: the Native
   *  block then carries them dictionary-encoded). Enables transcoding Avro bytes straight into rows or columns. */
  readonly avro?: { readonly schema: SchemaName } & NativeColumnHints;
}

/** A JSONCompactEachRow table from a line encoder. */
const jsonLines = <R>(encode: (record: R) => string): Pick<TableSpec<R>, 'format' | 'write'> => ({
  format: 'JSONCompactEachRow',
  write: (w, r) => w.text(`${encode(r)}\n`),
});

// Decisions are the volume table: Native on chDB, RowBinary on a server. Alerts and approval events are rare.
export const DECISIONS_TABLE: TableSpec<DecisionRecord> = {
  table: 'decisions', columns: DECISION_ROW_COLUMNS, format: 'RowBinary', write: writeDecisionRow,
  avro: {
    schema: 'DecisionRecord',
    ints: { decidedAtMs: 'Int64', latencyUs: 'UInt32', chainPartition: 'UInt32', chainSeq: 'UInt64' },
    // deploy/clickhouse/migrations/0001_decisions.sql; test/int/clickhouse-native.int.test.ts compares the block's
    // types with the table's.
    lowCardinality: [
      'agentId', 'tenantId', 'agentRole', 'environment', 'tool', 'intent', 'effect', 'ruleIds[]', 'modifications[].kind',
      'shadow[].mode', 'shadow[].effect', 'bundleRevision', 'dataLabels[]', 'factsUsed{key}', 'errorCode',
    ],
  },
};
export const ALERTS_TABLE: TableSpec<TrajectoryAlert> = { table: 'alerts', columns: ALERT_COLUMNS, ...jsonLines(encodeAlertRow) };
export const APPROVAL_EVENTS_TABLE: TableSpec<ApprovalEvent> = { table: 'approval_events', columns: APPROVAL_EVENT_COLUMNS, ...jsonLines(encodeApprovalEventRow) };

export interface TableSinkOptions<R> {
  readonly decode: SinkDeps<R, unknown>['decode'];
  readonly commit: SinkDeps<R, unknown>['commit'];
  readonly onDecodeError: SinkDeps<R, unknown>['onDecodeError'];
  readonly observe?: SinkDeps<R, unknown>['observe'];
  /** Tables with `avro`: records in the Confluent frame with this schema id (asked once, at creation) are transcoded
   *  from their bytes; any other record is decoded. Without it every record is decoded. */
  readonly writerSchemaId?: () => number;
  /** True against a ClickHouse server (async_insert, acknowledged after the server flushed); false on chDB. */
  readonly asyncInsert: boolean;
  /** chDB: insert the row format even where Native applies (for benchmarks that compare the two). */
  readonly rowFormat?: boolean;
  readonly batching?: BatchingOptions;
}

export function createTableSink<R>(client: ClickHouseClient, spec: TableSpec<R>, o: TableSinkOptions<R>): BatchingSink {
  const common = {
    table: spec.table,
    decode: o.decode,
    commit: o.commit,
    onDecodeError: o.onDecodeError,
    ...(o.observe ? { observe: o.observe } : {}),
  };
  const insert = (format: InsertFormat) => makeInsertRows(client, { table: spec.table, columns: spec.columns, format, asyncInsert: o.asyncInsert });
  const batching = o.batching ?? DEFAULT_BATCHING;
  const type = spec.avro ? avroType(spec.avro.schema) : undefined;
  if (spec.avro && type && chdbSessionOf(client) && !o.rowFormat) {
    checkColumns(spec, type);
    const block = new NativeBlock();
    const transcode = compileNativeTranscoder<R>(type, spec.columns, spec.avro, block);
    return createBatchingSink<R, NativeBlock>({
      ...common,
      encoder: block,
      insert: insert('Native'),
      write: (_block, record) => transcode.record(record),
      ...(o.writerSchemaId ? { transcode: framed(o.writerSchemaId, (_block: NativeBlock, body, start) => transcode.bytes(body, start)) } : {}),
    }, batching);
  }
  const rows = type ? tableTranscoder(spec, type) : undefined;
  return createBatchingSink<R, RowBinaryWriter>({
    ...common,
    encoder: rowBlockEncoder(),
    insert: insert(spec.format),
    write: spec.write,
    ...(rows && o.writerSchemaId ? { transcode: framed(o.writerSchemaId, (w: RowBinaryWriter, body, start) => rows(body, w, start)) } : {}),
  }, batching);
}

export type DecisionsSinkOptions = TableSinkOptions<DecisionRecord>;

export function createDecisionsSink(client: ClickHouseClient, o: DecisionsSinkOptions): BatchingSink {
  return createTableSink(client, DECISIONS_TABLE, o);
}

/** Throws ARB_CONFIG_INVALID (at startup) when the record's fields are not the table's columns in order. */
function checkColumns<R>(spec: TableSpec<R>, type: avro.Type): void {
  const fields = (type as avro.types.RecordType).fields.map((f) => columnName(f.name));
  if (fields.join(',') !== spec.columns.join(',')) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `table ${spec.table}: Avro fields (${fields.join(', ')}) are not its insert columns (${spec.columns.join(', ')})`, { key: spec.table });
  }
}

/** The Avro-to-RowBinary transcoder of a table for records of `type`, or undefined when the table has none. Throws
 *  ARB_CONFIG_INVALID at startup when the record's fields are not the table's columns in order. */
export function tableTranscoder<R>(spec: TableSpec<R>, type: avro.Type): Transcoder | undefined {
  if (spec.format !== 'RowBinary' || !spec.avro) return undefined;
  checkColumns(spec, type);
  return compileTranscoder(type, spec.avro.ints);
}

/** A transcode step for Confluent-framed values: records framed with schema id `writerId()` (asked once) have
 *  their body transcoded, any other record returns false and is decoded. */
function framed<W>(writerId: () => number, transcode: (writer: W, body: Buffer, start: number) => void): (r: InRecord, w: W) => boolean {
  const id = writerId();
  return (r, w) => {
    const v = r.value;
    if (v === null || v.length < HEADER_BYTES || v[0] !== MAGIC_BYTE || v.readInt32BE(1) !== id) return false;
    transcode(w, v, HEADER_BYTES);
    return true;
  };
}
