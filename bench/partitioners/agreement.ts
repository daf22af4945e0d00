// Which partition each Kafka client picks for the same keys, measured on the real broker: every client produces the
// same 1,000 keys with no partition set (its default partitioner) to its own topic of 4, 6 (Arbiter's default) and 12
// partitions, and the topics are read back. Clients: the three Arbiter adapters as Arbiter configures them
// (platformatic, kafkajs, confluent = librdkafka through its KafkaJS-compatible layer), the Java client
// (JavaKeyedProducer.java, the reference), librdkafka with its own default partitioner (consistent_random, CRC32: what librdkafka-based Python/Go
// clients use unless told otherwise), and partitionFor (processors/runtime/partition-for.ts), computed.
//   node bench/partitioners/agreement.ts [--write]
// --write records the keys and the Java client's choices as the unit test's vectors
// (processors/runtime/partition-for.java-vectors.json). Env: KAFKA_BROKERS (else .run/stack.env), ARBITER_CACHE.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import confluent from '@confluentinc/kafka-javascript';
import { partitionFor } from '../../processors/runtime/partition-for.ts';
import { createTransport, KAFKA_CLIENTS, type KafkaClientName, type KafkaTransport } from '../../processors/runtime/transport/index.ts';
import { localBrokers } from '../kafka-clients/local-brokers.ts';
import { seededRandom } from '../seeded-random.ts';

const COUNTS = [4, 6, 12] as const;
const VECTORS = join(import.meta.dirname, '..', '..', 'processors', 'runtime', 'partition-for.java-vectors.json');
const KAFKA_LIBS = join(process.env['ARBITER_CACHE'] ?? join(homedir(), '.cache', 'arbiter'), 'kafka-4.1.1', 'libs');

/** 1,000 keys: session ids as the SDK's users make them (UUIDs), every length 1-60 (all four tail cases of the
 *  hash), and non-ASCII keys (multi-byte UTF-8). Deterministic. */
export function agreementKeys(): string[] {
  const random = seededRandom(7);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const keys: string[] = [];
  for (let i = 0; i < 900; i++) keys.push(`${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`);
  for (let n = 1; n <= 60; n++) keys.push(`s${'abcdefghij'.repeat(6)}`.slice(0, n));
  const words = ['sessão', '会话', 'сессия', 'セッション', '🙂agent', 'Ärger', 'jalapeño', 'ŝlosilo'];
  for (let i = 0; i < 40; i++) keys.push(`${words[i % words.length]}-${i}`);
  return keys;
}

type Producer = (topic: string, keys: readonly string[]) => Promise<void>;

async function viaTransport(name: KafkaClientName, brokers: string[]): Promise<Producer> {
  const transport = await createTransport(name, { brokers, clientId: `agreement-${name}` });
  return async (topic, keys) => {
    const producer = await transport.producer({ idempotent: true });
    try {
      await producer.send(keys.map((key) => ({ topic, key, value: Buffer.from(name) })));
    } finally {
      await producer.close();
    }
  };
}

/** librdkafka with its own default partitioner: the compat layer sets murmur2_random, a top-level key overrides it. */
function librdkafkaDefault(brokers: string[]): Producer {
  return async (topic, keys) => {
    const producer = new confluent.KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: confluent.KafkaJS.logLevel.NOTHING } })
      .producer({ kafkaJS: { acks: -1 }, partitioner: 'consistent_random' });
    await producer.connect();
    try {
      await producer.send({ topic, messages: keys.map((key) => ({ key, value: 'librdkafka-default' })) });
    } finally {
      await producer.disconnect();
    }
  };
}

function java(brokers: string[]): Producer {
  return async (topic, keys) => {
    const run = spawnSync('java', ['-cp', `${KAFKA_LIBS}/*`, join(import.meta.dirname, 'JavaKeyedProducer.java'), brokers.join(','), topic],
      { input: `${keys.join('\n')}\n`, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`JavaKeyedProducer failed (${run.status}): ${run.stderr.slice(-2000)}`);
  };
}

/** Key -> partition of every record on `topic`, read from the beginning until `expected` records arrived. */
async function landed(transport: KafkaTransport, topic: string, expected: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const consumer = await transport.consumer({ groupId: `agreement-read-${randomUUID()}`, topics: [topic], fromBeginning: true });
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const running = consumer.run(async (batch) => {
    for (const r of batch.records) seen.set(r.key?.toString('utf8') ?? '', r.partition);
    if (seen.size >= expected) done();
  });
  const timeout = setTimeout(() => done(), 60_000);
  await all;
  clearTimeout(timeout);
  await consumer.close();
  await running.catch(() => undefined);
  if (seen.size < expected) throw new Error(`${topic}: read ${seen.size} of ${expected} keys in 60 s`);
  return seen;
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const brokers = localBrokers();
  const keys = agreementKeys();
  const run = randomUUID().slice(0, 8);
  const reader = await createTransport('platformatic', { brokers, clientId: 'agreement-reader' });
  const admin = await reader.admin();
  const producers: [string, Producer][] = [
    ['java', java(brokers)],
    ...await Promise.all(KAFKA_CLIENTS.map(async (c): Promise<[string, Producer]> => [c, await viaTransport(c, brokers)])),
    ['librdkafka-default', librdkafkaDefault(brokers)],
  ];
  const topicOf = (client: string, n: number) => `agreement-${run}.${client}.p${n}`;
  await admin.ensureTopics(producers.flatMap(([client]) => COUNTS.map((n) => ({ topic: topicOf(client, n), partitions: n, replicationFactor: 1, configs: { 'retention.ms': '3600000' } }))));
  await admin.close();
  const choices = new Map<string, Map<number, Map<string, number>>>();
  for (const [client, produce] of producers) {
    const byCount = new Map<number, Map<string, number>>();
    for (const n of COUNTS) {
      await produce(topicOf(client, n), keys);
      byCount.set(n, await landed(reader, topicOf(client, n), keys.length));
    }
    choices.set(client, byCount);
  }
  const reference = choices.get('java') as Map<number, Map<string, number>>;
  const computed = new Map(COUNTS.map((n) => [n, new Map(keys.map((k) => [k, partitionFor(k, n)]))]));
  choices.set('partitionFor (computed)', computed);
  console.log(`keys on the same partition as the Java client (of ${keys.length}), by partition count`);
  console.log(`${'client'.padEnd(26)}${COUNTS.map((n) => `${n} partitions`.padStart(16)).join('')}`);
  for (const [client, byCount] of choices) {
    const cells = COUNTS.map((n) => {
      const ref = reference.get(n) as Map<string, number>;
      const got = byCount.get(n) as Map<string, number>;
      return String(keys.filter((k) => got.get(k) === ref.get(k)).length).padStart(16);
    });
    console.log(`${client.padEnd(26)}${cells.join('')}`);
  }
  if (write) {
    const vectors = {
      source: 'bench/partitioners/agreement.ts --write: where the Java client (kafka-clients 4.1.1, default partitioner) put each key',
      keys,
      partitions: Object.fromEntries(COUNTS.map((n) => [String(n), keys.map((k) => (reference.get(n) as Map<string, number>).get(k))])),
    };
    writeFileSync(VECTORS, `${JSON.stringify(vectors)}\n`);
    console.log(`wrote ${VECTORS}`);
  }
}

await main();
