// Changelog restore benchmark: time to restore one newly assigned partition of a 4-partition changelog, reading only
// that partition (ConsumerOptions.onlyPartitions) versus the whole topic and skipping the others (the adapter
// ignoring the hint, as before). Same topic, same broker, alternating, medians.
//   node bench/verdict/restore.ts [--records 20000] [--bytes 1024] [--runs 5] [--client platformatic]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { restorePartitions } from '../../processors/runtime/stream/restore.ts';
import { createTransport, parseKafkaClient, type KafkaTransport, type OutRecord } from '../../processors/runtime/transport/index.ts';
import { localBrokers } from '../kafka-clients/local-brokers.ts';
import { median } from '../kafka-clients/latency-stats.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' }, bytes: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '5' }, client: { type: 'string' },
  },
});
const PARTITIONS = 4;
const RECORDS = Number(args.records);
const BYTES = Number(args.bytes);
const RUNS = Number(args.runs);
const log = (message: string) => process.stderr.write(`[bench:restore] ${message}\n`);

const transport = await createTransport(parseKafkaClient(args.client ?? process.env['ARBITER_KAFKA_CLIENT']),
  { brokers: localBrokers(), clientId: 'bench-restore' });
/** The same transport with the partition hint dropped: every partition is read (the behaviour before the hint). */
const wholeTopic: KafkaTransport = {
  name: transport.name, supportsTransactions: transport.supportsTransactions, admin: () => transport.admin(),
  producer: (o) => transport.producer(o),
  consumer: (o) => {
    const { onlyPartitions: _ignored, ...rest } = o;
    return transport.consumer(rest);
  },
};

const topic = `bench.restore.${randomUUID().slice(0, 8)}`;
const admin = await transport.admin();
await admin.ensureTopics([{ topic, partitions: PARTITIONS, replicationFactor: 1, configs: { 'retention.ms': '3600000' } }]);
await admin.close();
const producer = await transport.producer({ idempotent: true });
const value = Buffer.alloc(BYTES, 7);
for (let start = 0; start < RECORDS; start += 500) {
  const batch: OutRecord[] = [];
  for (let i = start; i < Math.min(RECORDS, start + 500); i++) {
    for (let p = 0; p < PARTITIONS; p++) batch.push({ topic, partition: p, key: `s${i}`, value });
  }
  await producer.send(batch);
}
log(`${topic}: ${PARTITIONS} partitions x ${RECORDS} records x ${BYTES} bytes`);

async function timeRestore(t: KafkaTransport): Promise<number> {
  let records = 0;
  const started = performance.now();
  await restorePartitions({
    transport: t, producer, topic, partitions: [0], groupPrefix: 'bench-restore', timeoutMs: 120_000, onRecord: () => records++,
  });
  const ms = performance.now() - started;
  if (records !== RECORDS) throw new Error(`restored ${records} records of partition 0, expected ${RECORDS}`);
  return ms;
}

const only: number[] = [];
const whole: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  only.push(await timeRestore(transport));
  whole.push(await timeRestore(wholeTopic));
  log(`run ${run}: partition 0 only ${only.at(-1)?.toFixed(0)} ms, whole topic ${whole.at(-1)?.toFixed(0)} ms`);
}
await producer.close();
process.stdout.write(`Restore of 1 of ${PARTITIONS} partitions (${RECORDS} records of ${BYTES} bytes each), ${transport.name}, median of ${RUNS}: ` +
  `assigned partition only ${median(only).toFixed(0)} ms, whole topic ${median(whole).toFixed(0)} ms (${(median(whole) / median(only)).toFixed(2)}x).\n`);
process.exit(0);
