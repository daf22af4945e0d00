// Runs one SIEM forwarder on Kafka: ensures its DLQ topic, registers the DeadLetter schema under that topic's
// subject, joins its own consumer group and forwards until stopped. The bin entry point calls this once per
// configured format (each config validated at startup with validateSiemConfig).
import type { MetricsRegistry } from '../../core/metrics.ts';
import type { SchemaRegistryClient } from '../../runtime/serde/registry.ts';
import type { TopicSerde } from '../../runtime/serde/topic-serde.ts';
import type { TopicMap } from '../../runtime/topics.ts';
import type { ConsumerOptions, KafkaTransport } from '../../runtime/transport/transport.ts';
import type { SiemForwarderConfig } from './config.ts';
import { kafkaDlqWriter } from './dlq.ts';
import { consumerOptionsFor, createSiemForwarder } from './index.ts';
import type { SiemSink } from './sink.ts';
import { deadLetterEncoder, siemDecoder, siemDlqTopicSpec } from './wire.ts';

export interface SiemServiceDeps {
  readonly transport: KafkaTransport;
  readonly registry: SchemaRegistryClient;
  /** Registered (registerAll done) serde for the topic map the sources belong to. */
  readonly serde: TopicSerde;
  readonly topics: TopicMap;
  readonly metrics: MetricsRegistry;
  /** Extra consumer settings (fetch wait, session timeout). */
  readonly consumer?: Partial<ConsumerOptions>;
  /** Override the peer (tests); default built from config.peer. */
  readonly sink?: SiemSink;
}

export interface RunningSiemForwarder {
  /** Resolves when the consumer stops (after stop(), or if it fails: then it rejects). */
  readonly done: Promise<void>;
  /** Leaves the group, delivers or dead-letters what is queued, closes the peer and the DLQ producer. */
  stop(): Promise<void>;
}

export async function startSiemForwarder(config: SiemForwarderConfig, deps: SiemServiceDeps): Promise<RunningSiemForwarder> {
  const admin = await deps.transport.admin();
  try {
    await admin.ensureTopics([siemDlqTopicSpec(config.dlqTopic)]);
  } finally {
    await admin.close();
  }
  const encode = await deadLetterEncoder(deps.registry, config.dlqTopic);
  const producer = await deps.transport.producer({ idempotent: true });
  const forwarder = createSiemForwarder(config, {
    decode: siemDecoder(deps.serde, deps.topics),
    dlq: kafkaDlqWriter(producer, config.dlqTopic, encode),
    metrics: deps.metrics,
    ...(deps.sink !== undefined ? { sink: deps.sink } : {}),
  });
  const consumer = await deps.transport.consumer(consumerOptionsFor(config, deps.consumer));
  const done = forwarder.run(consumer);
  let stopping: Promise<void> | undefined;
  return {
    done,
    stop() {
      stopping ??= (async () => {
        await consumer.close();
        await done.catch(() => {});
        await forwarder.close();
        await producer.close();
      })();
      return stopping;
    },
  };
}
