// Kafka client benchmark: request/reply echo on the real broker, every client in the same run.
//   node bench/kafka-clients/run.ts [--clients kafkajs,confluent,platformatic] [--rounds 3] [--quick]
// Rounds interleave the clients (k1 c1 p1 k2 c2 p2 ...) so machine noise spreads over all of them; the table gives
// the median of each figure over the rounds.
// Per client: round trip p50/p99 at 1 and 64 in flight (closed loop), CPU per request on both sides, the highest
// offered rate fully answered and the highest with p99 <= 25 ms (open loop, rate stepped up, bounded time per
// step), and an exactly-once
// check: a transactional echo service is SIGKILLed mid-stream and restarted; the reply topic read with
// read_committed must hold every request exactly once. Prints a markdown table; stops by itself.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTransport, KAFKA_CLIENTS, parseKafkaClient, type KafkaClientName } from '../../processors/runtime/transport/index.ts';
import type { InRecord, KafkaTransport } from '../../processors/runtime/transport/index.ts';
import { echoRequest, Requester, type PhaseResult, type RequesterOptions } from './load-generator.ts';
import { localBrokers } from './local-brokers.ts';
import { REQUEST_ID_HEADER } from './request-reply.ts';
import { withTimeout } from './with-timeout.ts';
import { median } from './latency-stats.ts';

const P99_BUDGET_MS = 25;
const REQUEST_PARTITIONS = 4;
const PAYLOAD_BYTES = 512;
const SESSIONS = 1000;
const { values: args } = parseArgs({
  options: { clients: { type: 'string' }, rounds: { type: 'string', default: '1' }, quick: { type: 'boolean', default: false } },
});
const ROUNDS = Math.max(1, Number(args.rounds));
const clients: KafkaClientName[] = (args.clients ?? KAFKA_CLIENTS.join(',')).split(',').map((c) => parseKafkaClient(c));
const WARMUP_MS = args.quick ? 500 : 1_000;
const MEASURE_MS = args.quick ? 2_000 : 5_000;
const STEP_MEASURE_MS = args.quick ? 2_000 : 4_000;
const RATES = [250, 500, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000, 16_000, 20_000];
const EOS_REQUESTS = 3_000;
const run = randomUUID().slice(0, 8);
const brokers = localBrokers();

const CLIENT_PACKAGES: Record<KafkaClientName, string> = {
  kafkajs: 'kafkajs',
  confluent: '@confluentinc/kafka-javascript',
  platformatic: '@platformatic/kafka',
};
function clientVersion(name: KafkaClientName): string {
  const pkg = join(import.meta.dirname, '..', '..', 'node_modules', CLIENT_PACKAGES[name], 'package.json');
  return `${CLIENT_PACKAGES[name]} ${(JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version}`;
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface EchoChild {
  readonly child: ChildProcess;
  /** The service process's CPU time (µs) and replies so far. */
  cpu(): Promise<{ micros: number; replied: number }>;
  stop(): Promise<number>;
}

async function forkEcho(client: KafkaClientName, requestTopic: string, group: string, transactionalId?: string): Promise<EchoChild> {
  const argv = ['--client', client, '--request-topic', requestTopic, '--partitions', String(REQUEST_PARTITIONS), '--group', group];
  if (transactionalId !== undefined) argv.push('--transactional-id', transactionalId);
  const child = fork(join(import.meta.dirname, 'echo-main.ts'), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => m.type === 'ready' && resolve());
    child.on('exit', (code) => reject(new Error(`echo service exited with ${code} before it was ready`)));
  });
  await withTimeout(ready, 60_000, `${client} echo service start`);
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') log(`${client}: echo service exited (code ${code}, signal ${signal})`);
  });
  return {
    child,
    cpu: () =>
      withTimeout(
        new Promise<{ micros: number; replied: number }>((resolve) => {
          const onMessage = (m: { type?: string; usage?: NodeJS.CpuUsage; replied?: number }) => {
            if (m.type !== 'cpu' || m.usage === undefined) return;
            child.off('message', onMessage);
            resolve({ micros: m.usage.user + m.usage.system, replied: m.replied ?? 0 });
          };
          child.on('message', onMessage);
          child.send('cpu');
        }),
        10_000,
        `${client} echo service cpu`,
      ),
    stop: () =>
      withTimeout(
        new Promise<number>((resolve) => {
          child.on('message', (m: { type?: string; replied?: number }) => m.type === 'stopped' && resolve(m.replied ?? 0));
          child.send('stop');
        }),
        30_000,
        `${client} echo service stop`,
      ),
  };
}

async function topics(transport: KafkaTransport, name: string): Promise<{ request: string; reply: string }> {
  const request = `bench.req.${name}.${run}`;
  const reply = `bench.reply.${name}.${run}`;
  const admin = await transport.admin();
  await admin.ensureTopics([
    { topic: request, partitions: REQUEST_PARTITIONS, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
    { topic: reply, partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
  ]);
  await admin.close();
  return { request, reply };
}

/** One round of one client. */
interface RoundResult {
  readonly one: PhaseResult;
  readonly many: PhaseResult;
  /** CPU time of the echo service process per reply during the 64-in-flight phase, µs. */
  readonly echoCpuMicrosPerReply: number;
  readonly steps: PhaseResult[];
  readonly maxSustained: number | undefined;
  /** Highest offered rate fully answered (latency aside). */
  readonly maxKeepingUp: number | undefined;
}

interface ClientResult {
  readonly client: KafkaClientName;
  readonly version: string;
  readonly rounds: RoundResult[];
  eos: string;
  errors: string[];
}

/** Every request answered and >= 95% of the offered rate achieved. */
const keepsUp = (r: PhaseResult) => !r.overloaded && r.lost === 0 && r.achievedPerSec >= 0.95 * r.offeredPerSec;
const sustained = (r: PhaseResult) => keepsUp(r) && r.latency.p99 <= P99_BUDGET_MS;

async function latencyAndRate(client: KafkaClientName, transport: KafkaTransport, round: number): Promise<RoundResult> {
  const t = await topics(transport, `${client}-r${round}`);
  const echo = await forkEcho(client, t.request, `bench.echo.${client}.${round}.${run}`);
  const options: RequesterOptions = {
    requestTopic: t.request,
    replyTopic: t.reply,
    replyPartition: 0,
    groupId: `bench.requester.${client}.${round}.${run}`,
    payloadBytes: PAYLOAD_BYTES,
    sessions: SESSIONS,
  };
  const requester = await Requester.start(transport, options);
  try {
    const one = await requester.closedLoop(1, WARMUP_MS, MEASURE_MS);
    log(`${client}: 1 in flight p50 ${one.latency.p50.toFixed(2)} ms p99 ${one.latency.p99.toFixed(2)} ms`);
    const before = await echo.cpu();
    const many = await requester.closedLoop(64, WARMUP_MS, MEASURE_MS);
    const after = await echo.cpu();
    const echoCpuMicrosPerReply = (after.micros - before.micros) / Math.max(1, after.replied - before.replied);
    log(`${client}: 64 in flight p50 ${many.latency.p50.toFixed(2)} ms p99 ${many.latency.p99.toFixed(2)} ms, ${many.achievedPerSec.toFixed(0)}/s, ${many.cpuMicrosPerRequest.toFixed(0)} µs requester CPU/request, ${echoCpuMicrosPerReply.toFixed(0)} µs echo CPU/reply`);
    const steps: PhaseResult[] = [];
    let behind = 0;
    for (const rate of RATES) {
      const step = await requester.openLoop(rate, WARMUP_MS, STEP_MEASURE_MS);
      steps.push(step);
      log(`${client}: ${rate}/s offered -> ${step.achievedPerSec.toFixed(0)}/s, p50 ${step.latency.p50.toFixed(2)} p99 ${step.latency.p99.toFixed(2)} ms, lost ${step.lost}, generator lag p99 ${step.scheduleLagP99Ms.toFixed(1)} ms${step.overloaded ? ', overloaded' : ''}`);
      // The search goes on while the client keeps up (even if p99 is over budget on this noisy machine, the capacity
      // is still worth knowing); two steps in a row that fall behind end it.
      behind = keepsUp(step) ? 0 : behind + 1;
      if (behind >= 2) break;
    }
    const best = (ok: (r: PhaseResult) => boolean) => {
      const rates = steps.filter(ok).map((s) => s.offeredPerSec);
      return rates.length > 0 ? Math.max(...rates) : undefined;
    };
    return { one, many, echoCpuMicrosPerReply, steps, maxSustained: best(sustained), maxKeepingUp: best(keepsUp) };
  } finally {
    await requester.stop();
    await echo.stop();
  }
}

/** Reads a topic with read_committed until `expected` ids are seen and 2 s pass with nothing new (or 30 s). */
async function committedRequestIds(transport: KafkaTransport, topic: string, expected: number): Promise<string[]> {
  const consumer = await transport.consumer({ groupId: `bench.eos-check.${run}.${topic}`, topics: [topic], fromBeginning: true, readCommitted: true, sessionTimeoutMs: 10_000 });
  const ids: string[] = [];
  let lastNew = Date.now();
  const running = consumer.run(async (batch) => {
    for (const r of batch.records as InRecord[]) ids.push(r.headers[REQUEST_ID_HEADER]?.toString() ?? '?');
    lastNew = Date.now();
  });
  running.catch(() => undefined);
  const started = Date.now();
  while (Date.now() - started < 30_000 && !(ids.length >= expected && Date.now() - lastNew > 2_000)) await new Promise((r) => setTimeout(r, 100));
  await consumer.close();
  return ids;
}

async function exactlyOnce(client: KafkaClientName, transport: KafkaTransport): Promise<string> {
  if (!transport.supportsTransactions) return 'no (client has no transactions)';
  const t = await topics(transport, `${client}-eos`);
  const group = `bench.echo-eos.${client}.${run}`;
  const txnId = `bench.echo-eos.${client}.${run}`;
  let echo = await forkEcho(client, t.request, group, txnId);
  const producer = await transport.producer();
  const options: RequesterOptions = { requestTopic: t.request, replyTopic: t.reply, replyPartition: 0, groupId: 'unused', payloadBytes: PAYLOAD_BYTES, sessions: SESSIONS };
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);
  // 3,000 requests over ~3 s; the service is killed (no clean shutdown) after 1.5 s and restarted.
  for (let seq = 0; seq < EOS_REQUESTS; seq += 50) {
    await producer.send(Array.from({ length: 50 }, (_, i) => echoRequest(seq + i, options, payload)));
    if (seq === EOS_REQUESTS / 2) {
      echo.child.kill('SIGKILL');
      log(`${client}: echo service killed at request ${seq}; restarting with the same transactional id`);
      echo = await forkEcho(client, t.request, group, txnId);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await producer.close();
  const ids = await committedRequestIds(transport, t.reply, EOS_REQUESTS);
  await echo.stop();
  const unique = new Set(ids).size;
  const duplicates = ids.length - unique;
  const ok = unique === EOS_REQUESTS && duplicates === 0;
  return `${ok ? 'yes' : 'NO'}: ${unique}/${EOS_REQUESTS} replies, ${duplicates} duplicates after a SIGKILL + restart`;
}

const loadAtStart = loadavg()[0] ?? Number.NaN;
const results: ClientResult[] = clients.map((client) => ({ client, version: clientVersion(client), rounds: [], eos: 'not run', errors: [] }));
const transports = new Map<KafkaClientName, KafkaTransport>();
for (let round = 1; round <= ROUNDS; round++) {
  for (const result of results) {
    log(`${result.version}: round ${round}/${ROUNDS}`);
    try {
      const transport = transports.get(result.client) ?? (await createTransport(result.client, { brokers, clientId: `bench-${result.client}` }));
      transports.set(result.client, transport);
      result.rounds.push(await latencyAndRate(result.client, transport, round));
    } catch (error) {
      log(`${result.client}: round ${round} FAILED ${String(error)}`);
      result.errors.push(String(error));
    }
  }
}
for (const result of results) {
  const transport = transports.get(result.client);
  if (transport === undefined) continue;
  result.eos = await exactlyOnce(result.client, transport).catch((error: unknown) => `NO: ${String(error)}`);
  log(`${result.client}: exactly-once ${result.eos}`);
}

const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(2));
/** Median over the rounds of one figure. */
const med = (r: ClientResult, pick: (x: RoundResult) => number | undefined): number | undefined => {
  const xs = r.rounds.map(pick).map((x) => x ?? 0);
  return xs.length === 0 ? undefined : median(xs);
};
const lines = [
  `Machine: ${cpus().length} cores, 1-min load average ${loadAtStart.toFixed(1)} at start and ${(loadavg()[0] ?? Number.NaN).toFixed(1)} at end (shared; the broker runs here too).`,
  `Request/reply echo, ${PAYLOAD_BYTES}-byte values, ${REQUEST_PARTITIONS} request partitions, 1 reply partition; echo service in its own process; broker ${brokers.join(',')}; ${ROUNDS} round(s), clients interleaved, medians over rounds.`,
  `Closed loop: ${WARMUP_MS} ms warm-up + ${MEASURE_MS} ms measured. Open loop steps (${RATES.join(', ')}/s): ${WARMUP_MS} ms + ${STEP_MEASURE_MS} ms each; keeping up = no loss and >= 95% of offered; sustained = keeping up with p99 <= ${P99_BUDGET_MS} ms; two steps in a row not keeping up end the search.`,
  '',
  '| client | p50 @1 (ms) | p99 @1 (ms) | p50 @64 (ms) | p99 @64 (ms) | replies/s @64 | CPU µs per request @64: requester / echo | max rate with p99 <= 25 ms (per round) | max rate keeping up (per round) | exactly-once (txn) |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) =>
    r.rounds.length === 0
      ? `| ${r.version} | failed: ${r.errors.join('; ')} | | | | | | | | ${r.eos} |`
      : `| ${r.version} | ${ms(med(r, (x) => x.one.latency.p50))} | ${ms(med(r, (x) => x.one.latency.p99))} | ${ms(med(r, (x) => x.many.latency.p50))} | ${ms(med(r, (x) => x.many.latency.p99))} | ${med(r, (x) => x.many.achievedPerSec)?.toFixed(0)} | ${med(r, (x) => x.many.cpuMicrosPerRequest)?.toFixed(0)} / ${med(r, (x) => x.echoCpuMicrosPerReply)?.toFixed(0)} | ${r.rounds.map((x) => (x.maxSustained !== undefined ? `${x.maxSustained}/s` : 'none')).join(', ')} | ${r.rounds.map((x) => (x.maxKeepingUp !== undefined ? `${x.maxKeepingUp}/s` : 'none')).join(', ')} | ${r.eos} |`,
  ),
  '',
  '<details><summary>open-loop steps (every round)</summary>',
  '',
  '| client | round | offered/s | achieved/s | p50 (ms) | p99 (ms) | lost | generator lag p99 (ms) |',
  '|---|---|---|---|---|---|---|---|',
  ...results.flatMap((r) =>
    r.rounds.flatMap((x, i) =>
      x.steps.map((s) => `| ${r.client} | ${i + 1} | ${s.offeredPerSec} | ${s.achievedPerSec.toFixed(0)} | ${ms(s.latency.p50)} | ${ms(s.latency.p99)} | ${s.lost}${s.overloaded ? ' (overloaded)' : ''} | ${ms(s.scheduleLagP99Ms)} |`),
    ),
  ),
  '',
  '</details>',
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
