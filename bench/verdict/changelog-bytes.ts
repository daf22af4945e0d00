// Changelog bytes the verdict task writes per verdict, counted from its outputs (no broker: the task is driven
// in process, commits every --batch proposals, the registry is the local one for schema ids only).
//   node bench/verdict/changelog-bytes.ts [--proposals 100000] [--sessions 1000] [--batch 64]
// Same proposal mix and session count as bench/verdict/run.ts. Prints bytes (key + value) per verdict for the
// changelog, the decisions and the verdicts, and the encode+decide CPU per proposal of the task alone.
import { parseArgs } from 'node:util';
import { createRegistryClient, localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { proposalToWire } from '../../processors/runtime/serde/records.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { defineTopics } from '../../processors/runtime/topics.ts';
import type { InRecord, KafkaTransport, OutRecord, TransportProducer } from '../../processors/runtime/transport/transport.ts';
import { BundleSlot } from '../../processors/verdict/bundle-slot.ts';
import { createPolicyEngine } from '../../processors/verdict/policy-engine.ts';
import { VerdictTask } from '../../processors/verdict/verdict-task.ts';
import type { ToolCallProposal } from '../../processors/core/types.ts';
import { testBundle } from '../../test/unit/verdict/fixtures.ts';

const { values: args } = parseArgs({ options: { proposals: { type: 'string' }, sessions: { type: 'string' }, batch: { type: 'string' } } });
const N = Number(args.proposals ?? 100_000);
const SESSIONS = Number(args.sessions ?? 1_000);
const BATCH = Number(args.batch ?? 64);

const topics = defineTopics({ prefix: 'bench-changelog-bytes', partitions: 4, replicationFactor: 1 });
const serde = new TopicSerde(createRegistryClient(localRegistryUrl()), topics);
await serde.registerAll();
const engine = createPolicyEngine({ requireSignature: false, trustedKeys: {} });
const slot = new BundleSlot({ ...engine, load: async () => testBundle() }, 'bench');
await slot.offer({ bundleName: 'bench', revision: 'r', bundle: Buffer.alloc(0), signature: '', keyId: '', activatedBy: '', activatedAtMs: 0 });
const task = new VerdictTask({
  topics, serde, engine, slot, transport: {} as KafkaTransport, barrierProducer: {} as TransportProducer, groupId: 'bench',
  replyTopics: new Map(), restoreTimeoutMs: 1000, clock: Date.now,
});

const proposalRecord = (seq: number): InRecord => {
  const s = seq % SESSIONS;
  const now = Date.now();
  const p: ToolCallProposal = {
    proposalId: `p-${seq}`, sessionId: `bench-s${s}`, agentId: 'agent', userId: 'u', tenantId: 'acme', agentRole: 'assistant',
    environment: 'prod', intent: '', replyTopic: topics.verdicts.topic, replyPartition: 0, deadlineMs: now + 60_000, createdAtMs: now,
    ...(seq % 4 === 1 ? { tool: 'send_email', args: { to: ['bob@example.com'], subject: 'hi', body: 'x'.repeat(200) } }
      : { tool: 'http_get', args: { url: `https://site${s % 7}.example.com/page/${seq % 97}` } }),
  };
  return { topic: topics.proposals.topic, partition: 0, offset: String(seq), key: Buffer.from(p.sessionId),
    value: serde.encode(topics.proposals, proposalToWire(p)), headers: {}, timestampMs: now };
};

const bytes = new Map<string, { records: number; bytes: number }>();
const count = (out: readonly OutRecord[]) => {
  for (const r of out) {
    const t = bytes.get(r.topic) ?? { records: 0, bytes: 0 };
    t.records++;
    t.bytes += (r.key === null || r.key === undefined ? 0 : Buffer.byteLength(r.key)) + (r.value?.length ?? 0);
    bytes.set(r.topic, t);
  }
};
const records = Array.from({ length: N }, (_, i) => proposalRecord(i));
const cpu0 = process.cpuUsage();
for (let i = 0; i < N; i += BATCH) {
  count(await task.process({ topic: topics.proposals.topic, partition: 0, records: records.slice(i, i + BATCH) }));
  count(task.beforeCommit());
  task.committed();
}
const cpu = process.cpuUsage(cpu0);
const per = (topic: string) => {
  const t = bytes.get(topic) ?? { records: 0, bytes: 0 };
  return `${(t.bytes / N).toFixed(0)} B/verdict (${(t.records / N).toFixed(2)} records/verdict, ${(t.bytes / 1e6).toFixed(1)} MB)`;
};
console.log(`${N} proposals, ${SESSIONS} sessions, commit every ${BATCH}: decided ${task.stats.decided}`);
console.log(`changelog ${per(topics.sessionState.topic)}`);
console.log(`decisions ${per(topics.decisions.topic)}`);
console.log(`verdicts  ${per(topics.verdicts.topic)}`);
console.log(`task CPU ${((cpu.user + cpu.system) / N).toFixed(1)} µs/proposal (process + beforeCommit, in process)`);
