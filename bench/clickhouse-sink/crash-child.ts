// A decisions-sink process for the crash-and-redeliver test (test/int/clickhouse-crash.int.test.ts); also a soak tool.
//   node bench/clickhouse-sink/crash-child.ts <chdb-path> <decisions.jsonl> <offsets.json>
// Stands in for a Kafka consumer group without a broker: <decisions.jsonl> is the topic (one DecisionRecord per
// line; per partition, the offset is the record's position within its partition), <offsets.json> the group's
// committed offsets, replaced atomically (write + rename) only after the insert was acknowledged. On start it
// resumes from the committed offsets, so a SIGKILL at any point redelivers everything not yet committed.
// Prints READY after the migrations, INSERTED <rows> after each acknowledged insert and COMMIT <offsets> after each
// commit, so a parent can time its kills and count rows stored more than once.
// ARBITER_CRASH_BEFORE_COMMIT=n: SIGKILL itself at the n-th acknowledged insert, before its offsets are written
// (the worst moment: those rows are stored and will be delivered again).
import { readFileSync, renameSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { createDecisionsSink } from '../../processors/sinks/clickhouse/table-sink.ts';
import type { DecisionRecord } from '../../processors/core/types.ts';
import type { Batch, InRecord } from '../../processors/runtime/transport/transport.ts';

const [chdbPath, topicFile, offsetsFile] = process.argv.slice(2);
if (!chdbPath || !topicFile || !offsetsFile) {
  console.error('usage: crash-child.ts <chdb-path> <decisions.jsonl> <offsets.json>');
  process.exit(2);
}

const partitions = new Map<number, InRecord[]>();
for (const line of readFileSync(topicFile, 'utf8').split('\n')) {
  if (!line) continue;
  const partition = (JSON.parse(line) as DecisionRecord).chainPartition;
  const list = partitions.get(partition) ?? [];
  list.push({ topic: 'arbiter.decisions', partition, offset: String(list.length), key: null, value: Buffer.from(line), headers: {}, timestampMs: 0 });
  partitions.set(partition, list);
}
const committed: Record<string, string> = existsSync(offsetsFile) ? JSON.parse(readFileSync(offsetsFile, 'utf8')) : {};

const crashBeforeCommit = Number(process.env['ARBITER_CRASH_BEFORE_COMMIT'] ?? 0);
let inserts = 0;
const client = createClickHouse({ kind: 'chdb', path: chdbPath });
await applyMigrations(client, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
console.log('READY');
const sink = createDecisionsSink(client, {
  decode: (r) => JSON.parse(String(r.value)) as DecisionRecord,
  observe: (e) => {
    if (e.phase !== 'inserted') return;
    writeSync(1, `INSERTED ${e.rows}\n`); // synchronous: must reach the parent before a SIGKILL
    if (++inserts === crashBeforeCommit) process.kill(process.pid, 'SIGKILL');
  },
  commit: async (offsets) => {
    for (const o of offsets) committed[String(o.partition)] = o.offset;
    writeFileSync(`${offsetsFile}.tmp`, JSON.stringify(committed));
    renameSync(`${offsetsFile}.tmp`, offsetsFile);
    console.log(`COMMIT ${JSON.stringify(committed)}`);
  },
  onDecodeError: (e) => { throw e; },
  asyncInsert: false,
  batching: { minBatchRows: 10_000, maxBatchRows: 20_000, lingerMs: 100, maxBufferedRows: 40_000, insertAttempts: 3, retryBackoffMs: 50 },
});

// Round-robin over partitions, 500 records per fetch, from each partition's committed offset.
const cursor = new Map([...partitions.keys()].map((p) => [p, Number(committed[String(p)] ?? 0)]));
for (let more = true; more; ) {
  more = false;
  for (const [p, records] of partitions) {
    const from = cursor.get(p) ?? 0;
    if (from >= records.length) continue;
    more = true;
    const batch: Batch = { topic: 'arbiter.decisions', partition: p, records: records.slice(from, from + 500) };
    cursor.set(p, from + batch.records.length);
    await sink.accept(batch);
  }
}
await sink.close();
await client.close();
console.log(`DONE ${JSON.stringify(committed)}`);
