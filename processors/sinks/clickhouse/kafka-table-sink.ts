// Table sinks on Kafka (decisions, alerts, approval events): each its own consumer group on its topic, records
// decoded by the registry serde, rows batched into ClickHouse, offsets committed only after the insert was acknowledged (the transports
// never auto-commit). eachBatch returns once a batch is buffered, so fetching continues while a batch fills;
// on revocation the buffer is flushed first, so the next owner starts after what this one stored.
// Every metricsIntervalMs it writes consumer lag and rows inserted to pipeline_metrics.
import type { ClickHouseClient } from '@clickhouse/client';
import type { ArbiterError } from '../../core/errors.ts';
import type { SchemaName } from '../../../schemas/catalogue.ts';
import type { TopicDef } from '../../runtime/topics.ts';
import type { TopicSerde, WireTypes } from '../../runtime/serde/topic-serde.ts';
import type { KafkaTransport, TopicPartitionOffset } from '../../runtime/transport/transport.ts';
import { DEFAULT_BATCHING, type BatchingOptions, type FlushEvent, type SinkStats } from './batching-sink.ts';
import { createTableSink, DECISIONS_TABLE, type TableSpec } from './table-sink.ts';
import { PIPELINE_METRICS, writePipelineMetrics, type PipelineSample } from './pipeline-metrics.ts';

/** Consumer group of the decisions sink; the other tables' sinks use `<this>-<table>`. */
export const DECISIONS_SINK_GROUP = 'arbiter-clickhouse-sink';

export interface KafkaTableSinkOptions<N extends SchemaName> {
  readonly transport: KafkaTransport;
  readonly serde: TopicSerde;
  readonly topic: TopicDef<N>;
  readonly table: TableSpec<WireTypes[N]>;
  readonly client: ClickHouseClient;
  /** True against a ClickHouse server (async inserts), false on chDB. */
  readonly asyncInsert: boolean;
  readonly groupId?: string;
  readonly batching?: BatchingOptions;
  /** 0 disables pipeline_metrics samples. */
  readonly metricsIntervalMs?: number;
  readonly instance?: string;
  readonly onDecodeError?: (error: ArbiterError) => void;
  readonly observe?: (event: FlushEvent) => void;
}

export interface RunningSink {
  stats(): SinkStats;
  /** Offsets committed so far, per partition (the next offset to read). */
  committed(): ReadonlyMap<number, string>;
  /** Flushes what is buffered, commits, leaves the group. */
  stop(): Promise<void>;
  /** Settles when the consumer stops (rejects if it failed). */
  readonly done: Promise<void>;
}

/** The decisions sink: DecisionRecords from the decisions topic into the decisions table. */
export function startKafkaDecisionsSink(o: Omit<KafkaTableSinkOptions<'DecisionRecord'>, 'table'>): Promise<RunningSink> {
  return startKafkaTableSink({ ...o, table: DECISIONS_TABLE as unknown as TableSpec<WireTypes['DecisionRecord']> });
}

export async function startKafkaTableSink<N extends SchemaName>(o: KafkaTableSinkOptions<N>): Promise<RunningSink> {
  const groupId = o.groupId ?? (o.table.table === 'decisions' ? DECISIONS_SINK_GROUP : `${DECISIONS_SINK_GROUP}-${o.table.table}`);
  const instance = o.instance ?? `${groupId}-${process.pid}`;
  const committed = new Map<number, string>();
  let sinkRef: ReturnType<typeof createTableSink> | undefined;
  const consumer = await o.transport.consumer({
    groupId,
    topics: [o.topic.topic],
    fromBeginning: true,
    onRevoked: async () => {
      await sinkRef?.flush();
    },
  });
  const sink = createTableSink(o.client, o.table, {
    // Records framed with the topic's current schema id are transcoded from their bytes; others are decoded.
    writerSchemaId: () => o.serde.writerId(o.topic.topic),
    decode: (record) => o.serde.decode(o.topic, record),
    commit: async (offsets: readonly TopicPartitionOffset[]) => {
      await consumer.commit(offsets);
      for (const x of offsets) committed.set(x.partition, x.offset);
    },
    onDecodeError: (e) => (o.onDecodeError ?? ((err: ArbiterError) => console.error(err.message)))(e),
    asyncInsert: o.asyncInsert,
    batching: o.batching ?? DEFAULT_BATCHING,
    ...(o.observe ? { observe: o.observe } : {}),
  });
  sinkRef = sink;
  const done = consumer.run((batch) => sink.accept(batch));

  const interval = o.metricsIntervalMs ?? 5_000;
  const admin = interval > 0 ? await o.transport.admin() : undefined;
  const timer = admin
    ? setInterval(() => {
        void sample().catch((e: unknown) => console.error(`pipeline metrics not written: ${(e as Error).message}`));
      }, interval)
    : undefined;
  async function sample(): Promise<void> {
    if (!admin) return;
    const atMs = Date.now();
    const samples: PipelineSample[] = (await admin.fetchOffsets(o.topic.topic)).map((p) => ({
      atMs, component: 'clickhouse-sink', instance, metric: PIPELINE_METRICS.consumerLag,
      labels: { group: groupId, topic: o.topic.topic, partition: String(p.partition) },
      value: Number(BigInt(p.high) - BigInt(committed.get(p.partition) ?? p.low)),
    }));
    samples.push({ atMs, component: 'clickhouse-sink', instance, metric: PIPELINE_METRICS.sinkRows, labels: { table: o.table.table }, value: sink.stats().rowsInserted });
    await writePipelineMetrics(o.client, samples);
  }

  return {
    stats: () => sink.stats(),
    committed: () => committed,
    done,
    async stop() {
      if (timer) clearInterval(timer);
      try {
        await sink.close();
      } finally {
        await consumer.close();
        await admin?.close();
      }
    },
  };
}
