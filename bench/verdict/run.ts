// Verdict processor benchmark: the verdict round trip against the no-op echo baseline, same run, same broker,
// same Kafka client (ARBITER_KAFKA_CLIENT or --client; default platformatic).
//   node bench/verdict/run.ts [--rounds 3] [--quick] [--client platformatic] [--services plain,eos,verdict] [--rates 500,5000]
//     [--trace-api] [--cpu-prof DIR] [--echo-extra N]
// Per round, each service in its own process, the two echoes first, then verdict:
//  - echo, plain: bench/kafka-clients echo service, pipelined produce + offset commit (at least once): the floor of
//    a request/reply round trip on this broker and client;
//  - echo, exactly-once: a no-op task on the processors' runtime (StreamLoop: one transaction per group commit,
//    pipelined commits; bench/kafka-clients/stream-echo.ts), so verdict / this echo is the cost of the verdict work
//    alone (decode, decide, chain, encode, the decision and changelog records);
//  - verdict: processors/bin/verdict.ts as deployed (exactly-once), real policy (test/unit/verdict/fixtures.ts),
//    1,000 sessions; requests are Avro ToolCallProposals, replies Verdicts (matched by the proposal-id header).
// Figures: round trip p50/p99 at 1 and at 64 in flight (closed loop), service CPU per reply (from /proc), and the
// highest offered rate with p99 <= 25 ms (open loop, stepped, bounded time per step). The table gives medians
// over rounds and the verdict/echo ratios against the targets (p50 <= 1.15x, p99 <= 1.25x, >= 5,000/s sustained).
// Replies are read with read_committed, as an agent must (an aborted verdict must never be acted on), so a round
// trip includes the transaction commit. Where the verdict's time goes: the processor's commit metrics
// (arbiter_verdict_commit_*, scraped from its /metrics) give commits, input records per commit and ms per step.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { partitionFor } from '../../processors/runtime/partition-for.ts';
import { localRegistryUrl, createRegistryClient } from '../../processors/runtime/serde/registry.ts';
import { proposalToWire } from '../../processors/runtime/serde/records.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { defineTopics, ensureArbiterTopics } from '../../processors/runtime/topics.ts';
import { createTransport, parseKafkaClient, type KafkaTransport, type OutRecord } from '../../processors/runtime/transport/index.ts';
import { correlationHeaders, HEADER_PROPOSAL_ID } from '../../processors/verdict/correlation.ts';
import { activationOf } from '../../processors/verdict/policy-engine.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import type { ToolCallProposal } from '../../processors/core/types.ts';
import { startVerdictChild } from '../../test/int/helpers/processes.ts';
import { POLICY } from '../../test/unit/verdict/fixtures.ts';
import { Requester, type PhaseResult, type RequesterOptions } from '../kafka-clients/load-generator.ts';
import { localBrokers } from '../kafka-clients/local-brokers.ts';
import { median } from '../kafka-clients/latency-stats.ts';
import { withTimeout } from '../kafka-clients/with-timeout.ts';
import { readApiTrace, type ApiTotals } from '../kafka-clients/api-trace.ts';
import type { KafkaTransport as Transport } from '../../processors/runtime/transport/index.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1' }, quick: { type: 'boolean', default: false }, client: { type: 'string' },
    /** Comma-separated offered rates of the open-loop steps (default below). */
    rates: { type: 'string' },
    /** Skip the echo baselines (diagnosis of the verdict processor alone; no ratios). */
    'verdict-only': { type: 'boolean', default: false },
    /** Comma-separated services to run (plain, eos, verdict); the table needs all three. */
    services: { type: 'string' },
    /** Trace the Kafka requests of the exactly-once services (bench/kafka-clients/api-trace.ts): requests per commit. */
    'trace-api': { type: 'boolean', default: false },
    /** Directory: the exactly-once echo and verdict processes write V8 CPU profiles there (node --cpu-prof). */
    'cpu-prof': { type: 'string' },
    /** Experiment: the exactly-once echo also copies each request to this many side topics (one more output
     *  partition each per transaction, like the verdict's decision and changelog records). */
    'echo-extra': { type: 'string', default: '0' },
  },
});
const ROUNDS = Math.max(1, Number(args.rounds));
const CLIENT = parseKafkaClient(args.client ?? process.env['ARBITER_KAFKA_CLIENT']);
const P99_BUDGET_MS = 25;
const PARTITIONS = 4;
const SESSIONS = 1_000;
const PAYLOAD_BYTES = 512;
const WARMUP_MS = args.quick ? 500 : 1_000;
const MEASURE_MS = args.quick ? 2_000 : 5_000;
const STEP_MEASURE_MS = args.quick ? 2_000 : 4_000;
const RATES = args.rates?.split(',').map(Number) ?? [500, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000];
const run = randomUUID().slice(0, 8);
const brokers = localBrokers();
const log = (message: string) => process.stderr.write(`[bench:verdict] ${message}\n`);

/** CPU time (user + system) of a process so far, µs, from /proc (Linux). */
function cpuMicrosOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
}

/** The same transport, every consumer read_committed (the requester's reply consumer). */
function readCommitted(t: Transport): Transport {
  return { name: t.name, supportsTransactions: t.supportsTransactions, admin: () => t.admin(), producer: (o) => t.producer(o),
    consumer: (o) => t.consumer({ ...o, readCommitted: true }) };
}

/** Sums of the verdict processor's commit metrics (Prometheus text from its /metrics). */
interface CommitTotals {
  readonly commits: number;
  readonly records: number;
  readonly seconds: Readonly<Record<'send' | 'offsets' | 'commit', number>>;
}

async function commitTotals(port: number): Promise<CommitTotals> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const sum = (step: string) => value(new RegExp(`^arbiter_verdict_commit_seconds_sum\\{step="${step}"\\} (\\S+)$`, 'm'));
  return {
    commits: value(/^arbiter_verdict_commit_seconds_count\{step="commit"\} (\S+)$/m),
    records: value(/^arbiter_verdict_commit_records_total (\S+)$/m),
    seconds: { send: sum('send'), offsets: sum('offsets'), commit: sum('commit') },
  };
}

/** Commit breakdown between two scrapes: commits/s, input records per commit, mean ms per step. */
function commitBreakdown(a: CommitTotals, b: CommitTotals, ms: number): string {
  const n = Math.max(1, b.commits - a.commits);
  const per = (k: 'send' | 'offsets' | 'commit') => (((b.seconds[k] - a.seconds[k]) * 1000) / n).toFixed(1);
  return `${((b.commits - a.commits) / (ms / 1000)).toFixed(0)} commits/s, ${((b.records - a.records) / n).toFixed(1)} input records/commit, ms per commit: send ${per('send')} / offsets ${per('offsets')} / commit ${per('commit')}`;
}

interface Measured {
  readonly one: PhaseResult;
  readonly many: PhaseResult;
  readonly cpuMicrosPerReply: number;
  readonly steps: PhaseResult[];
  readonly maxSustained: number | undefined;
  /** Highest offered rate fully answered (no loss, >= 95% achieved), latency aside: the capacity. */
  readonly maxKeepingUp: number | undefined;
  /** Verdict only: the commit breakdown at 64 in flight. */
  readonly commits?: string;
}

const TRACE_MODULE = join(import.meta.dirname, '..', 'kafka-clients', 'api-trace.ts');
/** Environment that makes a child trace its Kafka requests into `path` (--trace-api). */
const traceEnv = (path: string): Record<string, string> => {
  const options = [process.env['NODE_OPTIONS'] ?? '', args['trace-api'] ? `--import ${TRACE_MODULE}` : '',
    args['cpu-prof'] !== undefined ? `--cpu-prof --cpu-prof-dir=${args['cpu-prof']}` : ''].filter((o) => o !== '').join(' ');
  return { ...(options === '' ? {} : { NODE_OPTIONS: options }), ...(args['trace-api'] ? { ARBITER_KAFKA_API_TRACE: path } : {}) };
};

/** Kafka requests between two trace readings: per transaction (EndTxn count) when there are any, with mean ms each. */
function apiBreakdown(a: ApiTotals, b: ApiTotals): string {
  const commits = (b['EndTxn']?.calls ?? 0) - (a['EndTxn']?.calls ?? 0);
  const per = Math.max(1, commits);
  return Object.entries(b).filter(([name]) => name !== 'Fetch' && name !== 'Heartbeat').map(([name, t]) => {
    const calls = t.calls - (a[name]?.calls ?? 0);
    const ms = t.ms - (a[name]?.ms ?? 0);
    return calls === 0 ? '' : `${name} ${(calls / per).toFixed(2)}x${(ms / Math.max(1, calls)).toFixed(1)}ms`;
  }).filter((x) => x !== '').join(', ') + ` (per txn, ${commits} txns)`;
}

const keepsUp = (r: PhaseResult) => !r.overloaded && r.lost === 0 && r.achievedPerSec >= 0.95 * r.offeredPerSec;
const sustained = (r: PhaseResult) => keepsUp(r) && r.latency.p99 <= P99_BUDGET_MS;

async function measure(name: string, requester: Requester, pid: number, replied: () => Promise<number>, metricsPort?: number, tracePath?: string): Promise<Measured> {
  const trace = () => (tracePath !== undefined && args['trace-api'] ? readApiTrace(tracePath) : undefined);
  const traced = (a: ApiTotals | undefined) => {
    const b = trace();
    return a === undefined || b === undefined ? '' : `; requests: ${apiBreakdown(a, b)}`;
  };
  const t1 = trace();
  const one = await requester.closedLoop(1, WARMUP_MS, MEASURE_MS);
  log(`${name}: 1 in flight p50 ${one.latency.p50.toFixed(2)} ms p99 ${one.latency.p99.toFixed(2)} ms${traced(t1)}`);
  const t64 = trace();
  const [cpu0, n0] = [cpuMicrosOf(pid), await replied()];
  const before = metricsPort === undefined ? undefined : await commitTotals(metricsPort);
  const startedAt = performance.now();
  const many = await requester.closedLoop(64, WARMUP_MS, MEASURE_MS);
  const commits = before === undefined || metricsPort === undefined ? undefined
    : commitBreakdown(before, await commitTotals(metricsPort), performance.now() - startedAt);
  const cpuMicrosPerReply = (cpuMicrosOf(pid) - cpu0) / Math.max(1, (await replied()) - n0);
  log(`${name}: 64 in flight p50 ${many.latency.p50.toFixed(2)} ms p99 ${many.latency.p99.toFixed(2)} ms, ${many.achievedPerSec.toFixed(0)}/s, ${cpuMicrosPerReply.toFixed(0)} µs service CPU/reply${commits ? `; ${commits}` : ''}${traced(t64)}`);
  const steps: PhaseResult[] = [];
  let behind = 0;
  for (const rate of RATES) {
    const stepBefore = metricsPort === undefined ? undefined : await commitTotals(metricsPort);
    const stepStarted = performance.now();
    const stepTrace = trace();
    const step = await requester.openLoop(rate, WARMUP_MS, STEP_MEASURE_MS);
    const stepCommits = stepBefore === undefined || metricsPort === undefined ? ''
      : `; ${commitBreakdown(stepBefore, await commitTotals(metricsPort), performance.now() - stepStarted)}`;
    steps.push(step);
    log(`${name}: ${rate}/s offered -> ${step.achievedPerSec.toFixed(0)}/s, p50 ${step.latency.p50.toFixed(2)} p99 ${step.latency.p99.toFixed(2)} ms, lost ${step.lost}, generator lag p99 ${step.scheduleLagP99Ms.toFixed(1)} ms${step.overloaded ? ', overloaded' : ''}${stepCommits}${traced(stepTrace)}`);
    // Stepping goes on while the service keeps up (p99 over budget on this shared machine or not: the capacity is
    // worth knowing); two steps in a row that fall behind end it.
    behind = keepsUp(step) ? 0 : behind + 1;
    if (behind >= 2) break;
  }
  const best = (ok: (r: PhaseResult) => boolean) => {
    const rates = steps.filter(ok).map((x) => x.offeredPerSec);
    return rates.length > 0 ? Math.max(...rates) : undefined;
  };
  return { one, many, cpuMicrosPerReply, steps, maxSustained: best(sustained), maxKeepingUp: best(keepsUp), ...(commits ? { commits } : {}) };
}

async function echoRound(transport: KafkaTransport, round: number, exactlyOnce: boolean): Promise<Measured> {
  const name = exactlyOnce ? 'eos' : 'plain';
  const request = `bench.vreq.${run}.r${round}.${name}`;
  const reply = `bench.vreply.${run}.r${round}.${name}`;
  const extra = exactlyOnce ? Array.from({ length: Number(args['echo-extra']) }, (_, i) => `${request}.extra${i}`) : [];
  const admin = await transport.admin();
  await admin.ensureTopics([request, reply, ...extra].map((topic) =>
    ({ topic, partitions: PARTITIONS, replicationFactor: 1, configs: { 'retention.ms': '3600000' } })));
  await admin.close();
  const group = `bench.vecho.${run}.r${round}.${name}`;
  const tracePath = `/tmp/bench-verdict-trace-${run}-r${round}-${name}.json`;
  const child = fork(join(import.meta.dirname, '..', 'kafka-clients', 'echo-main.ts'),
    ['--client', CLIENT, '--request-topic', request, '--partitions', String(PARTITIONS), '--group', group, '--max-wait-ms', '20',
      ...(exactlyOnce ? ['--transactional-id', group, '--stream-loop', '--extra-topics', extra.join(',')] : [])],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...traceEnv(tracePath) } });
  await withTimeout(new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => m.type === 'ready' && resolve());
    child.on('exit', (code) => reject(new Error(`echo exited with ${code}`)));
  }), 60_000, 'echo start');
  const replied = () => withTimeout(new Promise<number>((resolve) => {
    const on = (m: { type?: string; replied?: number }) => {
      if (m.type !== 'cpu') return;
      child.off('message', on);
      resolve(m.replied ?? 0);
    };
    child.on('message', on);
    child.send('cpu');
  }), 10_000, 'echo cpu');
  const options: RequesterOptions = {
    requestTopic: request, replyTopic: reply, replyPartition: 0, groupId: `bench.vecho-req.${run}.r${round}.${name}`,
    payloadBytes: PAYLOAD_BYTES, sessions: SESSIONS, maxWaitMs: 20,
  };
  const requester = await Requester.start(readCommitted(transport), options);
  try {
    return await measure(`echo (${name})`, requester, child.pid as number, replied, undefined, tracePath);
  } finally {
    await requester.stop();
    child.kill('SIGTERM');
  }
}

async function verdictRound(transport: KafkaTransport, round: number): Promise<Measured> {
  const prefix = `bench-verdict-${run}-r${round}`;
  const metricsPort = 29_000 + Math.floor(Math.random() * 1_000);
  const tracePath = `/tmp/bench-verdict-trace-${run}-r${round}-verdict.json`;
  const topics = defineTopics({ prefix, partitions: PARTITIONS, replicationFactor: 1 });
  const admin = await transport.admin();
  await ensureArbiterTopics(admin, topics);
  await admin.close();
  const serde = new TopicSerde(createRegistryClient(localRegistryUrl()), topics);
  await serde.registerAll();
  const keys = generateSigningKeys();
  const signed = signBundle('bench', [{ path: 'bench.yaml', text: POLICY }], keys.privateKeyPem, 'k1');
  const producer = await transport.producer({ idempotent: true });
  await producer.send([{ topic: topics.policyBundles.topic, key: signed.name, value: serde.encode(topics.policyBundles, activationOf(signed, 'bench', Date.now())) }]);
  await producer.close();
  const child = startVerdictChild({
    KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: localRegistryUrl(), ARBITER_KAFKA_CLIENT: CLIENT,
    ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: String(PARTITIONS), ARBITER_VERDICT_GROUP: `${prefix}-verdict`,
    ARBITER_INSTANCE_ID: 'bench', ARBITER_BUNDLE_NAME: 'bench', ARBITER_TRUSTED_KEYS: JSON.stringify({ k1: keys.publicKeyPem }),
    ARBITER_METRICS_PORT: String(metricsPort), ...traceEnv(tracePath),
  }, 'verdict processor');
  await child.ready;
  let replies = 0;
  const idPrefix = `${run}-${round}-`;
  const makeRequest = (seq: number): OutRecord => {
    const now = Date.now();
    const s = seq % SESSIONS;
    const p: ToolCallProposal = {
      proposalId: `${idPrefix}${seq}`, sessionId: `bench-s${s}`, agentId: 'agent', userId: 'u', tenantId: 'acme', agentRole: 'assistant',
      environment: 'prod', intent: '', replyTopic: topics.verdicts.topic, replyPartition: 0, deadlineMs: now + 60_000, createdAtMs: now,
      ...(seq % 4 === 1 ? { tool: 'send_email', args: { to: ['bob@example.com'], subject: 'hi', body: 'x'.repeat(200) } }
        : { tool: 'http_get', args: { url: `https://site${s % 7}.example.com/page/${seq % 97}` } }),
    };
    return { topic: topics.proposals.topic, partition: partitionFor(p.sessionId, PARTITIONS), key: p.sessionId, value: serde.encode(topics.proposals, proposalToWire(p)),
      headers: correlationHeaders(p.proposalId, { topic: p.replyTopic, partition: p.replyPartition }) };
  };
  const options: RequesterOptions = {
    requestTopic: topics.proposals.topic, replyTopic: topics.verdicts.topic, replyPartition: 0, groupId: `${prefix}-requester`,
    payloadBytes: 0, sessions: SESSIONS, maxWaitMs: 20, makeRequest,
    requestIdOf: (r) => {
      const id = r.headers[HEADER_PROPOSAL_ID]?.toString();
      if (id === undefined || !id.startsWith(idPrefix)) return undefined;
      replies++;
      return id.slice(idPrefix.length);
    },
  };
  const requester = await Requester.start(readCommitted(transport), options);
  try {
    return await measure('verdict', requester, child.child.pid as number, async () => replies, metricsPort, tracePath);
  } catch (error) {
    log(child.tail());
    throw error;
  } finally {
    await requester.stop();
    await child.stop();
  }
}

const transport = await createTransport(CLIENT, { brokers, clientId: 'bench-verdict' });
const SERVICES = new Set(args['verdict-only'] ? ['verdict'] : (args.services ?? 'plain,eos,verdict').split(','));
const loadAverage = () => loadavg().map((x) => x.toFixed(2)).join(' / ');
const loadAtStart = loadAverage();
const plain: Measured[] = [];
const echo: Measured[] = [];
const verdict: Measured[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  log(`round ${round}/${ROUNDS} (${CLIENT}), load average ${loadAverage()}`);
  if (SERVICES.has('plain')) plain.push(await echoRound(transport, round, false));
  if (SERVICES.has('eos')) echo.push(await echoRound(transport, round, true));
  if (SERVICES.has('verdict')) verdict.push(await verdictRound(transport, round));
}

if (plain.length === 0 || echo.length === 0 || verdict.length === 0) process.exit(0); // the figures are in the log (stderr)
const med = (xs: Measured[], pick: (m: Measured) => number) => median(xs.map(pick));
const row = (name: string, xs: Measured[]) =>
  `| ${name} | ${med(xs, (m) => m.one.latency.p50).toFixed(2)} | ${med(xs, (m) => m.one.latency.p99).toFixed(2)} | ${med(xs, (m) => m.many.latency.p50).toFixed(2)} | ${med(xs, (m) => m.many.latency.p99).toFixed(2)} | ${med(xs, (m) => m.many.achievedPerSec).toFixed(0)} | ${med(xs, (m) => m.cpuMicrosPerReply).toFixed(0)} | ${xs.map((m) => (m.maxSustained === undefined ? 'none' : `${m.maxSustained}/s`)).join(', ')} | ${xs.map((m) => (m.maxKeepingUp === undefined ? 'none' : `${m.maxKeepingUp}/s`)).join(', ')} |`;
const bestVerdict = median(verdict.map((m) => m.maxSustained ?? 0));
const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
/** One line per latency target against one baseline: the ratios at 1 and 64 in flight (medians over rounds). */
function targets(label: string, base: Measured[]): string[] {
  const ratio = (pick: (m: Measured) => number) => med(verdict, pick) / med(base, pick);
  const line = (name: string, limit: number, pick: (r: PhaseResult) => number) => {
    const [at1, at64] = [ratio((m) => pick(m.one)), ratio((m) => pick(m.many))];
    return `TARGET ${name} <= ${limit}x ${label}: @1 ${at1.toFixed(2)}x, @64 ${at64.toFixed(2)}x -> ${met(at1 <= limit && at64 <= limit)}`;
  };
  return [line('p50', 1.15, (r) => r.latency.p50), line('p99', 1.25, (r) => r.latency.p99)];
}
const lines = [
  `Client ${CLIENT}; broker ${brokers.join(',')}; ${PARTITIONS} partitions; ${ROUNDS} round(s), plain echo, exactly-once echo (StreamLoop), then verdict in each; medians over rounds.`,
  `Closed loop ${WARMUP_MS} ms warm-up + ${MEASURE_MS} ms measured; open-loop steps (${RATES.join(', ')}/s) ${WARMUP_MS} + ${STEP_MEASURE_MS} ms each; keeping up = no loss and >= 95% of offered; sustained = keeping up with p99 <= ${P99_BUDGET_MS} ms; two steps in a row not keeping up end the search.`,
  `Load average (1 / 5 / 15 min) at start ${loadAtStart}, at end ${loadAverage()} (2 cores; above ~1.5 the figures carry other processes' noise).`,
  '',
  '| service | p50 @1 (ms) | p99 @1 (ms) | p50 @64 (ms) | p99 @64 (ms) | replies/s @64 | service CPU µs/reply @64 | max rate with p99 <= 25 ms (per round) | max rate keeping up (per round) |',
  '|---|---|---|---|---|---|---|---|---|',
  row('echo, plain (at least once)', plain),
  row('echo, exactly-once (no-op task on StreamLoop)', echo),
  row('verdict processor, exactly-once', verdict),
  '',
  `Verdict commits at 64 in flight (from the processor's metrics), per round: ${verdict.map((m) => m.commits ?? '?').join('; ')}.`,
  '',
  ...targets('exactly-once echo (same runtime; the target)', echo),
  ...targets('plain echo (at-least-once floor; for information)', plain),
  `TARGET >= 5,000 verdicts/s sustained with p99 <= ${P99_BUDGET_MS} ms: median over rounds ${bestVerdict}/s (highest rate kept up with, latency aside: median ${median(verdict.map((m) => m.maxKeepingUp ?? 0))}/s) -> ${met(bestVerdict >= 5_000)}`,
  '',
  '<details><summary>open-loop steps</summary>',
  '',
  '| service | round | offered/s | achieved/s | p50 (ms) | p99 (ms) | lost | generator lag p99 (ms) |',
  '|---|---|---|---|---|---|---|---|',
  ...([['echo plain', plain], ['echo exactly-once', echo], ['verdict', verdict]] as const).flatMap(([name, xs]) => xs.flatMap((m, i) => m.steps.map((s) =>
    `| ${name} | ${i + 1} | ${s.offeredPerSec} | ${s.achievedPerSec.toFixed(0)} | ${s.latency.p50.toFixed(2)} | ${s.latency.p99.toFixed(2)} | ${s.lost}${s.overloaded ? ' (overloaded)' : ''} | ${s.scheduleLagP99Ms.toFixed(1)} |`))),
  '',
  '</details>',
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
