// Client CPU per verdict for the verdict processor's outputs, by changelog layout: back-to-back exactly-once
// transactions of `--per-commit` verdicts each, written through the platformatic transport to the dev broker, the
// layouts alternated transaction by transaction; this process's CPU time (process.cpuUsage: the client's request
// building, socket writes and response handling; not the broker's) per verdict, median over transactions.
//   node bench/verdict/output-cpu.ts [--per-commit 64] [--transactions 300]
// Layouts (record sizes as bench/verdict/changelog-bytes.ts counts them; 4 partitions like run.ts):
//   slot+state: reply, decision record, verdict slot, session state (the changelog before format 2 slots);
//   slot:       reply, decision record, verdict slot carrying the state (session-store.ts, format 2);
// plus one chain-head record per partition per transaction either way. The task's own CPU is not in this figure
// (bench/verdict/task-cpu.ts).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createTransport, parseKafkaClient, type OutRecord } from '../../processors/runtime/transport/index.ts';
import { localBrokers } from '../kafka-clients/local-brokers.ts';
import { percentile } from '../kafka-clients/latency-stats.ts';

const { values: args } = parseArgs({
  options: { 'per-commit': { type: 'string', default: '64' }, transactions: { type: 'string', default: '300' }, client: { type: 'string' } },
});
const PER_COMMIT = Number(args['per-commit']);
const TRANSACTIONS = Number(args.transactions);
const PARTITIONS = 4;
const run = randomUUID().slice(0, 8);
const topic = (name: string) => `bench.outputcpu.${run}.${name}`;
const [replies, decisions, changelog] = [topic('verdicts'), topic('decisions'), topic('changelog')];
const LAYOUTS = { 'slot+state': { slot: 300, state: 227 }, slot: { slot: 490, state: 0 } } as const;
type Layout = keyof typeof LAYOUTS;

function outputs(layout: Layout, commit: number): OutRecord[] {
  const sizes = LAYOUTS[layout];
  const out: OutRecord[] = [];
  for (let i = 0; i < PER_COMMIT; i++) {
    const partition = i % PARTITIONS;
    const session = `session-${(commit * PER_COMMIT + i) % 1000}`;
    out.push({ topic: replies, partition: 0, key: session, value: Buffer.alloc(225, 1), headers: { 'arbiter-proposal-id': Buffer.from(randomUUID()) } });
    out.push({ topic: decisions, partition, key: session, value: Buffer.alloc(479, 2) });
    out.push({ topic: changelog, partition, key: Buffer.from(`\u0000v${i % 32}\u0000${session}`), value: Buffer.alloc(sizes.slot, 3) });
    if (sizes.state > 0) out.push({ topic: changelog, partition, key: session, value: Buffer.alloc(sizes.state, 4) });
  }
  for (let p = 0; p < Math.min(PARTITIONS, PER_COMMIT); p++) out.push({ topic: changelog, partition: p, key: Buffer.from('\u0000chain-head'), value: Buffer.alloc(120, 5) });
  return out;
}

const transport = await createTransport(parseKafkaClient(args.client), { brokers: localBrokers(), clientId: 'bench-output-cpu' });
const admin = await transport.admin();
await admin.ensureTopics([replies, decisions, changelog].map((t) => ({ topic: t, partitions: PARTITIONS, replicationFactor: 1, configs: { 'retention.ms': '600000' } })));
await admin.close();
const producer = await transport.producer({ transactionalId: `bench-outputcpu-${run}`, idempotent: true });
const transact = async (layout: Layout, commit: number): Promise<number> => {
  const records = outputs(layout, commit); // built outside the measured span: the task's share, not the client's
  const before = process.cpuUsage();
  const txn = await (producer.transaction as NonNullable<typeof producer.transaction>)();
  await txn.send(records);
  await txn.commit();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / PER_COMMIT;
};

const layouts = Object.keys(LAYOUTS) as Layout[];
for (let i = 0; i < 20; i++) await transact(layouts[i % layouts.length] as Layout, i); // warm-up
const perVerdict = new Map<Layout, number[]>(layouts.map((l) => [l, []]));
for (let i = 0; i < TRANSACTIONS * layouts.length; i++) {
  const layout = layouts[i % layouts.length] as Layout;
  (perVerdict.get(layout) as number[]).push(await transact(layout, i));
}
await producer.close();
for (const [layout, list] of perVerdict) {
  const sorted = [...list].sort((a, b) => a - b);
  process.stdout.write(`${layout.padEnd(10)} ${String(outputs(layout, 0).length).padStart(4)} records per transaction: client CPU per verdict p50 ${percentile(sorted, 0.5).toFixed(1)} µs, `
    + `p25-p75 ${percentile(sorted, 0.25).toFixed(1)}-${percentile(sorted, 0.75).toFixed(1)} µs (${sorted.length} transactions of ${PER_COMMIT} verdicts)\n`);
}
process.exit(0);
