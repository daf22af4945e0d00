// Opens what the approvals service and CLI need: transport, topic map, registered serde, a producer.
import { createRegistryClient } from '../runtime/serde/registry.ts';
import { TopicSerde } from '../runtime/serde/topic-serde.ts';
import { defineTopics, type TopicMap } from '../runtime/topics.ts';
import { createTransport } from '../runtime/transport/index.ts';
import type { KafkaTransport, TransportProducer } from '../runtime/transport/transport.ts';
import type { ApprovalsConfig } from './config.ts';

export interface ApprovalsConnection {
  readonly transport: KafkaTransport;
  readonly topics: TopicMap;
  readonly serde: TopicSerde;
  readonly producer: TransportProducer;
}

export async function connectApprovals(config: ApprovalsConfig, clientId: string): Promise<ApprovalsConnection> {
  const transport = await createTransport(config.kafkaClient, { brokers: config.brokers, clientId, security: config.kafkaSecurity });
  const topics = defineTopics({ prefix: config.topicPrefix, partitions: config.partitions, replicationFactor: 1 });
  const serde = new TopicSerde(createRegistryClient(config.registryUrl, config.registryAuth), topics);
  await serde.registerAll();
  const producer = await transport.producer({ idempotent: true });
  return { transport, topics, serde, producer };
}
