// Smoke: the real broker and the real schema registry the harness provides work together as Arbiter uses them —
// Avro records in Confluent wire format through the registry and the broker, schema evolution under BACKWARD
// compatibility, and Kafka transactions on the single-node broker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';

const stack = inject('arbiterStack');
const FIXTURES = join(import.meta.dirname, '..', 'setup', 'fixtures');
const V1 = readFileSync(join(FIXTURES, 'smoke-event.v1.avsc'), 'utf8');
const V2 = readFileSync(join(FIXTURES, 'smoke-event.v2.avsc'), 'utf8');
const run = randomUUID().slice(0, 8);

interface SmokeEvent { id: string; seq: number; tags: string[] }
type DecodeOptions = NonNullable<Parameters<SchemaRegistry['decode']>[1]>;
type ReaderSchema = NonNullable<DecodeOptions[SchemaType.AVRO]>['readerSchema'];

const kafka = new Kafka({ brokers: stack.kafkaBrokers.split(','), clientId: `smoke-${run}`, logLevel: logLevel.NOTHING });
const registry = new SchemaRegistry({ host: stack.registryUrl });
let admin: Admin;
const topics: string[] = [];

async function newTopic(name: string): Promise<string> {
  const topic = `smoke.${name}.${run}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  topics.push(topic);
  return topic;
}

/** Reads `topic` from the beginning with a fresh group until `count` messages arrived (or fails after 30 s). */
async function consume(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `smoke-${topic}`, sessionTimeout: 10_000, maxWaitTimeInMs: 100 });
  const got: KafkaMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length}/${count} messages from ${topic} within 30 s`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

async function setCompatibility(subject: string, level: string): Promise<string> {
  const res = await fetch(`${stack.registryUrl}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: level }),
  });
  expect(res.status).toBe(200);
  const check = await fetch(`${stack.registryUrl}/config/${encodeURIComponent(subject)}`);
  return ((await check.json()) as { compatibilityLevel?: string; compatibility?: string }).compatibilityLevel ?? '';
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('Avro through the registry and the broker', () => {
  it('registers an .avsc and round-trips Confluent wire format records through the broker', async () => {
    const topic = await newTopic('avro');
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: V1 }, { subject: `${topic}-value` });
    const sent: SmokeEvent[] = Array.from({ length: 25 }, (_, i) => ({ id: `e${i}`, seq: i * 1000, tags: i % 2 ? ['odd'] : [] }));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: await Promise.all(sent.map(async (e) => ({ key: e.id, value: await registry.encode(id, e) }))),
    });
    await producer.disconnect();

    const received = await consume(topic, sent.length);
    const plainAvro = avro.Type.forSchema(JSON.parse(V1) as avro.Schema);
    const decoded = await Promise.all(received.map(async (m) => {
      const value = m.value as Buffer;
      // Confluent wire format: magic byte 0, 4-byte big-endian schema id, then plain Avro binary.
      expect(value[0]).toBe(0);
      expect(value.readUInt32BE(1)).toBe(id);
      expect(plainAvro.fromBuffer(value.subarray(5))).toEqual(await registry.decode(value));
      return (await registry.decode(value)) as SmokeEvent;
    }));
    expect(decoded).toEqual(sent);
    expect(received.map((m) => m.key?.toString())).toEqual(sent.map((e) => e.id));
  });

  it('evolves a BACKWARD subject: v2 with defaults is accepted, an incompatible schema is refused, v2 readers read v1 records', async () => {
    const topic = await newTopic('evolve');
    const subject = `${topic}-value`;
    const { id: v1Id } = await registry.register({ type: SchemaType.AVRO, schema: V1 }, { subject });
    expect(await setCompatibility(subject, 'BACKWARD')).toBe('BACKWARD');

    const old: SmokeEvent = { id: 'old', seq: 1, tags: ['v1'] };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: await registry.encode(v1Id, old) }] });

    const { id: v2Id } = await registry.register({ type: SchemaType.AVRO, schema: V2 }, { subject });
    expect(v2Id).not.toBe(v1Id);
    // A new required field without a default: v3 readers could not read v1/v2 records.
    const v3 = JSON.parse(V2) as { fields: unknown[] };
    v3.fields.push({ name: 'mandatory', type: 'string' });
    await expect(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v3) }, { subject })).rejects.toThrow(/ncompatib/);

    const fresh = { ...old, id: 'new', severity: 'high', weight: 3 };
    await producer.send({ topic, acks: -1, messages: [{ value: await registry.encode(v2Id, fresh) }] });
    await producer.disconnect();

    const [oldMsg, newMsg] = await consume(topic, 2);
    const reader: DecodeOptions = { [SchemaType.AVRO]: { readerSchema: JSON.parse(V2) as ReaderSchema } };
    expect((oldMsg?.value as Buffer).readUInt32BE(1)).toBe(v1Id);
    expect(await registry.decode(oldMsg?.value as Buffer, reader)).toEqual({ ...old, severity: null, weight: 1.5 });
    expect(await registry.decode(newMsg?.value as Buffer)).toEqual(fresh);
  });
});

describe('transactions on the single-node broker', () => {
  it('shows committed transactional records to read_committed consumers and hides aborted ones', async () => {
    const topic = await newTopic('tx');
    const producer = kafka.producer({ transactionalId: `smoke-tx-${run}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const [value, commit] of [['a', true], ['b', false], ['c', true]] as const) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ value }] });
      await (commit ? tx.commit() : tx.abort());
    }
    await producer.disconnect();
    const seen = await consume(topic, 2);
    expect(seen.map((m) => m.value?.toString())).toEqual(['a', 'c']);
  });
});
