// One test run's own Arbiter topics on the local broker and registry, and the agent side of the wire: topics created
// (co-partitioned, with their DLQs), schemas registered, an idempotent producer, proposals and results produced as
// the SDK does (with the correlation headers), signed bundles published. Also the live proposal/result factories and
// the polling wait the integration tests share.
import { randomUUID } from 'node:crypto';
import { localBrokers } from '../../../bench/kafka-clients/local-brokers.ts';
import type { DecisionRecord, ToolCallProposal, ToolCallResult } from '../../../processors/core/types.ts';
import type { SignedBundle } from '../../../processors/policy/index.ts';
import { partitionFor } from '../../../processors/runtime/partition-for.ts';
import { proposalToWire, resultToWire } from '../../../processors/runtime/serde/records.ts';
import { createRegistryClient, localRegistryUrl } from '../../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../../processors/runtime/serde/topic-serde.ts';
import { defineTopics, ensureArbiterTopics, type TopicMap } from '../../../processors/runtime/topics.ts';
import { createTransport, parseKafkaClient } from '../../../processors/runtime/transport/index.ts';
import type { KafkaTransport, TransportProducer } from '../../../processors/runtime/transport/index.ts';
import { correlationHeaders } from '../../../processors/verdict/correlation.ts';
import { activationOf } from '../../../processors/verdict/policy-engine.ts';
import { proposal, result } from '../../unit/verdict/fixtures.ts';

export interface TestBus {
  readonly transport: KafkaTransport;
  readonly topics: TopicMap;
  readonly serde: TopicSerde;
  /** Idempotent; closed by close(). */
  readonly producer: TransportProducer;
  close(): Promise<void>;
}

export interface TestBusOptions {
  readonly partitions?: number;
  readonly brokers?: readonly string[];
  /** Producer linger, for tests that produce many records (default the transport's). */
  readonly lingerMs?: number;
}

/** Creates the topics under `prefix` (partitions default 2), registers the schemas and opens a producer. */
export async function openTestBus(prefix: string, options: TestBusOptions = {}): Promise<TestBus> {
  const brokers = options.brokers ?? localBrokers();
  const topics = defineTopics({ prefix, partitions: options.partitions ?? 2, replicationFactor: 1 });
  const transport = await createTransport(parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']), { brokers, clientId: prefix });
  const admin = await transport.admin();
  await ensureArbiterTopics(admin, topics);
  await admin.close();
  const serde = new TopicSerde(createRegistryClient(localRegistryUrl()), topics);
  await serde.registerAll();
  const producer = await transport.producer({ idempotent: true, ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }) });
  return { transport, topics, serde, producer, close: () => producer.close() };
}

/** Produces proposals keyed by session on the key's partition (partition-for.ts, as the SDK does), with the reply
 *  correlation headers the processor answers to. */
export async function sendProposals(bus: TestBus, proposals: readonly ToolCallProposal[]): Promise<void> {
  if (proposals.length === 0) return;
  await bus.producer.send(proposals.map((p) => ({
    topic: bus.topics.proposals.topic, partition: partitionFor(p.sessionId, bus.topics.proposals.partitions), key: p.sessionId, value: bus.serde.encode(bus.topics.proposals, proposalToWire(p)),
    headers: correlationHeaders(p.proposalId, { topic: p.replyTopic, partition: p.replyPartition }),
  })));
}

export async function sendResults(bus: TestBus, results: readonly ToolCallResult[]): Promise<void> {
  if (results.length === 0) return;
  await bus.producer.send(results.map((r) => ({
    topic: bus.topics.results.topic, partition: partitionFor(r.sessionId, bus.topics.results.partitions), key: r.sessionId, value: bus.serde.encode(bus.topics.results, resultToWire(r)),
  })));
}

/** Produces decision records as the verdict processor does (partition = chain partition, key = session), in sends of `batch`. */
export async function sendDecisions(bus: TestBus, decisions: readonly DecisionRecord[], batch = 1000): Promise<void> {
  for (let i = 0; i < decisions.length; i += batch) {
    await bus.producer.send(decisions.slice(i, i + batch).map((d) => ({
      topic: bus.topics.decisions.topic, partition: d.chainPartition, key: d.sessionId, value: bus.serde.encode(bus.topics.decisions, d),
    })));
  }
}

/** Activates a signed bundle on the bundles topic. */
export async function publishBundle(bus: TestBus, signed: SignedBundle, activatedBy = 'test'): Promise<void> {
  await bus.producer.send([{ topic: bus.topics.policyBundles.topic, key: signed.name,
    value: bus.serde.encode(bus.topics.policyBundles, activationOf(signed, activatedBy, Date.now())) }]);
}

/** A proposal made now (fresh id, deadline a minute away) answered on the run's verdicts topic, partition 0. */
export function liveProposal(topics: TopicMap, over: Partial<ToolCallProposal> = {}): ToolCallProposal {
  const now = Date.now();
  return proposal({ proposalId: randomUUID(), replyTopic: topics.verdicts.topic, deadlineMs: now + 60_000, createdAtMs: now, ...over });
}

/** The result of running `p`, completed now: success, nothing read, no cost unless `over` says otherwise. */
export function resultOf(p: ToolCallProposal, over: Partial<ToolCallResult> = {}): ToolCallResult {
  return result({
    proposalId: p.proposalId, sessionId: p.sessionId, agentId: p.agentId, userId: p.userId, tenantId: p.tenantId, tool: p.tool,
    completedAtMs: Date.now(), ...over,
  });
}

/** Polls `probe` every 50 ms until it returns a value. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
