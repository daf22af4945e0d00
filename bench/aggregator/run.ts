// Aggregator throughput against a raw consume+decode loop: same topics, same broker, same Kafka client
// (ARBITER_KAFKA_CLIENT or --client; default platformatic), same process, alternating per round.
//   node bench/aggregator/run.ts [--events 200000] [--rounds 3] [--client platformatic]
// Setup: proposals and their results (half each) for 2,000 sessions, 200 agents, 20 tenants, produced once to fresh
// topics (6 partitions); the mix has memory writes/reads, untrusted sources and record counts, so every detector
// works (thresholds: defaults, memory tools declared). Per round, each side reads everything with a fresh group:
//  - raw: consumer (read_committed) + TopicSerde.decode of each record, nothing else;
//  - aggregator: the deployed path, as bin/aggregator.ts runs it: aggregatorLoop (StreamLoop, exactly once, group
//    commit, pipelined) + AggregatorTask with durable state: decode (only the fields it reads: projected-decode.ts;
//    the raw side decodes every field, as a plain consumer would), correlate, produce alerts, taints and rate
//    signals, and write the changed windows to the changelog in the same transaction as the input offsets. Each round
//    has its own changelog and rates topics (starts empty; the restore of the empty changelog is before the clock).
// Throughput = events / time from the first record handed over to the last one processed (aggregator: until the
// transaction holding the last event committed).
// One uncounted warm-up pass of each side first; the order alternates per round. Prints events/s per side and round, medians, and the aggregator/raw ratio of medians (target >= 0.8).
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { AggregatorTask } from '../../processors/aggregator/aggregator-task.ts';
import { aggregatorLoop } from '../../processors/aggregator/index.ts';
import { aggregatorTopics } from '../../processors/aggregator/topics.ts';
import { thresholdsFromEnv } from '../../processors/aggregator/config.ts';
import type { Args, ToolCallProposal, ToolCallResult } from '../../processors/core/types.ts';
import { proposalToWire, resultToWire } from '../../processors/runtime/serde/records.ts';
import { createRegistryClient, localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { defineTopics, ensureArbiterTopics, type TopicMap } from '../../processors/runtime/topics.ts';
import { createTransport, parseKafkaClient, type Batch, type KafkaTransport, type OutRecord } from '../../processors/runtime/transport/index.ts';
import { localBrokers } from '../kafka-clients/local-brokers.ts';
import { median } from '../kafka-clients/latency-stats.ts';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' }, client: { type: 'string' } },
});
const EVENTS = Math.max(2, Math.floor(Number(args.events) / 2) * 2);
const ROUNDS = Math.max(1, Number(args.rounds));
const CLIENT = parseKafkaClient(args.client ?? process.env['ARBITER_KAFKA_CLIENT']);
const PARTITIONS = 6;
const SESSIONS = 2_000;
const AGENTS = 200;
const TENANTS = 20;
const ROUND_TIMEOUT_MS = 600_000;
const run = randomUUID().slice(0, 8);
const log = (message: string) => process.stderr.write(`[bench:aggregator] ${message}\n`);

const thresholds = thresholdsFromEnv({
  ARBITER_AGG_MEMORY_TOOLS: JSON.stringify({ remember: { op: 'write', keyArgs: ['namespace', 'key'] }, recall: { op: 'read', keyArgs: ['namespace', 'key'] } }),
});

/** Event i of the mix (deterministic): proposal and result of call i/2. */
function callOf(i: number, t0: number): { p: ToolCallProposal; r: ToolCallResult } {
  const s = i % SESSIONS;
  const sessionId = `s-${run}-${s}`;
  const agentId = `agent-${s % AGENTS}`;
  const tenantId = `tenant-${s % TENANTS}`;
  const kind = i % 10;
  const tool = kind === 0 ? 'remember' : kind === 1 ? 'recall' : kind < 6 ? 'crm_lookup' : kind < 8 ? 'http_get' : 'send_email';
  const args: Args = tool === 'remember' || tool === 'recall' ? { namespace: tenantId, key: `note-${i % 97}`, value: 'x'.repeat(64) }
    : tool === 'send_email' ? { to: ['bob@example.com'], subject: 'status', body: 'y'.repeat(200) } : { query: `customer ${i % 5000}`, limit: 50 };
  const at = t0 + Math.floor(i / 20);
  const p: ToolCallProposal = {
    proposalId: `${run}-${i}`, sessionId, agentId, userId: `user-${s}`, tenantId, agentRole: 'assistant', environment: 'prod', tool, args,
    intent: '', replyTopic: 'unused', replyPartition: 0, deadlineMs: at + 60_000, createdAtMs: at,
  };
  const r: ToolCallResult = {
    proposalId: p.proposalId, sessionId, agentId, userId: p.userId, tenantId, tool, outcome: 'success',
    recordsRead: tool === 'crm_lookup' ? { pii: 10 } : {}, bytesRead: tool === 'crm_lookup' ? { pii: 4096 } : {},
    untrustedSources: tool === 'http_get' && i % 7 === 0 ? [`web:site-${i % 13}.example`] : [], destinationsSeen: [],
    modificationApplied: false, cost: 0, completedAtMs: at + 5,
  };
  return { p, r };
}

async function produceInput(transport: KafkaTransport, serde: TopicSerde, topics: TopicMap): Promise<void> {
  const producer = await transport.producer({ idempotent: true });
  const t0 = Date.now();
  const calls = EVENTS / 2;
  const chunk = 2_000;
  for (let start = 0; start < calls; start += chunk) {
    const out: OutRecord[] = [];
    for (let i = start; i < Math.min(calls, start + chunk); i++) {
      const { p, r } = callOf(i, t0);
      out.push({ topic: topics.proposals.topic, key: p.sessionId, value: serde.encode(topics.proposals, proposalToWire(p)) });
      out.push({ topic: topics.results.topic, key: r.sessionId, value: serde.encode(topics.results, resultToWire(r)) });
    }
    await producer.send(out);
  }
  await producer.close();
}

interface Side { readonly eventsPerSecond: number; readonly cpuUsPerEvent: number; readonly alerts: number; readonly changelog?: number }

function timeout(what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: not done within ${ROUND_TIMEOUT_MS} ms`)), ROUND_TIMEOUT_MS).unref());
}

async function rawRound(transport: KafkaTransport, serde: TopicSerde, topics: TopicMap, round: number): Promise<Side> {
  const consumer = await transport.consumer({
    groupId: `bench-agg-${run}-raw-${round}`, topics: [topics.proposals.topic, topics.results.topic], fromBeginning: true, readCommitted: true,
    maxWaitMs: 20, minBytes: 1,
  });
  let seen = 0;
  let first = 0;
  let cpu0 = process.cpuUsage();
  let done!: (ms: number) => void;
  const finished = new Promise<number>((resolve) => (done = resolve));
  const running = consumer.run(async (batch: Batch) => {
    if (first === 0) {
      first = performance.now();
      cpu0 = process.cpuUsage();
    }
    const def = batch.topic === topics.proposals.topic ? topics.proposals : topics.results;
    for (const r of batch.records) await serde.decode(def, r);
    seen += batch.records.length;
    if (seen >= EVENTS) done(performance.now() - first);
  });
  const ms = await Promise.race([finished, timeout('raw round')]);
  const cpu = process.cpuUsage(cpu0);
  await consumer.close();
  await running.catch(() => undefined);
  return { eventsPerSecond: (EVENTS * 1000) / ms, cpuUsPerEvent: (cpu.user + cpu.system) / EVENTS, alerts: 0 };
}

async function aggregatorRound(transport: KafkaTransport, serde: TopicSerde, topics: TopicMap, round: number): Promise<Side> {
  const own = aggregatorTopics(`bench-agg-${run}-r${round}`, 1);
  const admin = await transport.admin();
  await admin.ensureTopics([own.changelog, own.rates]);
  await admin.close();
  const groupId = `bench-agg-${run}-agg-${round}`;
  const barrierProducer = await transport.producer({ idempotent: true });
  const task = new AggregatorTask({ topics, own, serde, thresholds, durable: { transport, barrierProducer, groupId, restoreTimeoutMs: 60_000 } });
  /** Events processed when each commit in flight was sealed (oldest first): committed() refers to the oldest. */
  const sealedAt: number[] = [];
  let first = 0;
  let cpu0 = process.cpuUsage();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // Times the real task: first batch handed over -> the transaction holding the last event committed.
  const timed = {
    process: (b: Batch) => {
      if (first === 0) {
        first = performance.now();
        cpu0 = process.cpuUsage();
      }
      return task.process(b);
    },
    beforeCommit: () => {
      sealedAt.push(task.counts.events + task.counts.skipped);
      return task.beforeCommit();
    },
    sealed: () => task.sealed(),
    committed: () => {
      task.committed();
      if ((sealedAt.shift() ?? 0) >= EVENTS) done();
    },
    aborted: () => task.aborted(),
    onAssigned: () => task.onAssigned(),
    onRevoked: () => task.onRevoked(),
  };
  const loop = aggregatorLoop(transport, { groupId, exactlyOnce: true }, task.inputTopics(), timed);
  if (loop.mode !== 'exactly-once') throw new Error(`client ${CLIENT} runs the aggregator ${loop.mode}`);
  await loop.start();
  await Promise.race([finished, timeout('aggregator round')]);
  const ms = performance.now() - first;
  const cpu = process.cpuUsage(cpu0);
  await loop.close();
  await barrierProducer.close();
  if (task.counts.skipped > 0) throw new Error(`aggregator skipped ${task.counts.skipped} records`);
  const c = task.counts;
  return { eventsPerSecond: (EVENTS * 1000) / ms, cpuUsPerEvent: (cpu.user + cpu.system) / EVENTS, alerts: c.alerts + c.quarantines + c.taints + c.rateSignals,
    changelog: c.changelogWritten };
}

const transport = await createTransport(CLIENT, { brokers: localBrokers(), clientId: `bench-agg-${run}` });
const topics = defineTopics({ prefix: `bench-agg-${run}`, partitions: PARTITIONS, replicationFactor: 1 });
const admin = await transport.admin();
await ensureArbiterTopics(admin, topics);
await admin.close();
const serde = new TopicSerde(createRegistryClient(localRegistryUrl()), topics);
await serde.registerAll();
log(`producing ${EVENTS} events (${EVENTS / 2} proposals + results) to ${topics.proposals.topic} / ${topics.results.topic}, client ${CLIENT}`);
await produceInput(transport, serde, topics);

// Warm-up (not counted): one pass of each, so neither side pays for a cold JIT, registry cache or page cache.
log('warm-up pass (not counted)');
await rawRound(transport, serde, topics, -1);
await aggregatorRound(transport, serde, topics, -1);
const raw: number[] = [];
const agg: number[] = [];
const rawCpu: number[] = [];
const aggCpu: number[] = [];
let emitted = 0;
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which side goes first, so a load spike on the shared machine does not always hit the same side.
  const rawFirst = round % 2 === 0;
  const r0 = rawFirst ? await rawRound(transport, serde, topics, round) : undefined;
  const a = await aggregatorRound(transport, serde, topics, round);
  const r = r0 ?? await rawRound(transport, serde, topics, round);
  raw.push(r.eventsPerSecond);
  agg.push(a.eventsPerSecond);
  rawCpu.push(r.cpuUsPerEvent);
  aggCpu.push(a.cpuUsPerEvent);
  emitted = a.alerts;
  ratios.push(a.eventsPerSecond / r.eventsPerSecond);
  log(`round ${round + 1}: raw ${Math.round(r.eventsPerSecond)}/s, aggregator ${Math.round(a.eventsPerSecond)}/s (ratio ${(a.eventsPerSecond / r.eventsPerSecond).toFixed(2)}); CPU ${r.cpuUsPerEvent.toFixed(1)} vs ${a.cpuUsPerEvent.toFixed(1)} µs/event; ${a.alerts} alerts+taints+rate signals, ${a.changelog} changelog records; load ${loadavg()[0]?.toFixed(1)}`);
}
const ratio = median(agg) / median(raw);
const line = (name: string, xs: number[]) => `| ${name} | ${xs.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ')} | ${Math.round(median(xs)).toLocaleString('en-US')} |`;
process.stdout.write([
  `client ${CLIENT}, ${EVENTS.toLocaleString('en-US')} events (proposals + results), ${PARTITIONS} partitions, ${ROUNDS} rounds; ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  '',
  '| side | events/s per round | median events/s | median CPU µs/event (this process) |',
  '|---|---|---|---|',
  `${line('raw consume + decode', raw)} ${median(rawCpu).toFixed(1)} |`,
  `${line('aggregator (decode, correlate, produce alerts, commit)', agg)} ${median(aggCpu).toFixed(1)} |`,
  '',
  `CPU per event, raw / aggregator (medians): ${(median(rawCpu) / median(aggCpu)).toFixed(2)}`,
  `aggregator / raw per round: ${ratios.map((x) => x.toFixed(2)).join(', ')}`,
  `aggregator / raw (medians): ${ratio.toFixed(2)} (target >= 0.80) — ${ratio >= 0.8 ? 'met' : 'NOT met'}; alerts+taints+rate signals emitted per aggregator pass: ${emitted}`,
  '',
].join('\n'));
process.exit(0);
