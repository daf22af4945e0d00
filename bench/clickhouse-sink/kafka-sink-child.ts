// A decisions-sink process on the real broker for the Kafka crash test (test/int/clickhouse-kafka-crash.int.test.ts).
//   node bench/clickhouse-sink/kafka-sink-child.ts <chdb-path> <topic-prefix> <partitions> <group-id>
// Runs the Kafka decisions sink until its committed offsets reach the topic's high-water marks, then prints DONE.
// Prints READY once consuming, INSERTED/COMMIT around each batch. ARBITER_CRASH_BEFORE_COMMIT=n SIGKILLs itself at
// the n-th acknowledged insert, before its offsets are committed (those rows will be delivered again).
import { writeSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { localBrokers } from '../kafka-clients/local-brokers.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { createRegistryClient } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { defineTopics } from '../../processors/runtime/topics.ts';
import { createTransport, parseKafkaClient } from '../../processors/runtime/transport/index.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { startKafkaDecisionsSink } from '../../processors/sinks/clickhouse/kafka-table-sink.ts';

const [chdbPath, prefix, partitions, groupId] = process.argv.slice(2);
const registry = process.env['SCHEMA_REGISTRY_URL'];
if (!chdbPath || !prefix || !partitions || !groupId || !registry) {
  console.error('usage: kafka-sink-child.ts <chdb-path> <topic-prefix> <partitions> <group-id> (SCHEMA_REGISTRY_URL set)');
  process.exit(2);
}
const crashAt = Number(process.env['ARBITER_CRASH_BEFORE_COMMIT'] ?? 0);
const topics = defineTopics({ prefix, partitions: Number(partitions), replicationFactor: 1 });
const client = createClickHouse({ kind: 'chdb', path: chdbPath });
await applyMigrations(client, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
const transport = await createTransport(parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']), { brokers: localBrokers(), clientId: `${groupId}-${process.pid}` });
const serde = new TopicSerde(createRegistryClient(registry), topics);
await serde.registerAll();
let inserts = 0;
const sink = await startKafkaDecisionsSink({
  transport, serde, topic: topics.decisions, client, asyncInsert: false, groupId, metricsIntervalMs: 0,
  batching: { minBatchRows: 5_000, maxBatchRows: 20_000, lingerMs: 100, maxBufferedRows: 40_000, insertAttempts: 3, retryBackoffMs: 50 },
  observe: (e) => {
    // Synchronous writes: a line must reach the parent before a SIGKILL.
    writeSync(1, `${e.phase === 'inserted' ? 'INSERTED' : 'COMMIT'} ${e.rows}\n`);
    if (e.phase === 'inserted' && ++inserts === crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
console.log('READY');
// Done is judged on the group's offsets as the broker holds them, not on this process's own commits: a partition a
// killed predecessor already committed to its end gives this child nothing to consume, so it never commits it again.
const groupAdmin = new Kafka({ clientId: `${groupId}-done-check`, brokers: [...localBrokers()], logLevel: logLevel.NOTHING }).admin();
await groupAdmin.connect();
const admin = await transport.admin();
for (;;) {
  await new Promise((r) => setTimeout(r, 500));
  const highs = await admin.fetchOffsets(topics.decisions.topic);
  const [group] = await groupAdmin.fetchOffsets({ groupId, topics: [topics.decisions.topic] });
  const committedOf = (p: number): bigint => {
    const mine = BigInt(sink.committed().get(p) ?? '0');
    const theirs = BigInt(group?.partitions.find((x) => x.partition === p)?.offset ?? '-1');
    return mine > theirs ? mine : theirs;
  };
  if (highs.every((p) => committedOf(p.partition) >= BigInt(p.high))) break;
}
await groupAdmin.disconnect();
await admin.close();
await sink.stop();
await client.close();
console.log('DONE');
process.exit(0);
