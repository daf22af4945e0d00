// `arbiter eval --kafka` on the real broker and registry: every trajectory of the AgentDojo dataset (AGENTDOJO_DIR,
// default ../shared/eval/agentdojo next to the repo; a missing directory fails, it is never skipped) goes through the
// running pipeline — a verdict processor per suite with the signed suite bundle, the SDK in parallel sessions, the
// evaluation's approver on the approvals topic — and must score exactly as the in-process mode (run.ts) does, set by
// set and suite by suite, with every call's decision equal to the in-process replay of the same steps.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { evaluateAgentDojoOverKafka, type KafkaEvalReport } from '../../processors/eval/agentdojo/kafka-run.ts';
import { evaluateAgentDojo, type EvalReport } from '../../processors/eval/agentdojo/run.ts';
import { localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { parseKafkaClient } from '../../processors/runtime/transport/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = resolve(ROOT, process.env['AGENTDOJO_DIR'] ?? '../shared/eval/agentdojo');
const POLICY = join(ROOT, 'examples/agentdojo');

let kafka: KafkaEvalReport;
let inProcess: EvalReport;

describe('AgentDojo through the Kafka pipeline (every trajectory of the dataset)', () => {
  beforeAll(async () => {
    if (!existsSync(join(DATA, 'attacks.jsonl'))) {
      throw new Error(`AgentDojo dataset not found at ${DATA}: set AGENTDOJO_DIR to the directory holding attacks.jsonl, benign.jsonl, real_runs.jsonl and tools.json`);
    }
    inProcess = evaluateAgentDojo(DATA, POLICY);
    kafka = await evaluateAgentDojoOverKafka(DATA, POLICY, {
      brokers: localBrokers(), registryUrl: localRegistryUrl(), kafkaClient: parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']),
      topicPrefix: 'agentdojo-kafka-test', concurrency: 64,
    });
    console.log(`[agentdojo-kafka] ${kafka.trajectories} trajectories, ${kafka.calls} calls, ${kafka.escalations} escalations in ${(kafka.elapsedMs / 1000).toFixed(1)} s`);
  }, 900_000);

  it('replays every trajectory of every set, with a processor verdict for every call', () => {
    expect(kafka.sets.map((s) => s.key)).toEqual(inProcess.sets.map((s) => s.key));
    expect(kafka.trajectories).toBe(inProcess.sets.reduce((n, s) => n + s.total.attacks + s.total.attackExcluded + s.total.benign, 0));
    expect(kafka.differences.filter((d) => d.call < 0)).toEqual([]);
  });

  it('scores exactly as the in-process mode: per set, per suite, every count', () => {
    for (const want of inProcess.sets) {
      const got = kafka.sets.find((s) => s.key === want.key);
      expect(got?.total, want.key).toEqual(want.total);
      expect(Object.fromEntries(got?.suites ?? []), want.key).toEqual(Object.fromEntries(want.suites));
    }
  });

  it('decides every call as the in-process replay of the same steps does (effect, rules, reasons)', () => {
    expect(kafka.calls).toBeGreaterThan(0);
    expect(kafka.differences).toEqual([]);
  });
});
