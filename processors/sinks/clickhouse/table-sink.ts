// Table sinks: one wire record type into one table, batched and idempotent. A TableSpec names the table, its
// insert columns, the insert format and the row writer; the batching lives in batching-sink.ts.
import type { ClickHouseClient } from '@clickhouse/client';
import type { DecisionRecord } from '../../core/types.ts';
import type { ApprovalEvent } from '../../../schemas/generated/ApprovalEvent.ts';
import type { TrajectoryAlert } from '../../../schemas/generated/TrajectoryAlert.ts';
import { createBatchingSink, DEFAULT_BATCHING, type BatchingOptions, type BatchingSink, type SinkDeps } from './batching-sink.ts';
import { DECISION_ROW_COLUMNS, writeDecisionRow } from './decision-row.ts';
import { ALERT_COLUMNS, APPROVAL_EVENT_COLUMNS, encodeAlertRow, encodeApprovalEventRow } from './event-rows.ts';
import { makeInsertRows, type InsertFormat } from './insert.ts';
import type { RowBinaryWriter } from './row-binary.ts';
import { compileTranscoder, type IntColumn, type Transcoder } from './avro-rowbinary.ts';
import type avro from 'avsc';
import { ArbiterError } from '../../core/errors.ts';
import { HEADER_BYTES, MAGIC_BYTE } from '../../runtime/serde/wire-format.ts';
import type { InRecord } from '../../runtime/transport/transport.ts';

export interface TableSpec<R> {
  readonly table: string;
  readonly columns: readonly string[];
  readonly format: InsertFormat;
  /** Appends one row in `format`, columns in `columns` order. */
  readonly write: (writer: RowBinaryWriter, record: R) => void;
  /** RowBinary tables whose columns are the Avro record's fields in order (camelCase -> snake_case): the ClickHouse
   *  type of each int/long field. Enables transcoding Avro bytes straight into rows (avro-rowbinary.ts). */
  readonly avroInts?: Readonly<Record<string, IntColumn>>;
}

/** A JSONCompactEachRow table from a line encoder. */
const jsonLines = <R>(encode: (record: R) => string): Pick<TableSpec<R>, 'format' | 'write'> => ({
  format: 'JSONCompactEachRow',
  write: (w, r) => w.text(`${encode(r)}\n`),
});

// Decisions are the volume table: RowBinary (cheapest for chDB to parse). Alerts and approval events are rare.
export const DECISIONS_TABLE: TableSpec<DecisionRecord> = {
  table: 'decisions', columns: DECISION_ROW_COLUMNS, format: 'RowBinary', write: writeDecisionRow,
  avroInts: { decidedAtMs: 'Int64', latencyUs: 'UInt32', chainPartition: 'UInt32', chainSeq: 'UInt64' },
};
export const ALERTS_TABLE: TableSpec<TrajectoryAlert> = { table: 'alerts', columns: ALERT_COLUMNS, ...jsonLines(encodeAlertRow) };
export const APPROVAL_EVENTS_TABLE: TableSpec<ApprovalEvent> = { table: 'approval_events', columns: APPROVAL_EVENT_COLUMNS, ...jsonLines(encodeApprovalEventRow) };

export interface TableSinkOptions<R> {
  readonly decode: SinkDeps<R>['decode'];
  readonly commit: SinkDeps<R>['commit'];
  readonly onDecodeError: SinkDeps<R>['onDecodeError'];
  readonly observe?: SinkDeps<R>['observe'];
  readonly transcode?: SinkDeps<R>['transcode'];
  /** True against a ClickHouse server (async_insert, acknowledged after the server flushed); false on chDB. */
  readonly asyncInsert: boolean;
  readonly batching?: BatchingOptions;
}

export function createTableSink<R>(client: ClickHouseClient, spec: TableSpec<R>, o: TableSinkOptions<R>): BatchingSink {
  return createBatchingSink<R>(
    {
      table: spec.table,
      decode: o.decode,
      write: spec.write,
      insert: makeInsertRows(client, { table: spec.table, columns: spec.columns, format: spec.format, asyncInsert: o.asyncInsert }),
      commit: o.commit,
      onDecodeError: o.onDecodeError,
      ...(o.observe ? { observe: o.observe } : {}),
      ...(o.transcode ? { transcode: o.transcode } : {}),
    },
    o.batching ?? DEFAULT_BATCHING,
  );
}

export type DecisionsSinkOptions = TableSinkOptions<DecisionRecord>;

export function createDecisionsSink(client: ClickHouseClient, o: DecisionsSinkOptions): BatchingSink {
  return createTableSink(client, DECISIONS_TABLE, o);
}

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The Avro-to-row transcoder of a table for records of `type`, or undefined when the table has none. Throws
 *  ARB_CONFIG_INVALID at startup when the record's fields are not the table's columns in order. */
export function tableTranscoder<R>(spec: TableSpec<R>, type: avro.Type): Transcoder | undefined {
  if (spec.format !== 'RowBinary' || !spec.avroInts) return undefined;
  const fields = (type as avro.types.RecordType).fields.map((f) => snake(f.name));
  if (fields.join(',') !== spec.columns.join(',')) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `table ${spec.table}: Avro fields (${fields.join(', ')}) are not its insert columns (${spec.columns.join(', ')})`, { key: spec.table });
  }
  return compileTranscoder(type, spec.avroInts);
}

/** The sink's transcode step for Confluent-framed values: records framed with the current writer schema id
 *  (`writerId`, asked once) are transcoded, any other record returns false and is decoded. */
export function framedTranscode<R>(spec: TableSpec<R>, type: avro.Type, writerId: () => number): SinkDeps<R>['transcode'] {
  const transcoder = tableTranscoder(spec, type);
  if (!transcoder) return undefined;
  const id = writerId();
  return (r: InRecord, w: RowBinaryWriter): boolean => {
    const v = r.value;
    if (v === null || v.length < HEADER_BYTES || v[0] !== MAGIC_BYTE || v.readInt32BE(1) !== id) return false;
    transcoder(v.subarray(HEADER_BYTES), w);
    return true;
  };
}
