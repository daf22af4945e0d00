// `arbiter eval --kafka` twice in a row on the same broker and registry (the shared dev broker keeps every earlier
// run's groups and offsets): the second run must decide exactly as the first and as the in-process replay. Each run
// has its own topics, groups and transactional ids (`<prefix>-<run id>-<suite>`), deletes its topics at the end, and
// starts a lane only once its verdict processor is ready (bundle active), so nothing of one run reaches the next.
// Two suites (banking, slack: about 3,200 calls per run) keep it short; agentdojo-kafka.int.test.ts runs them all.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { evaluateAgentDojoOverKafka, type KafkaEvalReport } from '../../processors/eval/agentdojo/kafka-run.ts';
import { localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { parseKafkaClient } from '../../processors/runtime/transport/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = resolve(ROOT, process.env['AGENTDOJO_DIR'] ?? '../shared/eval/agentdojo');
const POLICY = join(ROOT, 'examples/agentdojo');
const SUITES = ['banking', 'slack'];

const runs: KafkaEvalReport[] = [];
let topicsAfterFirst: string[] = [];

async function topicsOf(prefix: string): Promise<string[]> {
  const admin = new Kafka({ clientId: 'agentdojo-rerun-test', brokers: localBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}-`));
  } finally {
    await admin.disconnect();
  }
}

describe('AgentDojo through Kafka, run twice on the same broker', () => {
  beforeAll(async () => {
    if (!existsSync(join(DATA, 'attacks.jsonl'))) {
      throw new Error(`AgentDojo dataset not found at ${DATA}: set AGENTDOJO_DIR to the directory holding attacks.jsonl, benign.jsonl, real_runs.jsonl and tools.json`);
    }
    const options = {
      brokers: localBrokers(), registryUrl: localRegistryUrl(), kafkaClient: parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']),
      topicPrefix: 'agentdojo-rerun-test', concurrency: 64, suites: SUITES,
    };
    runs.push(await evaluateAgentDojoOverKafka(DATA, POLICY, options));
    topicsAfterFirst = await topicsOf(runs[0]?.topicPrefix ?? '?');
    runs.push(await evaluateAgentDojoOverKafka(DATA, POLICY, options));
    for (const r of runs) console.log(`[agentdojo-rerun] ${r.topicPrefix}: ${r.trajectories} trajectories, ${r.calls} calls, ${r.escalations} escalations, ${r.differences.length} different`);
  }, 900_000);

  it('each run decides every call as the in-process replay does, with a processor verdict for every call', () => {
    for (const r of runs) {
      expect(r.calls).toBeGreaterThan(1_000);
      expect(r.escalations).toBeGreaterThan(100);
      expect(r.differences).toEqual([]);
      expect(r.sets).toEqual(r.inProcessSets);
      expect([...r.bundles.keys()]).toEqual(SUITES);
      for (const revision of r.bundles.values()) expect(revision).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('the second run gives the first run\'s result, on topics of its own; the first run left no topic behind', () => {
    const [first, second] = runs as [KafkaEvalReport, KafkaEvalReport];
    expect(second.topicPrefix).not.toBe(first.topicPrefix);
    expect(second.calls).toBe(first.calls);
    expect(second.escalations).toBe(first.escalations);
    expect(second.sets).toEqual(first.sets);
    expect([...second.bundles]).toEqual([...first.bundles]);
    expect(topicsAfterFirst).toEqual([]);
  });
});
