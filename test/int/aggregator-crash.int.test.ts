// Must-hold (issue 5, gap 1): the aggregator's windows survive a crash. processors/bin/aggregator.ts runs as its own
// process on the real broker and registry. A tenant's agents read 600 records (threshold 1,000 per hour); once the
// aggregator has committed them it is SIGKILLed (mid-window) and restarted; 1,000 more records then stream in
// while the aggregator is SIGKILLed twice more (once mid-stream, once right after the alert became visible). Read
// with read_committed: the tenant-export alert and its quarantine exist exactly once each, with the alert id of the
// crossing event. Without the changelog the restarted aggregator would count only what it saw itself (no alert, or
// a second one after the quiet period was forgotten); without the transaction a redelivered batch would repeat it.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import type { TopicMap } from '../../processors/runtime/topics.ts';
import type { TransportConsumer } from '../../processors/runtime/transport/index.ts';
import type { TrajectoryAlert } from '../../schemas/generated/TrajectoryAlert.ts';
import { result } from '../unit/verdict/fixtures.ts';
import { startDeployableChild, type ChildProcessor } from './helpers/processes.ts';
import { openTestBus, sendResults, type TestBus } from './helpers/test-bus.ts';
import { sleep, waitUntil } from './helpers/verdict-harness.ts';

const run = randomUUID().slice(0, 8);
const PREFIX = `itaggcrash-${run}`;
const GROUP = `${PREFIX}-aggregator`;
const PARTITIONS = 2;
const RECORDS_PER_RESULT = 10;

const childEnv: Record<string, string> = {
  KAFKA_BROKERS: localBrokers().join(','), SCHEMA_REGISTRY_URL: localRegistryUrl(), ARBITER_TOPIC_PREFIX: PREFIX,
  ARBITER_PARTITIONS: String(PARTITIONS), ARBITER_AGGREGATOR_GROUP: GROUP, ARBITER_INSTANCE_ID: 'crash-test',
  ARBITER_SESSION_TIMEOUT_MS: '6000', ARBITER_AGG_TENANT_RECORDS_PER_HOUR: '1000', ARBITER_AGG_AGENT_CALLS_PER_MINUTE: '0',
  ARBITER_AGG_QUARANTINE_ON: 'tenant-export', ARBITER_AGG_RATE_SIGNAL_MS: '0',
};

describe('aggregator killed with SIGKILL mid-window', () => {
  let bus: TestBus;
  let topics: TopicMap;
  let reader: TransportConsumer;
  let reading: Promise<void>;
  let admin: Admin;
  let current: ChildProcessor | undefined;
  const alerts: TrajectoryAlert[] = [];
  const t0 = Date.now();
  let sent = 0;

  beforeAll(async () => {
    bus = await openTestBus(PREFIX, { partitions: PARTITIONS });
    topics = bus.topics;
    const { serde } = bus;
    reader = await bus.transport.consumer({ groupId: `${PREFIX}-reader`, topics: [topics.alerts.topic], fromBeginning: true, readCommitted: true, maxWaitMs: 20 });
    reading = reader.run(async (batch) => {
      for (const r of batch.records) alerts.push(await serde.decode(topics.alerts, r));
    });
    admin = new Kafka({ brokers: localBrokers(), clientId: `${PREFIX}-admin`, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await current?.kill();
    await reader?.close();
    await reading?.catch(() => undefined);
    await bus?.close();
    await admin?.disconnect();
  });

  const start = async (label: string): Promise<ChildProcessor> => {
    current = startDeployableChild('aggregator', childEnv, label);
    await current.ready;
    return current;
  };

  /** `n` successful results of tenant acme's agents, 10 records each, event time 10 ms apart; one session, so one
   *  partition and one order: the crossing event is known. */
  const report = async (n: number): Promise<void> => {
    const out = [];
    for (let i = 0; i < n; i++, sent++) {
      out.push(result({ proposalId: `${run}-${sent}`, sessionId: `${run}-session`, agentId: `agent-${sent % 5}`, tool: 'crm_lookup',
        recordsRead: { pii: RECORDS_PER_RESULT }, completedAtMs: t0 + sent * 10 }));
    }
    await sendResults(bus, out);
  };

  /** True once the aggregator's group has committed every input record (the test producer writes no markers). */
  const committedToEnd = async (): Promise<boolean> => {
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [topics.results.topic] });
    const high = await admin.fetchTopicOffsets(topics.results.topic);
    const at = new Map(committed[0]?.partitions.map((p) => [p.partition, p.offset]) ?? []);
    return high.every((h) => h.high === '0' || at.get(h.partition) === h.high);
  };

  const ofKind = (kind: string) => alerts.filter((a) => a.kind === kind);

  it('fires the tenant-export alert and its quarantine exactly once across three SIGKILLs', async () => {
    await start('aggregator 1');
    await report(60); // 600 records: under the threshold
    await waitUntil('aggregator 1 committed the first 600 records', committedToEnd, 60_000, () => current?.tail() ?? '');
    expect(alerts).toEqual([]);
    await current?.kill();

    await start('aggregator 2');
    // 1,000 more records in chunks; the 41st result of this phase crosses 1,000 within the hour.
    for (let i = 0; i < 6; i++) {
      await report(5);
      await sleep(50);
    }
    await current?.kill(); // mid-stream: whatever it had not committed is redelivered to the next one
    await start('aggregator 3');
    for (let i = 0; i < 14; i++) {
      await report(5);
      await sleep(50);
    }
    await waitUntil('the tenant-export alert', () => ofKind('tenant-export-volume').length > 0, 60_000, () => current?.tail() ?? '');
    await current?.kill(); // right after the alert's transaction committed
    await start('aggregator 4');
    await waitUntil('aggregator 4 committed every record', committedToEnd, 60_000, () => current?.tail() ?? '');
    await sleep(1_000); // anything a duplicate would need to arrive

    const exports = ofKind('tenant-export-volume');
    expect(exports).toHaveLength(1);
    const crossing = 60 + 41 - 1; // index of the result that took the hour's total over 1,000
    expect(exports[0]).toMatchObject({
      tenantId: 'acme', alertId: `tenant-export-volume:acme/agent-${crossing % 5}:${t0 + crossing * 10}`,
      facts: { recordsPerHour: '1010', threshold: '1000' },
    });
    const quarantines = ofKind('quarantine');
    expect(quarantines).toHaveLength(1);
    expect(quarantines[0]?.facts).toMatchObject({ scope: 'tenant', cause: 'tenant-export' });
    expect(alerts).toHaveLength(2);
  });
});
