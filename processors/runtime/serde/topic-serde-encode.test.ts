// TopicSerde.encode writes each value once into a shared scratch buffer and copies it out: the bytes must be those of
// frame(id, toBuffer(value)), values larger than the scratch buffer included (it grows), and a value that does not
// match its schema must still fail with ARB_SERDE_ENCODE_FAILED naming the field.
import { describe, expect, it } from 'vitest';
import type { SchemaRegistryClient } from './registry.ts';
import { TopicSerde } from './topic-serde.ts';
import { frame } from './wire-format.ts';
import { defineTopics } from '../topics.ts';
import { avroType } from '../../../schemas/catalogue.ts';
import type { DeadLetter } from '../../../schemas/generated/DeadLetter.ts';

/** Every subject gets schema id 77; decode of id 77 takes the fast path (no registry lookup). */
const fixedIdRegistry: SchemaRegistryClient = {
  register: async () => 77,
  isCompatible: async () => true,
  schemaById: async () => undefined,
};

const letter = (valueBytes: number, errorCode = 'ARB_X'): DeadLetter => ({
  key: Buffer.from('k'), value: Buffer.alloc(valueBytes, 7), errorCode, message: 'bad', sourceTopic: 't.proposals', sourcePartition: 3,
  sourceOffset: '42', atMs: 1_763_700_000_000,
});

describe('TopicSerde.encode', () => {
  it('gives the bytes of frame(id, toBuffer(value)) for small values, values beyond the scratch buffer, and after it grew', async () => {
    const topics = defineTopics({ prefix: 'enc', partitions: 1, replicationFactor: 1 });
    const serde = new TopicSerde(fixedIdRegistry, topics, { maxValueBytes: 1 << 22 });
    await serde.registerAll();
    const type = avroType(topics.dlqProposals.valueSchema);
    for (const size of [0, 100, 200_000, 3, 1_000_000, 50]) {
      const value = letter(size);
      const encoded = serde.encode(topics.dlqProposals, value);
      expect(encoded.equals(frame(77, type.toBuffer(value)))).toBe(true);
      const decoded = await serde.decode(topics.dlqProposals, { topic: topics.dlqProposals.topic, partition: 0, offset: '0', key: null, value: encoded, headers: {}, timestampMs: 0 });
      expect(decoded.value?.length).toBe(size);
    }
  });

  it('keeps each returned value intact when later values are encoded (no view into the shared buffer)', async () => {
    const topics = defineTopics({ prefix: 'enc', partitions: 1, replicationFactor: 1 });
    const serde = new TopicSerde(fixedIdRegistry, topics);
    await serde.registerAll();
    const first = serde.encode(topics.dlqProposals, letter(10, 'ARB_FIRST'));
    const copy = Buffer.from(first);
    serde.encode(topics.dlqProposals, letter(10, 'ARB_SECOND'));
    expect(first.equals(copy)).toBe(true);
  });

  it('refuses a value that does not match the schema with ARB_SERDE_ENCODE_FAILED and the field', async () => {
    const topics = defineTopics({ prefix: 'enc', partitions: 1, replicationFactor: 1 });
    const serde = new TopicSerde(fixedIdRegistry, topics);
    await serde.registerAll();
    expect(() => serde.encode(topics.dlqProposals, { ...letter(1), atMs: 'soon' } as unknown as DeadLetter))
      .toThrow(/DeadLetter value does not match its schema at atMs/);
  });
});
