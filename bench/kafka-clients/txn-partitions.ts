// What each output partition adds to one exactly-once transaction, on the broker and client in use: back-to-back
// transactions (begin, send one ~300-byte record to each of N partitions of N topics, commit; no consumer offsets),
// the partition counts alternated transaction by transaction so the machine's noise falls on all of them alike.
//   node bench/kafka-clients/txn-partitions.ts [--counts 1,2,3] [--transactions 300] [--client platformatic]
// The verdict writes 3 partitions per transaction at 1 in flight (verdict, decision record, changelog) where the
// exactly-once echo writes 1; the difference of the medians is what the extra partitions cost a round trip.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createTransport, parseKafkaClient, type OutRecord } from '../../processors/runtime/transport/index.ts';
import { localBrokers } from './local-brokers.ts';
import { percentile } from './latency-stats.ts';

const { values: args } = parseArgs({
  options: { counts: { type: 'string', default: '1,2,3' }, transactions: { type: 'string', default: '300' }, client: { type: 'string' } },
});
const COUNTS = args.counts.split(',').map(Number);
const TRANSACTIONS = Number(args.transactions);
const run = randomUUID().slice(0, 8);
const topics = Array.from({ length: Math.max(...COUNTS) }, (_, i) => `bench.txnparts.${run}.t${i}`);

const transport = await createTransport(parseKafkaClient(args.client), { brokers: localBrokers(), clientId: 'bench-txn-partitions' });
const admin = await transport.admin();
await admin.ensureTopics(topics.map((topic) => ({ topic, partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '600000' } })));
await admin.close();
const producer = await transport.producer({ transactionalId: `bench-txnparts-${run}`, idempotent: true });
const transact = async (count: number): Promise<number> => {
  const records: OutRecord[] = topics.slice(0, count).map((topic) => ({ topic, partition: 0, key: 'k', value: Buffer.alloc(300, 1) }));
  const started = performance.now();
  const txn = await (producer.transaction as NonNullable<typeof producer.transaction>)();
  await txn.send(records);
  await txn.commit();
  return performance.now() - started;
};

for (let i = 0; i < 20; i++) await transact(COUNTS[i % COUNTS.length] as number); // warm-up
const times = new Map<number, number[]>(COUNTS.map((c) => [c, []]));
for (let i = 0; i < TRANSACTIONS * COUNTS.length; i++) {
  const count = COUNTS[i % COUNTS.length] as number;
  (times.get(count) as number[]).push(await transact(count));
}
await producer.close();
const base = [...(times.get(COUNTS[0] as number) as number[])].sort((a, b) => a - b);
for (const [count, list] of times) {
  const sorted = [...list].sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  process.stdout.write(`${count} partition(s): transaction p50 ${p50.toFixed(2)} ms, p90 ${percentile(sorted, 0.9).toFixed(2)} ms `
    + `(${sorted.length} transactions; p50 vs ${COUNTS[0]}: +${(p50 - percentile(base, 0.5)).toFixed(2)} ms)\n`);
}
process.exit(0);
