// SIEM forwarder throughput: records/s from "Kafka batch handed to processBatch()" to "every record settled"
// (delivered; the rsyslog rows also wait until rsyslog has written every line to its file), against real local
// peers: rsyslogd over TCP and TLS, and the validating HTTP peers (HEC, Elastic bulk, OCSF ndjson).
// Baselines measured in the same run, so the figures read as ratios on a noisy shared machine:
//   - format only: decode + filter + format with no I/O (the CPU ceiling of the pipeline);
//   - raw peer: the same pre-formatted payloads pushed straight to the peer, batched the same way, with no
//     forwarder (queue, retries bookkeeping, metrics): the ceiling the peer allows.
// Decode is JSON here (Avro decoding is measured by the serde bench); the records are realistic DecisionRecords.
//
// The HTTP peers run in a child process (bench/siem/peer-main.ts) and rsyslogd is its own process, so the peer's
// work does not share the forwarder's event loop (on a 2-core machine it still shares the CPU).
//
// Usage: node bench/siem/run.ts [--records 20000] [--rounds 3] [--batch 500] [--partitions 4]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startRsyslogReceiver, rsyslogAvailable, type RsyslogReceiver } from '../../deploy/local/rsyslog/receiver.ts';
import { MetricsRegistry } from '../../processors/core/metrics.ts';
import type { Batch } from '../../processors/runtime/transport/transport.ts';
import { validateSiemConfig, type SiemForwarderConfig } from '../../processors/sinks/siem/config.ts';
import { compileFilter } from '../../processors/sinks/siem/filter.ts';
import { formatterFor } from '../../processors/sinks/siem/formats.ts';
import { createSiemForwarder, sinkFor } from '../../processors/sinks/siem/index.ts';
import { alertInput, decisionInput, inRecord, jsonDecode } from '../../test/unit/siem/fixtures.ts';

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
  /** Records the peer holds so far (rsyslog: lines written to its file). */
  readonly stored: () => Promise<number>;
  readonly stop: () => Promise<void>;
}

/** Waits until the peer holds `target` records: the end of a timed run (rsyslog writes asynchronously). */
async function settled(t: Target, target: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  let n = await t.stored();
  while (n < target) {
    if (Date.now() > deadline) throw new Error(`${t.name}: peer holds ${n} of ${target}`);
    await new Promise((r) => setTimeout(r, 5));
    n = await t.stored();
  }
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
    stored: async () => r.count(),
    stop: () => r.stop(),
  };
}

/** An HTTP peer served by bench/siem/peer-main.ts in another process; its count is read from GET /_stats. */
function httpTarget(name: string, statsUrl: string, raw: Record<string, unknown>): Target {
  return {
    name, config: validateSiemConfig({ ...raw, delivery }),
    stored: async () => ((await (await fetch(statsUrl)).json()) as { stored: number }).stored,
    stop: async () => {},
  };
}

async function startPeerProcess(): Promise<{ urls: { hec: string; bulk: string; ocsf: string }; stop: () => void }> {
  const child = spawn(process.execPath, [new URL('./peer-main.ts', import.meta.url).pathname, 'bench-token'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`peer process exited with ${code}`)));
  });
  return { urls: JSON.parse(first) as { hec: string; bulk: string; ocsf: string }, stop: () => child.kill('SIGTERM') };
}

/** Records/s through the whole forwarder (all partitions' batches processed concurrently, as a consumer would). */
interface Measured {
  readonly rate: number;
  /** CPU time of this (forwarder) process per record, µs: steadier than wall time on a shared machine. */
  readonly cpuUsPerRecord: number;
}

function cpuUs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

async function forwarderRate(t: Target, round: number): Promise<Measured> {
  const batches = makeBatches(round);
  const total = batches.reduce((n, b) => n + b.records.length, 0);
  const fwd = createSiemForwarder(t.config, { decode: jsonDecode, metrics: new MetricsRegistry(), dlq: { async write(ls) { throw new Error(`unexpected DLQ: ${ls[0]?.message}`); } } });
  const before = await t.stored();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const byPartition = new Map<number, Batch[]>();
  for (const b of batches) byPartition.set(b.partition, [...(byPartition.get(b.partition) ?? []), b]);
  await Promise.all([...byPartition.values()].map(async (bs) => {
    for (const b of bs) await fwd.processBatch(b); // one partition's batches in order, partitions in parallel
  }));
  await settled(t, before + total);
  const s = (performance.now() - t0) / 1000;
  const cpu = cpuUs(c0);
  await fwd.close();
  return { rate: total / s, cpuUsPerRecord: cpu / total };
}

/** Decode + filter + format only: no queue, no I/O. */
function formatOnlyRate(t: Target, round: number): Measured {
  const batches = makeBatches(round);
  const filter = compileFilter(t.config.filter);
  const format = formatterFor(t.config);
  let n = 0;
  let bytes = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const b of batches) for (const r of b.records) {
    const input = jsonDecode(r);
    if (filter(input) === undefined) bytes += format(input).payload.length;
    n += 1;
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = cpuUs(c0);
  if (bytes === 0) throw new Error('nothing formatted');
  return { rate: n / s, cpuUsPerRecord: cpu / n };
}

/** The peer's own ceiling: pre-formatted payloads sent in the same batch size through the bare sink, one request at a time. */
async function rawPeerRate(t: Target, round: number): Promise<Measured> {
  const format = formatterFor(t.config);
  const items = makeBatches(round).flatMap((b) => b.records.map((r) => format(jsonDecode(r))));
  const sink = sinkFor(t.config);
  const before = await t.stored();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < items.length; i += delivery.batchSize) {
    const out = await sink.deliver(items.slice(i, i + delivery.batchSize));
    if (out.some((o) => !o.ok)) throw new Error(`${t.name}: raw send failed`);
  }
  await settled(t, before + items.length);
  const s = (performance.now() - t0) / 1000;
  const cpu = cpuUs(c0);
  await sink.close();
  return { rate: items.length / s, cpuUsPerRecord: cpu / items.length };
}

async function main(): Promise<void> {
  const peers = await startPeerProcess();
  const { hec, bulk, ocsf } = peers.urls;
  const targets: Target[] = [];
  if (rsyslogAvailable()) targets.push(await rsyslogTarget(false), await rsyslogTarget(true));
  else console.log('rsyslogd not found: CEF rows skipped (apt-get install rsyslog rsyslog-gnutls)');
  targets.push(
    httpTarget('Splunk HEC -> local HEC peer', `${hec}/_stats`, { format: 'hec', peer: { url: hec, token: 'bench-token' } }),
    httpTarget('ECS bulk -> local _bulk peer', `${bulk}/_stats`, { format: 'ecs', peer: { url: bulk, index: 'logs-arbiter-bench' } }),
    httpTarget('OCSF ndjson -> local collector', `${new URL(ocsf).origin}/_stats`, { format: 'ocsf', peer: { url: ocsf } }),
  );
  console.log(`SIEM forwarders: ${N} records/round, ${ROUNDS} rounds, Kafka batches of ${BATCH} over ${PARTITIONS} partitions, peer batch ${delivery.batchSize}; node ${process.version}`);
  console.log('| forwarder | forwarder rec/s | raw peer rec/s | forwarder / raw peer | format-only rec/s | forwarder CPU µs/rec | raw peer CPU µs/rec | format-only CPU µs/rec |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  let round = 0;
  for (const t of targets) {
    const fw: Measured[] = [];
    const raw: Measured[] = [];
    const fmt: Measured[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      fmt.push(formatOnlyRate(t, round));
      raw.push(await rawPeerRate(t, round++));
      fw.push(await forwarderRate(t, round++));
    }
    const rate = (xs: Measured[]) => median(xs.map((x) => x.rate));
    const cpu = (xs: Measured[]) => median(xs.map((x) => x.cpuUsPerRecord)).toFixed(1);
    console.log(`| ${t.name} | ${Math.round(rate(fw))} | ${Math.round(rate(raw))} | ${(rate(fw) / rate(raw)).toFixed(2)} | ${Math.round(rate(fmt))} | ${cpu(fw)} | ${cpu(raw)} | ${cpu(fmt)} |`);
  }
  console.log('(medians over the rounds; CPU = user+system time of the forwarder process per record)');
  for (const t of targets) await t.stop();
  peers.stop();
}

await main();
