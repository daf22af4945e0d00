// The demo's processors, in this process: the verdict processor (with the demo bundle, signed by a key made for
// this run; awaited until ready), the approvals service, and the ClickHouse decisions sink into chDB. Schemas are
// registered once before the processors start (concurrent first registrations of one subject can fail on the registry).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { connectApprovals, type ApprovalsConnection } from '../approvals/connect.ts';
import { startApprovalsService, type RunningApprovals } from '../approvals/service.ts';
import type { ProcessorSettings } from '../core/processor-config.ts';
import { createClickHouse } from '../runtime/clickhouse-client.ts';
import { applyMigrations, DEFAULT_TTL_DAYS } from '../sinks/clickhouse/migrations.ts';
import { startKafkaDecisionsSink, startKafkaTableSink, type RunningSink } from '../sinks/clickhouse/kafka-table-sink.ts';
import { APPROVAL_EVENTS_TABLE } from '../sinks/clickhouse/table-sink.ts';
import type { RunningVerdict } from '../verdict/index.ts';
import { ensureTopicsAndPublishBundle, retryColdCoordinator, startVerdictReady } from '../verdict/bundle-publish.ts';

export const DEMO_BUNDLE = join(import.meta.dirname, '..', '..', 'examples', 'demo', 'bundle.yaml');

export interface PipelineOptions extends Pick<ProcessorSettings, 'brokers' | 'registryUrl' | 'kafkaClient' | 'topicPrefix' | 'partitions'> {
  readonly chdbPath: string;
  /** Processor log lines (kept out of the demo's own output). */
  readonly log: (component: string, event: string, detail: Record<string, unknown>) => void;
}

export interface DemoPipeline {
  readonly verdict: RunningVerdict;
  readonly approvals: RunningApprovals;
  readonly sink: RunningSink;
  readonly approvalsSink: RunningSink;
  readonly clickhouse: ClickHouseClient;
  readonly conn: ApprovalsConnection;
  readonly bundleRevision: string;
  close(): Promise<void>;
}

/** Starts it all; a start that meets a loading group coordinator (a broker just restarted) is closed and retried. */
export function startPipeline(o: PipelineOptions, say: (line: string) => void): Promise<DemoPipeline> {
  return retryColdCoordinator(`${o.topicPrefix}-verdict`, () => openPipeline(o, say), { log: (event, detail) => o.log('demo', event, detail) });
}

async function openPipeline(o: PipelineOptions, say: (line: string) => void): Promise<DemoPipeline> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch((e: unknown) => o.log('demo', 'close-failed', { error: String(e) }));
  };
  try {
    const conn = await connectApprovals({ brokers: o.brokers, registryUrl: o.registryUrl, kafkaClient: o.kafkaClient, topicPrefix: o.topicPrefix, partitions: o.partitions }, 'arbiter-demo');
    closers.push(() => conn.producer.close());
    const keys = await ensureTopicsAndPublishBundle(conn, 'demo',
      [{ path: 'examples/demo/bundle.yaml', text: readFileSync(DEMO_BUNDLE, 'utf8') }], 'demo-key', 'make demo');
    say(`topics ${o.topicPrefix}.* ready (${o.partitions} partitions), schemas registered`);

    const verdict = await startVerdictReady({
      brokers: o.brokers, registryUrl: o.registryUrl, kafkaClient: o.kafkaClient, topicPrefix: o.topicPrefix, partitions: o.partitions,
      replicationFactor: 1, groupId: `${o.topicPrefix}-verdict`, instanceId: `demo-${process.pid}`, bundleName: 'demo',
      trustedKeys: { 'demo-key': keys.publicKeyPem }, bundleWaitMs: 60_000, restoreTimeoutMs: 120_000, maxValueBytes: 1_048_576,
      replyTopics: new Map(), exactlyOnce: true,
    }, { log: (event, detail) => o.log('verdict', event, detail) }, 120_000);
    closers.push(() => verdict.close());
    const revision = verdict.slot.current?.revision ?? '';
    say(`verdict processor up (${verdict.transport.name}, ${verdict.mode}), bundle demo revision ${revision.slice(0, 12)} signed and active`);

    const approvals = await startApprovalsService({ ...conn, groupPrefix: `${o.topicPrefix}-approvals`, log: (e, d) => o.log('approvals', e, d) });
    closers.push(() => approvals.close());
    say('approvals service up (applies on_timeout at expiry)');

    const clickhouse = createClickHouse({ kind: 'chdb', path: o.chdbPath });
    closers.push(() => clickhouse.close());
    await applyMigrations(clickhouse, { database: 'default', ttlDays: DEFAULT_TTL_DAYS });
    const sink = await startKafkaDecisionsSink({
      transport: conn.transport, serde: conn.serde, topic: conn.topics.decisions, client: clickhouse, asyncInsert: false,
      groupId: `${o.topicPrefix}-clickhouse-sink`, metricsIntervalMs: 0, onDecodeError: (e) => o.log('sink', 'decode-error', { error: e.message }),
    });
    closers.push(() => sink.stop());
    const approvalsSink = await startKafkaTableSink({
      transport: conn.transport, serde: conn.serde, topic: conn.topics.approvals, table: APPROVAL_EVENTS_TABLE, client: clickhouse,
      asyncInsert: false, groupId: `${o.topicPrefix}-clickhouse-sink-approvals`, metricsIntervalMs: 0,
      onDecodeError: (e) => o.log('sink', 'decode-error', { error: e.message }),
    });
    closers.push(() => approvalsSink.stop());
    say(`ClickHouse sinks up: decisions and approval events → chDB at ${o.chdbPath}`);
    return { verdict, approvals, sink, approvalsSink, clickhouse, conn, bundleRevision: revision, close };
  } catch (error) {
    await close();
    throw error;
  }
}
