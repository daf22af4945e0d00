// The decisions sink: DecisionRecords from the decisions topic into the decisions table, batched and idempotent.
// Wiring only; batching lives in batching-sink.ts, the row format in decision-row.ts.
import type { ClickHouseClient } from '@clickhouse/client';
import type { DecisionRecord } from '../../core/types.ts';
import { createBatchingSink, DEFAULT_BATCHING, type BatchingOptions, type BatchingSink, type SinkDeps } from './batching-sink.ts';
import { DECISION_ROW_COLUMNS, encodeDecisionRow } from './decision-row.ts';
import { makeInsertLines } from './insert.ts';

export interface DecisionsSinkOptions {
  readonly decode: SinkDeps<DecisionRecord>['decode'];
  readonly commit: SinkDeps<DecisionRecord>['commit'];
  readonly onDecodeError: SinkDeps<DecisionRecord>['onDecodeError'];
  readonly observe?: SinkDeps<DecisionRecord>['observe'];
  /** True against a ClickHouse server (async_insert, acknowledged after the server flushed); false on chDB. */
  readonly asyncInsert: boolean;
  readonly batching?: BatchingOptions;
  readonly table?: string;
}

export function createDecisionsSink(client: ClickHouseClient, o: DecisionsSinkOptions): BatchingSink {
  const table = o.table ?? 'decisions';
  return createBatchingSink<DecisionRecord>(
    {
      table,
      decode: o.decode,
      encode: encodeDecisionRow,
      insert: makeInsertLines(client, { table, columns: DECISION_ROW_COLUMNS, asyncInsert: o.asyncInsert }),
      commit: o.commit,
      onDecodeError: o.onDecodeError,
      ...(o.observe ? { observe: o.observe } : {}),
    },
    o.batching ?? DEFAULT_BATCHING,
  );
}
