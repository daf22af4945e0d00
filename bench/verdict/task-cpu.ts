// CPU per verdict of the verdict task alone (decode -> decide -> chain -> encode -> changelog), no broker: the part of
// bench/verdict's "service CPU per reply" that is ours, measured without the noise of a shared broker and client.
//   node bench/verdict/task-cpu.ts [--verdicts 40000] [--repeats 7] [--per-commit 64]
// The same workload as bench/verdict/run.ts (real policy from test/unit/verdict/fixtures.ts, 1,000 sessions, a quarter
// send_email, 4 partitions); per-partition batches of max(1, per-commit / 4) proposals, and a commit (beforeCommit
// = the changelog, sealed, committed, as StreamLoop does) once `--per-commit` proposals are pending (1 = every
// proposal on its own, as at 1 in flight). Schemas are registered in the local registry (.run/stack.env).
// Prints µs per verdict per repeat and the median; run with `node --cpu-prof` for the breakdown.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { ToolCallProposal } from '../../processors/core/types.ts';
import { createRegistryClient, localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { proposalToWire } from '../../processors/runtime/serde/records.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { defineTopics } from '../../processors/runtime/topics.ts';
import type { InRecord, KafkaTransport, TransportProducer } from '../../processors/runtime/transport/transport.ts';
import { BundleSlot } from '../../processors/verdict/bundle-slot.ts';
import { correlationHeaders } from '../../processors/verdict/correlation.ts';
import { createPolicyEngine } from '../../processors/verdict/policy-engine.ts';
import { VerdictTask } from '../../processors/verdict/verdict-task.ts';
import { testBundle } from '../../test/unit/verdict/fixtures.ts';
import { median } from '../kafka-clients/latency-stats.ts';

const { values: args } = parseArgs({
  options: { verdicts: { type: 'string', default: '40000' }, repeats: { type: 'string', default: '7' }, 'per-commit': { type: 'string', default: '64' } },
});
const VERDICTS = Number(args.verdicts);
const REPEATS = Number(args.repeats);
const PER_COMMIT = Number(args['per-commit']);
const PARTITIONS = 4;
const SESSIONS = 1_000;

const topics = defineTopics({ prefix: `bench-task-cpu-${randomUUID().slice(0, 8)}`, partitions: PARTITIONS, replicationFactor: 1 });
const serde = new TopicSerde(createRegistryClient(localRegistryUrl()), topics);
await serde.registerAll();
const engine = createPolicyEngine({ requireSignature: false, trustedKeys: {} });

async function freshTask(): Promise<VerdictTask> {
  const slot = new BundleSlot({ ...engine, load: async () => testBundle() }, 'bench');
  await slot.offer({ bundleName: 'bench', revision: 'r', bundle: Buffer.alloc(0), signature: '', keyId: '', activatedBy: '', activatedAtMs: 0 });
  return new VerdictTask({
    topics, serde, engine, slot, transport: {} as KafkaTransport, barrierProducer: {} as TransportProducer, groupId: 'bench',
    replyTopics: new Map(), restoreTimeoutMs: 1_000, clock: Date.now,
  });
}

/** The proposals of bench/verdict/run.ts, as the records the consumer hands over (partition = session mod 4). */
function proposals(round: number): InRecord[][] {
  const byPartition: InRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  const now = Date.now();
  for (let seq = 0; seq < VERDICTS; seq++) {
    const s = seq % SESSIONS;
    const p: ToolCallProposal = {
      proposalId: `${round}-${seq}`, sessionId: `bench-s${s}`, agentId: 'agent', userId: 'u', tenantId: 'acme', agentRole: 'assistant',
      environment: 'prod', intent: '', replyTopic: topics.verdicts.topic, replyPartition: 0, deadlineMs: now + 60_000, createdAtMs: now,
      ...(seq % 4 === 1 ? { tool: 'send_email', args: { to: ['bob@example.com'], subject: 'hi', body: 'x'.repeat(200) } }
        : { tool: 'http_get', args: { url: `https://site${s % 7}.example.com/page/${seq % 97}` } }),
    };
    const partition = s % PARTITIONS;
    const list = byPartition[partition] as InRecord[];
    list.push({ topic: topics.proposals.topic, partition, offset: String(list.length), key: Buffer.from(p.sessionId),
      value: serde.encode(topics.proposals, proposalToWire(p)), headers: correlationHeaders(p.proposalId, { topic: p.replyTopic, partition: 0 }), timestampMs: now });
  }
  return byPartition;
}

async function oneRepeat(round: number): Promise<number> {
  const task = await freshTask();
  const input = proposals(round);
  const perBatch = Math.max(1, Math.floor(PER_COMMIT / PARTITIONS));
  let outputs = 0;
  let pending = 0;
  const commit = () => {
    outputs += task.beforeCommit().length;
    task.sealed();
    task.committed();
    pending = 0;
  };
  const started = process.cpuUsage();
  for (let from = 0; from < VERDICTS / PARTITIONS; from += perBatch) {
    for (let p = 0; p < PARTITIONS; p++) {
      const records = (input[p] as InRecord[]).slice(from, from + perBatch);
      if (records.length > 0) outputs += (await task.process({ topic: topics.proposals.topic, partition: p, records })).length;
      pending += records.length;
      if (pending >= PER_COMMIT) commit();
    }
  }
  if (pending > 0) commit();
  const used = process.cpuUsage(started);
  if (task.stats.decided !== VERDICTS) throw new Error(`decided ${task.stats.decided} of ${VERDICTS}`);
  const micros = (used.user + used.system) / VERDICTS;
  process.stderr.write(`[task-cpu] repeat ${round}: ${micros.toFixed(1)} µs CPU per verdict, ${(outputs / VERDICTS).toFixed(2)} outputs per verdict\n`);
  return micros;
}

const results: number[] = [];
for (let r = 0; r < REPEATS; r++) results.push(await oneRepeat(r));
process.stdout.write(`task CPU per verdict: median ${median(results.slice(1)).toFixed(1)} µs over ${REPEATS - 1} repeats (first is warm-up), ${VERDICTS} verdicts each, ${PER_COMMIT} per commit\n`);
