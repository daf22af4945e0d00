// Diagnosis aid for @platformatic/kafka processes (bench only): counts every Kafka request and its round trip (request
// written -> response read) per API, from the client's diagnostics channel. Loaded into a child with
//   NODE_OPTIONS="--import <path>/api-trace.ts" ARBITER_KAFKA_API_TRACE=/tmp/trace.json
// it rewrites the cumulative totals to that file every 250 ms; readApiTrace() reads them back (bench/verdict diffs two
// readings to print requests per commit and ms per request).
import { tracingChannel } from 'node:diagnostics_channel';
import { readFileSync, writeFileSync } from 'node:fs';

export type ApiTotals = Record<string, { calls: number; ms: number }>;

/** Request API keys by name: the ones a transactional consume-transform-produce loop uses. */
const API_NAMES: Readonly<Record<number, string>> = {
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator',
  11: 'JoinGroup', 12: 'Heartbeat', 14: 'SyncGroup', 22: 'InitProducerId', 24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn',
  26: 'EndTxn', 28: 'TxnOffsetCommit',
};

export function readApiTrace(path: string): ApiTotals {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ApiTotals;
  } catch {
    return {};
  }
}

const target = process.env['ARBITER_KAFKA_API_TRACE'];
if (target !== undefined && target !== '') {
  const totals: ApiTotals = {};
  const started = new WeakMap<object, number>();
  tracingChannel('plt:kafka:connections:api').subscribe({
    start: (context) => started.set(context as object, performance.now()),
    end: () => undefined,
    asyncStart: (context) => {
      const at = started.get(context as object);
      if (at === undefined) return;
      const key = (context as { apiKey?: number }).apiKey ?? -1;
      const name = API_NAMES[key] ?? `api${key}`;
      const t = (totals[name] ??= { calls: 0, ms: 0 });
      t.calls++;
      t.ms += performance.now() - at;
    },
    asyncEnd: () => undefined,
    error: () => undefined,
  });
  setInterval(() => writeFileSync(target, JSON.stringify(totals)), 250).unref();
}
