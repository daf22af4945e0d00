// SIEM forwarder throughput: records/s from "Kafka batch handed to processBatch()" to "every record settled"
// (delivered; the rsyslog rows also wait until rsyslog has written every line to its file), against real local
// peers: rsyslogd over TCP and TLS, and the validating HTTP peers (HEC, Elastic bulk, OCSF ndjson).
// Baselines measured in the same run, so the figures read as ratios on a noisy shared machine:
//   - format only: decode + filter + format with no I/O (the CPU ceiling of the pipeline);
//   - raw peer: the same pre-formatted payloads pushed straight to the peer, batched the same way, with no
//     forwarder (queue, retries bookkeeping, metrics): the ceiling the peer allows.
// Decode is JSON here (Avro decoding is measured by the serde bench); the records are realistic DecisionRecords.
//
// Usage: node bench/siem/run.ts [--records 20000] [--rounds 3] [--batch 500] [--partitions 4]
import { parseArgs } from 'node:util';
import { startRsyslogReceiver, rsyslogAvailable, type RsyslogReceiver } from '../../deploy/local/rsyslog/receiver.ts';
import { MetricsRegistry } from '../../processors/core/metrics.ts';
import type { Batch } from '../../processors/runtime/transport/transport.ts';
import { validateSiemConfig, type SiemForwarderConfig } from '../../processors/sinks/siem/config.ts';
import { compileFilter } from '../../processors/sinks/siem/filter.ts';
import { formatterFor } from '../../processors/sinks/siem/formats.ts';
import { createSiemForwarder, sinkFor } from '../../processors/sinks/siem/index.ts';
import { alertInput, decisionInput, inRecord, jsonDecode } from '../../test/unit/siem/fixtures.ts';
import { startBulkPeer, startHecPeer, startOcsfPeer, type Peer } from './peers.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '500' },
    partitions: { type: 'string', default: '4' },
  },
});
const N = Number(args.records);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);
const PARTITIONS = Number(args.partitions);
const EFFECTS = ['allow', 'deny', 'modify', 'escalate'] as const;

/** N records split into Kafka-like batches over PARTITIONS partitions; ids unique per round. */
function makeBatches(round: number): Batch[] {
  const batches: Batch[] = [];
  const perPartition = Math.ceil(N / PARTITIONS);
  for (let p = 0; p < PARTITIONS; p++) {
    for (let start = 0; start < perPartition; start += BATCH) {
      const records = [];
      for (let i = start; i < Math.min(start + BATCH, perPartition); i++) {
        const id = `r${round}-p${p}-${i}`;
        const input = i % 100 === 0
          ? alertInput({ alertId: id })
          : decisionInput({
            decisionId: id, proposalId: `prop-${id}`, effect: EFFECTS[i % 4],
            argsMinimised: { to: 'sha256:9f2c1e0a', subject: 'Quarterly numbers', body: '[redacted:pii]', attachments: '2' },
          });
        records.push(inRecord(input, i, 'arbiter.decisions', p));
      }
      batches.push({ topic: 'arbiter.decisions', partition: p, records });
    }
  }
  return batches;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

interface Target {
  readonly name: string;
  readonly config: SiemForwarderConfig;
  /** Resolves when the peer holds `expected` records in total (rsyslog writes asynchronously). */
  readonly settled: (expected: number) => Promise<void>;
  readonly stop: () => Promise<void>;
}

const delivery = { batchSize: 500, queueCapacity: 20_000, maxAttempts: 8, baseBackoffMs: 50, maxBackoffMs: 2000, requestTimeoutMs: 10_000 };

async function rsyslogTarget(tls: boolean): Promise<Target> {
  const r: RsyslogReceiver = await startRsyslogReceiver({ tls });
  const config = validateSiemConfig({
    format: 'cef', delivery,
    peer: { host: '127.0.0.1', port: r.port, ...(r.caPem !== undefined ? { tls: { ca: r.caPem, servername: 'localhost' } } : {}) },
  });
  return {
    name: `CEF/syslog ${tls ? 'TLS' : 'TCP'} -> rsyslog`, config,
    settled: async (expected) => {
      const got = await r.waitForMessages(expected, 120_000);
      if (got.length < expected) throw new Error(`rsyslog wrote ${got.length} of ${expected}`);
    },
    stop: () => r.stop(),
  };
}

async function httpTarget(name: string, peer: Peer, raw: Record<string, unknown>, count: () => number): Promise<Target> {
  return {
    name, config: validateSiemConfig({ ...raw, delivery }),
    settled: async (expected) => {
      if (count() < expected) throw new Error(`${name}: peer holds ${count()} of ${expected}`);
    },
    stop: () => peer.stop(),
  };
}

/** Records/s through the whole forwarder (all partitions' batches processed concurrently, as a consumer would). */
async function forwarderRate(t: Target, round: number, alreadyThere: number): Promise<number> {
  const batches = makeBatches(round);
  const total = batches.reduce((n, b) => n + b.records.length, 0);
  const fwd = createSiemForwarder(t.config, { decode: jsonDecode, metrics: new MetricsRegistry(), dlq: { async write(ls) { throw new Error(`unexpected DLQ: ${ls[0]?.message}`); } } });
  const t0 = performance.now();
  const byPartition = new Map<number, Batch[]>();
  for (const b of batches) byPartition.set(b.partition, [...(byPartition.get(b.partition) ?? []), b]);
  await Promise.all([...byPartition.values()].map(async (bs) => {
    for (const b of bs) await fwd.processBatch(b); // one partition's batches in order, partitions in parallel
  }));
  await t.settled(alreadyThere + total);
  const s = (performance.now() - t0) / 1000;
  await fwd.close();
  return total / s;
}

/** Decode + filter + format only: no queue, no I/O. */
function formatOnlyRate(t: Target, round: number): number {
  const batches = makeBatches(round);
  const filter = compileFilter(t.config.filter);
  const format = formatterFor(t.config);
  let n = 0;
  let bytes = 0;
  const t0 = performance.now();
  for (const b of batches) for (const r of b.records) {
    const input = jsonDecode(r);
    if (filter(input) === undefined) bytes += format(input).payload.length;
    n += 1;
  }
  const s = (performance.now() - t0) / 1000;
  if (bytes === 0) throw new Error('nothing formatted');
  return n / s;
}

/** The peer's own ceiling: pre-formatted payloads sent in the same batch size through the bare sink, one request at a time. */
async function rawPeerRate(t: Target, round: number, alreadyThere: number): Promise<number> {
  const format = formatterFor(t.config);
  const items = makeBatches(round).flatMap((b) => b.records.map((r) => format(jsonDecode(r))));
  const sink = sinkFor(t.config);
  const t0 = performance.now();
  for (let i = 0; i < items.length; i += delivery.batchSize) {
    const out = await sink.deliver(items.slice(i, i + delivery.batchSize));
    if (out.some((o) => !o.ok)) throw new Error(`${t.name}: raw send failed`);
  }
  await t.settled(alreadyThere + items.length);
  const s = (performance.now() - t0) / 1000;
  await sink.close();
  return items.length / s;
}

async function main(): Promise<void> {
  const hec = await startHecPeer('bench-token');
  const bulk = await startBulkPeer();
  const ocsf = await startOcsfPeer();
  const targets: Target[] = [];
  if (rsyslogAvailable()) targets.push(await rsyslogTarget(false), await rsyslogTarget(true));
  else console.log('rsyslogd not found: CEF rows skipped (apt-get install rsyslog rsyslog-gnutls)');
  targets.push(
    await httpTarget('Splunk HEC -> local HEC peer', hec, { format: 'hec', peer: { url: hec.url, token: 'bench-token' } }, () => hec.events.length),
    await httpTarget('ECS bulk -> local _bulk peer', bulk, { format: 'ecs', peer: { url: bulk.url, index: 'logs-arbiter-bench' } }, () => bulk.docs.size),
    await httpTarget('OCSF ndjson -> local collector', ocsf, { format: 'ocsf', peer: { url: ocsf.url } }, () => ocsf.events.length),
  );
  console.log(`SIEM forwarders: ${N} records/round, ${ROUNDS} rounds, Kafka batches of ${BATCH} over ${PARTITIONS} partitions, peer batch ${delivery.batchSize}; node ${process.version}`);
  console.log('| forwarder | forwarder rec/s (median) | raw peer rec/s | forwarder / raw peer | format-only rec/s | forwarder / format-only |');
  console.log('|---|---:|---:|---:|---:|---:|');
  let round = 0;
  for (const t of targets) {
    const fw: number[] = [];
    const raw: number[] = [];
    const fmt: number[] = [];
    let there = 0;
    for (let i = 0; i < ROUNDS; i++) {
      fmt.push(formatOnlyRate(t, round));
      raw.push(await rawPeerRate(t, round++, there));
      there += N;
      fw.push(await forwarderRate(t, round++, there));
      there += N;
    }
    const [f, r, m] = [median(fw), median(raw), median(fmt)];
    console.log(`| ${t.name} | ${Math.round(f)} | ${Math.round(r)} | ${(f / r).toFixed(2)} | ${Math.round(m)} | ${(f / m).toFixed(2)} |`);
  }
  for (const t of targets) await t.stop();
}

await main();
