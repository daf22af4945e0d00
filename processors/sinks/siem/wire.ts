// Production wiring to the wire contract: decode SIEM source records (DecisionRecord on the decisions topic,
// TrajectoryAlert on the alerts topic) with the registry serde, and encode SIEM dead letters as DeadLetter Avro
// in Confluent wire format under the DLQ topic's own subject. Kept apart from the forwarder core, which only
// sees an injected decode and DlqWriter.
import { ArbiterError } from '../../core/errors.ts';
import { avroType, loadSchema } from '../../../schemas/catalogue.ts';
import type { SchemaRegistryClient } from '../../runtime/serde/registry.ts';
import { locationOf, type TopicSerde } from '../../runtime/serde/topic-serde.ts';
import { frame } from '../../runtime/serde/wire-format.ts';
import { valueSubject, type TopicMap } from '../../runtime/topics.ts';
import type { InRecord, TopicSpec } from '../../runtime/transport/transport.ts';
import type { DeadLetter } from './dlq.ts';
import type { SiemInput } from './input.ts';

/** Decodes records of the decisions and alerts topics; anything else (or a bad record) throws, so it is dead-lettered. */
export function siemDecoder(serde: TopicSerde, topics: TopicMap): (record: InRecord) => Promise<SiemInput> {
  const decisions = topics.decisions;
  const alerts = topics.alerts;
  return async (record) => {
    if (record.topic === decisions.topic) return { kind: 'decision', record: await serde.decode(decisions, record) };
    if (record.topic === alerts.topic) return { kind: 'alert', alert: await serde.decode(alerts, record) };
    throw new ArbiterError('ARB_SIEM_DECODE_FAILED', `topic ${record.topic} is not a SIEM source (${decisions.topic}, ${alerts.topic})`, locationOf(record));
  };
}

/** Registers DeadLetter under `<dlqTopic>-value` once (startup) and returns the encoder for kafkaDlqWriter. */
export async function deadLetterEncoder(registry: SchemaRegistryClient, dlqTopic: string): Promise<(letter: DeadLetter) => Buffer> {
  const id = await registry.register(valueSubject(dlqTopic), loadSchema('DeadLetter'));
  const type = avroType('DeadLetter');
  return (letter) => frame(id, type.toBuffer(letter));
}

/** The DLQ topic a forwarder ensures at startup: one partition, kept four weeks like the other dead-letter topics. */
export function siemDlqTopicSpec(topic: string): TopicSpec {
  return { topic, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'delete', 'retention.ms': String(28 * 24 * 3_600_000) } };
}
