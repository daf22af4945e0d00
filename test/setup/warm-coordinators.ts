// A fresh broker creates and loads its offsets and transaction logs on first use; until they are loaded clients get
// COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE, which kafkajs's consumer treats as a crash (seen: the first
// kafkajs contract test on CI's fresh broker). One transactional commit and one group join here, retried, so the tests
// meet loaded coordinators. Best effort and bounded: it never fails the setup, it says what did not finish.
import { randomUUID } from 'node:crypto';
import { createTransport } from '../../processors/runtime/transport/index.ts';
import type { KafkaTransport } from '../../processors/runtime/transport/transport.ts';

const BUDGET_MS = 60_000;
/** Unref'd: a pending bound never keeps the test run alive. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

async function retrying(what: string, deadline: number, attempt: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
      await sleep(500);
    }
  }
}

async function warm(transport: KafkaTransport, deadline: number): Promise<void> {
  const run = randomUUID().slice(0, 8);
  const topic = 'arbiter-int-warmup';
  const admin = await transport.admin();
  try {
    await admin.ensureTopics([{ topic, partitions: 1, replicationFactor: 1, configs: {} }]);
  } finally {
    await admin.close();
  }
  await retrying('transaction coordinator', deadline, async () => {
    const producer = await transport.producer({ transactionalId: `arbiter-int-warmup-${run}` });
    try {
      const txn = await producer.transaction?.();
      if (txn === undefined) return;
      await txn.send([{ topic, key: 'warmup', value: Buffer.from('warmup') }]);
      await txn.commit();
    } finally {
      await producer.close();
    }
  });
  await retrying('group coordinator', deadline, async () => {
    let assigned!: () => void;
    const joined = new Promise<void>((resolve) => (assigned = resolve));
    const consumer = await transport.consumer({
      groupId: `arbiter-int-warmup-${run}`, topics: [topic], fromBeginning: true, onAssigned: async () => assigned(),
    });
    const running = consumer.run(async () => undefined);
    try {
      await Promise.race([joined, running.then(() => { throw new Error('consumer stopped before an assignment'); }), sleep(15_000).then(() => { throw new Error('no assignment in 15 s'); })]);
    } finally {
      await consumer.close();
      await running.catch(() => undefined);
    }
  });
}

/** Returns a line for the setup log: how long the warm-up took, or what did not finish. */
export async function warmCoordinators(brokers: readonly string[]): Promise<string> {
  const started = Date.now();
  const deadline = started + BUDGET_MS;
  let transport: KafkaTransport | undefined;
  try {
    transport = await createTransport('platformatic', { brokers, clientId: 'arbiter-int-warmup' });
    const done = warm(transport, deadline);
    await Promise.race([done, sleep(BUDGET_MS + 20_000).then(() => { throw new Error(`not done in ${BUDGET_MS + 20_000} ms`); })]);
    return `group and transaction coordinators answered in ${Date.now() - started} ms`;
  } catch (error) {
    return `coordinator warm-up did not finish (${(error as Error).message}); the tests go on`;
  }
}
