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

export interface TableSpec<R> {
  readonly table: string;
  readonly columns: readonly string[];
  readonly format: InsertFormat;
  /** Appends one row in `format`, columns in `columns` order. */
  readonly write: (writer: RowBinaryWriter, record: R) => void;
}

/** A JSONCompactEachRow table from a line encoder. */
const jsonLines = <R>(encode: (record: R) => string): Pick<TableSpec<R>, 'format' | 'write'> => ({
  format: 'JSONCompactEachRow',
  write: (w, r) => w.text(`${encode(r)}\n`),
});

// Decisions are the volume table: RowBinary (cheapest for chDB to parse). Alerts and approval events are rare.
export const DECISIONS_TABLE: TableSpec<DecisionRecord> = { table: 'decisions', columns: DECISION_ROW_COLUMNS, format: 'RowBinary', write: writeDecisionRow };
export const ALERTS_TABLE: TableSpec<TrajectoryAlert> = { table: 'alerts', columns: ALERT_COLUMNS, ...jsonLines(encodeAlertRow) };
export const APPROVAL_EVENTS_TABLE: TableSpec<ApprovalEvent> = { table: 'approval_events', columns: APPROVAL_EVENT_COLUMNS, ...jsonLines(encodeApprovalEventRow) };

export interface TableSinkOptions<R> {
  readonly decode: SinkDeps<R>['decode'];
  readonly commit: SinkDeps<R>['commit'];
  readonly onDecodeError: SinkDeps<R>['onDecodeError'];
  readonly observe?: SinkDeps<R>['observe'];
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
    },
    o.batching ?? DEFAULT_BATCHING,
  );
}

export type DecisionsSinkOptions = TableSinkOptions<DecisionRecord>;

export function createDecisionsSink(client: ClickHouseClient, o: DecisionsSinkOptions): BatchingSink {
  return createTableSink(client, DECISIONS_TABLE, o);
}
