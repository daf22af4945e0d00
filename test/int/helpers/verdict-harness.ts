// The agent side and the auditor side of the verdict crash/recovery/broker tests, on the real broker and registry:
// own topics (one prefix per run), a signed bundle published, proposals and results produced as the SDK does,
// and a read_committed reader that collects verdicts and decision records. `childEnv` gives the environment that
// starts processors/bin/verdict.ts on these topics (same instance id across restarts: the restarted producer fences
// the killed one's open transaction at once instead of leaving it to the transaction timeout).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { checkLink, genesisHead, headAfter, type ChainBreak } from '../../../processors/core/chain.ts';
import type { DecisionRecord, ToolCallProposal, ToolCallResult } from '../../../processors/core/types.ts';
import { generateSigningKeys, signBundle } from '../../../processors/policy/index.ts';
import { localRegistryUrl } from '../../../processors/runtime/serde/registry.ts';
import type { TopicSerde } from '../../../processors/runtime/serde/topic-serde.ts';
import { restorePartitions } from '../../../processors/runtime/stream/restore.ts';
import type { TopicMap } from '../../../processors/runtime/topics.ts';
import type { InRecord, KafkaTransport, TransportConsumer } from '../../../processors/runtime/transport/index.ts';
import { POLICY } from '../../unit/verdict/fixtures.ts';
import { liveProposal, openTestBus, publishBundle, sendProposals, sendResults, type TestBus } from './test-bus.ts';

export const BUNDLE_NAME = 'verdict-test';
export const BUNDLE_SOURCES = [{ path: 'test.yaml', text: POLICY }];

export interface HarnessOptions {
  readonly name: string;
  readonly brokers: readonly string[];
  readonly partitions: number;
  /** Group session timeout of the child processors (6000 is the broker's usual minimum). */
  readonly sessionTimeoutMs?: number;
}

export interface Collected {
  /** Every committed verdict's proposal id, in arrival order (duplicates kept: they are what is checked). */
  readonly verdictIds: string[];
  readonly decisions: DecisionRecord[];
}

export class VerdictHarness {
  readonly run: string;
  readonly topics: TopicMap;
  readonly groupId: string;
  readonly #options: HarnessOptions;
  readonly #keys: ReturnType<typeof generateSigningKeys>;
  readonly #bus: TestBus;
  #kafkajsAdmin: Admin | undefined;
  readonly #readers: { consumer: TransportConsumer; running: Promise<void> }[] = [];

  private constructor(options: HarnessOptions, run: string, keys: ReturnType<typeof generateSigningKeys>, bus: TestBus) {
    this.#options = options;
    this.run = run;
    this.#keys = keys;
    this.#bus = bus;
    this.topics = bus.topics;
    this.groupId = `${options.name}-${run}-verdict`;
  }

  static async create(options: HarnessOptions): Promise<VerdictHarness> {
    const run = randomUUID().slice(0, 8);
    const keys = generateSigningKeys();
    const bus = await openTestBus(`${options.name}-${run}`, { brokers: options.brokers, partitions: options.partitions });
    await publishBundle(bus, signBundle(BUNDLE_NAME, BUNDLE_SOURCES, keys.privateKeyPem, 'k1'));
    return new VerdictHarness(options, run, keys, bus);
  }

  get serde(): TopicSerde {
    return this.#bus.serde;
  }

  get transport(): KafkaTransport {
    return this.#bus.transport;
  }

  /** Environment of processors/bin/verdict.ts on this harness's topics. */
  childEnv(instanceId: string): Record<string, string> {
    return {
      KAFKA_BROKERS: this.#options.brokers.join(','), SCHEMA_REGISTRY_URL: localRegistryUrl(),
      ARBITER_TOPIC_PREFIX: `${this.#options.name}-${this.run}`, ARBITER_PARTITIONS: String(this.#options.partitions),
      ARBITER_VERDICT_GROUP: this.groupId, ARBITER_INSTANCE_ID: instanceId, ARBITER_BUNDLE_NAME: BUNDLE_NAME,
      ARBITER_TRUSTED_KEYS: JSON.stringify({ k1: this.#keys.publicKeyPem }), ARBITER_BUNDLE_WAIT_MS: '60000',
      ARBITER_SESSION_TIMEOUT_MS: String(this.#options.sessionTimeoutMs ?? 6_000),
    };
  }

  /** A live proposal in `sessionId` with an hour to its deadline (crash tests wait through restarts). */
  proposal(sessionId: string, over: Partial<ToolCallProposal> = {}): ToolCallProposal {
    return liveProposal(this.topics, { sessionId, deadlineMs: Date.now() + 3_600_000, ...over });
  }

  sendProposals(proposals: readonly ToolCallProposal[]): Promise<void> {
    return sendProposals(this.#bus, proposals);
  }

  sendResults(results: readonly ToolCallResult[]): Promise<void> {
    return sendResults(this.#bus, results);
  }

  /** Reads verdicts and decisions (read_committed) from the start into `into`, until close(). */
  async collect(into: Collected = { verdictIds: [], decisions: [] }): Promise<Collected> {
    const t = this.topics;
    let assigned!: () => void;
    const ready = new Promise<void>((resolve) => (assigned = resolve));
    const consumer = await this.#bus.transport.consumer({
      groupId: `${this.groupId}-auditor-${randomUUID().slice(0, 6)}`, topics: [t.verdicts.topic, t.decisions.topic],
      fromBeginning: true, readCommitted: true, maxWaitMs: 20, onAssigned: async () => assigned(),
    });
    const running = consumer.run(async (batch) => {
      for (const r of batch.records as readonly InRecord[]) {
        if (r.topic === t.verdicts.topic) into.verdictIds.push((await this.#bus.serde.decode(t.verdicts, r)).proposalId);
        else into.decisions.push(await this.#bus.serde.decode(t.decisions, r));
      }
    });
    running.catch(() => undefined);
    this.#readers.push({ consumer, running });
    await ready;
    return into;
  }

  /** The first `expected` committed records of `topic` (all partitions, each in offset order), via a throwaway group. */
  async readTopic(topic: string, expected: number, timeoutMs = 120_000): Promise<InRecord[]> {
    const records: InRecord[] = [];
    const consumer = await this.#bus.transport.consumer({
      groupId: `${this.groupId}-read-${randomUUID().slice(0, 6)}`, topics: [topic], fromBeginning: true, readCommitted: true, maxWaitMs: 50,
    });
    const running = consumer.run(async (batch) => void records.push(...batch.records));
    running.catch(() => undefined);
    try {
      await waitUntil(`${expected} records on ${topic}`, () => records.length >= expected, timeoutMs, () => `${records.length} read`);
    } finally {
      await consumer.close();
      await running.catch(() => undefined);
    }
    return records;
  }

  /** The changelog as the processor restores it (processors/runtime/stream/restore.ts): every record up to a barrier. */
  async restoreChangelog(): Promise<InRecord[]> {
    const records: InRecord[] = [];
    const producer = await this.#bus.transport.producer({ idempotent: true });
    try {
      await restorePartitions({
        transport: this.#bus.transport, producer, topic: this.topics.sessionState.topic,
        partitions: Array.from({ length: this.#options.partitions }, (_, p) => p), groupPrefix: `${this.groupId}-audit`,
        timeoutMs: 120_000, onRecord: (r) => records.push(r),
      });
    } finally {
      await producer.close();
    }
    return records;
  }

  /** Committed offsets of the processors' group on `topic` have reached the topic's end (everything consumed). */
  async consumedAll(topic: string): Promise<boolean> {
    this.#kafkajsAdmin ??= await this.#connectAdmin();
    const [high, committed] = await Promise.all([
      this.#kafkajsAdmin.fetchTopicOffsets(topic),
      this.#kafkajsAdmin.fetchOffsets({ groupId: this.groupId, topics: [topic] }),
    ]);
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return high.every((p) => BigInt(p.high) === 0n || (at.get(p.partition) ?? -1n) >= BigInt(p.high));
  }

  async #connectAdmin(): Promise<Admin> {
    const admin = new Kafka({ clientId: `${this.#options.name}-admin`, brokers: [...this.#options.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    return admin;
  }

  async close(): Promise<void> {
    for (const r of this.#readers) {
      await r.consumer.close();
      await r.running.catch(() => undefined);
    }
    await this.#kafkajsAdmin?.disconnect();
    await this.#bus.close();
  }
}

/** Every chain (per decisions partition) starts at genesis and links record to record, in seq order. */
export function chainBreaks(decisions: readonly DecisionRecord[]): { partition: number; seq: number; breaks: ChainBreak[] }[] {
  const byPartition = new Map<number, DecisionRecord[]>();
  for (const d of decisions) {
    const list = byPartition.get(d.chainPartition) ?? [];
    list.push(d);
    byPartition.set(d.chainPartition, list);
  }
  const found: { partition: number; seq: number; breaks: ChainBreak[] }[] = [];
  for (const [partition, list] of byPartition) {
    let head = genesisHead(partition);
    for (const d of list) {
      const breaks = checkLink(head, d);
      if (breaks.length > 0) found.push({ partition, seq: d.chainSeq, breaks });
      head = headAfter(d);
    }
  }
  return found;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, onTimeout = () => ''): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${onTimeout()}`);
    await sleep(50);
  }
}
