// The wire contract against the real schema registry (Apicurio, Confluent API): registration under
// TopicNameStrategy subjects with BACKWARD compatibility, the v1 -> v2 evolution accepted and an incompatible
// change refused by the registry itself, and the serde decoding an old writer's record through the registry.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { avroType, loadSchema } from '../../schemas/catalogue.ts';
import { createRegistryClient, localRegistryUrl, type SchemaRegistryClient } from '../../processors/runtime/serde/registry.ts';
import { TopicSerde } from '../../processors/runtime/serde/topic-serde.ts';
import { frame } from '../../processors/runtime/serde/wire-format.ts';
import { defineTopics, valueSubject } from '../../processors/runtime/topics.ts';

const run = randomUUID().slice(0, 8);

describe('schemas in the real registry', () => {
  let registry: SchemaRegistryClient;
  beforeAll(() => {
    registry = createRegistryClient(localRegistryUrl());
  });

  it('registers every current schema under its topic subject, idempotently', async () => {
    const topics = defineTopics({ prefix: `it-${run}`, partitions: 1, replicationFactor: 1 });
    for (const t of Object.values(topics)) {
      const id = await registry.register(valueSubject(t.topic), loadSchema(t.valueSchema));
      expect(await registry.register(valueSubject(t.topic), loadSchema(t.valueSchema))).toBe(id);
      const text = await registry.schemaById(id);
      expect(JSON.parse(text ?? '{}').name).toBe(t.valueSchema);
    }
  });

  it('accepts ToolCallResult v2 (a field with a default) after v1, and refuses a field without a default', async () => {
    const subject = `it-${run}.results-value`;
    const v1 = await registry.register(subject, loadSchema('ToolCallResult', 1));
    expect(await registry.isCompatible(subject, loadSchema('ToolCallResult', 2))).toBe(true);
    const v2 = await registry.register(subject, loadSchema('ToolCallResult', 2));
    expect(v2).not.toBe(v1);
    const current = loadSchema('ToolCallResult');
    const broken = { ...current, fields: [...(current['fields'] as object[]), { name: 'mandatory', type: 'string' }] };
    expect(await registry.isCompatible(subject, broken)).toBe(false);
    await expect(registry.register(subject, broken)).rejects.toThrow(/ARB_SCHEMA_INCOMPATIBLE/);
  });

  it('decodes a record written with v1 through the registry into the current v2 shape', async () => {
    const prefix = `it-${run}-old`;
    const topics = defineTopics({ prefix, partitions: 1, replicationFactor: 1 });
    const v1 = await registry.register(valueSubject(topics.results.topic), loadSchema('ToolCallResult', 1));
    const serde = new TopicSerde(registry, topics);
    await serde.registerAll();
    const sample = avroType('ToolCallResult', 1).fromString(readFileSync(join(import.meta.dirname, '..', '..', 'schemas', 'samples', 'ToolCallResult', 'v1.json'), 'utf8'));
    const value = frame(v1, avroType('ToolCallResult', 1).toBuffer(sample));
    const decoded = await serde.decode(topics.results, { topic: topics.results.topic, partition: 0, offset: '3', key: null, value, headers: {}, timestampMs: 0 });
    expect(decoded).toMatchObject({ proposalId: 'p-0001', durationMs: 0, recordsRead: { pii: 12 } });
  });

  it('refuses an unknown schema id and bytes that are not the subject\'s type, with stable codes and the offset', async () => {
    const topics = defineTopics({ prefix: `it-${run}-bad`, partitions: 1, replicationFactor: 1 });
    const serde = new TopicSerde(registry, topics);
    await serde.registerAll();
    const at = { topic: topics.proposals.topic, partition: 0, offset: '41', key: null, headers: {}, timestampMs: 0 };
    await expect(serde.decode(topics.proposals, { ...at, value: frame(2_000_000_000, Buffer.from([2, 65])) }))
      .rejects.toThrow(/ARB_SERDE_UNKNOWN_SCHEMA_ID.*2000000000.*@41/);
    const alertId = serde.writerId(topics.alerts.topic);
    await expect(serde.decode(topics.proposals, { ...at, value: frame(alertId, Buffer.from([2, 65])) }))
      .rejects.toThrow(/ARB_SERDE_DECODE_FAILED/);
    const proposalId = serde.writerId(topics.proposals.topic);
    await expect(serde.decode(topics.proposals, { ...at, value: frame(proposalId, Buffer.from([255, 255, 255])) }))
      .rejects.toThrow(/ARB_SERDE_DECODE_FAILED/);
  });
});
