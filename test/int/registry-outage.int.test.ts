// A schema-registry outage is not poison (processors/runtime/stream/failure-kind.ts), on the real broker and registry.
// The in-process verdict processor reaches the dev registry through a TCP forwarder this test takes down and brings
// back (the shared registry itself keeps running). Records arrive written with schema ids the processor's fresh serde
// has never fetched (a variant of the current schema with one extra field, registered under a subject of its own),
// so decoding them needs the registry exactly while it is unreachable.
//   - A short outage is ridden out in place (the fetch retries, logged and counted): nothing on any DLQ, the result's
//     untrusted source taints the session (the next email is denied by the taint rule), every proposal answered once.
//   - An outage longer than the retry bound stops the processor without committing (nothing dead-lettered, no
//     verdict); a new processor started after the registry is back reads the same records and gets the same outcome.
import { randomUUID } from 'node:crypto';
import avsc from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolCallProposal, ToolCallResult } from '../../processors/core/types.ts';
import { MetricsRegistry } from '../../processors/core/metrics.ts';
import { generateSigningKeys, signBundle } from '../../processors/policy/index.ts';
import { proposalToWire, resultToWire } from '../../processors/runtime/serde/records.ts';
import { createRegistryClient, localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { REGISTRY_FETCH_RETRY_ENV } from '../../processors/runtime/serde/registry-retry.ts';
import { frame } from '../../processors/runtime/serde/wire-format.ts';
import type { InRecord, TransportConsumer } from '../../processors/runtime/transport/index.ts';
import { correlationHeaders } from '../../processors/verdict/correlation.ts';
import { startVerdictProcessor, type RunningVerdict } from '../../processors/verdict/index.ts';
import { avroOptions, loadSchema, type SchemaName } from '../../schemas/catalogue.ts';
import type { DeadLetter } from '../../schemas/generated/DeadLetter.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';
import { POLICY } from '../unit/verdict/fixtures.ts';
import { startTcpForwarder, type TcpForwarder } from './helpers/tcp-forwarder.ts';
import { liveProposal, openTestBus, publishBundle, resultOf, sendProposals, waitFor, type TestBus } from './helpers/test-bus.ts';
import { testVerdictConfig } from './helpers/verdict-config.ts';

const run = randomUUID().slice(0, 8);
const keys = generateSigningKeys();

/** A schema the processor can read but has not fetched: the current one plus a field it ignores. */
interface Variant {
  readonly id: number;
  readonly type: avsc.Type;
}

async function registerVariant(name: SchemaName): Promise<Variant> {
  const schema = loadSchema(name) as { fields: unknown[] };
  const variant = { ...schema, fields: [...schema.fields, { name: 'outageTestNote', type: 'string', default: '' }] };
  const id = await createRegistryClient(localRegistryUrl()).register(`arbiter-outage-test-${name}-value`, variant);
  return { id, type: avsc.Type.forSchema(variant as avsc.Schema, avroOptions()) };
}

/** The verdict processor's outputs and every dead letter of one run's topics, read back (read_committed). */
class Observed {
  readonly verdicts: Verdict[] = [];
  readonly changelogKeys: string[] = [];
  readonly dead: DeadLetter[] = [];
  #reader: TransportConsumer | undefined;
  #reading: Promise<void> | undefined;

  async start(bus: TestBus): Promise<void> {
    const t = bus.topics;
    this.#reader = await bus.transport.consumer({
      groupId: `${t.proposals.topic}-outage-reader`, fromBeginning: true, readCommitted: true, maxWaitMs: 20,
      topics: [t.verdicts.topic, t.sessionState.topic, t.dlqProposals.topic, t.dlqResults.topic, t.dlqApprovals.topic, t.dlqPolicyBundles.topic],
    });
    this.#reading = this.#reader.run(async (batch) => {
      for (const r of batch.records as InRecord[]) {
        if (r.topic === t.verdicts.topic) this.verdicts.push(await bus.serde.decode(t.verdicts, r));
        else if (r.topic === t.sessionState.topic) this.changelogKeys.push(r.key?.toString() ?? '');
        else this.dead.push(await bus.serde.decode(t.dlqProposals, r));
      }
    });
  }

  answers(proposalId: string): Verdict[] {
    return this.verdicts.filter((v) => v.proposalId === proposalId);
  }

  async close(): Promise<void> {
    await this.#reader?.close();
    await this.#reading?.catch(() => undefined);
  }
}

interface Run {
  readonly bus: TestBus;
  readonly seen: Observed;
  propose(over: Partial<ToolCallProposal>): ToolCallProposal;
  /** Produces a result / proposal framed with the variant schema's id. */
  sendVariantResult(r: ToolCallResult): Promise<void>;
  sendVariantProposal(p: ToolCallProposal): Promise<void>;
}

async function openRun(prefix: string, results: Variant, proposals: Variant): Promise<Run> {
  const bus = await openTestBus(prefix);
  await publishBundle(bus, signBundle('outage-test', [{ path: 'test.yaml', text: POLICY }], keys.privateKeyPem, 'k1'), 'it');
  const seen = new Observed();
  await seen.start(bus);
  const t = bus.topics;
  return {
    bus, seen,
    propose: (over) => liveProposal(t, { replyPartition: 1, ...over }),
    sendVariantResult: (r) => bus.producer.send([{ topic: t.results.topic, key: r.sessionId,
      value: frame(results.id, results.type.toBuffer({ ...resultToWire(r), outageTestNote: 'x' })) }]),
    sendVariantProposal: (p) => bus.producer.send([{ topic: t.proposals.topic, key: p.sessionId,
      value: frame(proposals.id, proposals.type.toBuffer({ ...proposalToWire(p), outageTestNote: 'x' })),
      headers: correlationHeaders(p.proposalId, { topic: p.replyTopic, partition: p.replyPartition }) }]),
  };
}

describe('a schema registry outage is not poison: nothing is dead-lettered, the session keeps its taint', () => {
  let forwarder: TcpForwarder;
  let registryUrl: string;
  let resultsVariant: Variant;
  let proposalsVariant: Variant;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const real = new URL(localRegistryUrl());
    forwarder = await startTcpForwarder({ host: real.hostname, port: Number(real.port || 80) });
    registryUrl = `http://127.0.0.1:${forwarder.port}${real.pathname}`;
    resultsVariant = await registerVariant('ToolCallResult');
    proposalsVariant = await registerVariant('ToolCallProposal');
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await forwarder?.close();
  });

  it('rides out a short outage in place: the result is folded (taint kept), the proposal answered once, no dead letter', async () => {
    const r = await openRun(`itro-${run}-a`, resultsVariant, proposalsVariant);
    closers.push(() => r.bus.close(), () => r.seen.close());
    const events: { event: string; detail: Record<string, unknown> }[] = [];
    const metrics = new MetricsRegistry();
    const config = testVerdictConfig(`itro-${run}-a`, 'outage-test', keys.publicKeyPem, { registryUrl });
    const processor = await startVerdictProcessor(config, { metrics, log: (event, detail) => events.push({ event, detail }) });
    closers.push(() => processor.close());
    expect(processor.slot.current).toBeDefined();
    expect(forwarder.accepted).toBeGreaterThan(0); // the processor does talk to the registry through the forwarder

    await forwarder.down();
    const sessionId = `s-taint-${randomUUID()}`;
    const asked = r.propose({ sessionId: `s-other-${randomUUID()}` });
    await r.sendVariantResult(resultOf(r.propose({ sessionId }), { untrustedSources: ['web:evil.example'] }));
    await r.sendVariantProposal(asked);
    const retries = () => events.filter((e) => e.event === 'registry-fetch-retry');
    await waitFor('four fetch retries during the outage', () => (retries().length >= 4 ? true : undefined));
    expect(retries()[0]?.detail).toMatchObject({ code: 'ARB_SERDE_REGISTRY_UNAVAILABLE', registry: registryUrl, attempt: 1, delayMs: 100 });
    expect(r.seen.answers(asked.proposalId)).toEqual([]);
    expect(r.seen.changelogKeys).not.toContain(sessionId);

    await forwarder.up();
    await waitFor('the result folded into the session', () => (r.seen.changelogKeys.includes(sessionId) ? true : undefined));
    expect(await waitFor('the proposal answered', () => r.seen.answers(asked.proposalId)[0])).toMatchObject({ effect: 'allow', errorCode: '' });
    const email = r.propose({ sessionId, tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: 'b' } });
    await sendProposals(r.bus, [email]);
    expect(await waitFor('the email decided', () => r.seen.answers(email.proposalId)[0])).toMatchObject({ effect: 'deny', ruleIds: ['email-tainted'] });

    expect(r.seen.answers(asked.proposalId)).toHaveLength(1);
    expect(r.seen.dead).toEqual([]);
    expect(processor.task.stats.deadLettered).toBe(0);
    expect(metrics.render()).toMatch(/arbiter_registry_fetch_retries_total\{code="ARB_SERDE_REGISTRY_UNAVAILABLE"\} [1-9]/);
  });

  it('past the retry bound the processor stops uncommitted; a restart after the outage reads the records again', async () => {
    const r = await openRun(`itro-${run}-b`, resultsVariant, proposalsVariant);
    closers.push(() => r.bus.close(), () => r.seen.close());
    const config = testVerdictConfig(`itro-${run}-b`, 'outage-test', keys.publicKeyPem, { registryUrl });
    const before = process.env[REGISTRY_FETCH_RETRY_ENV];
    process.env[REGISTRY_FETCH_RETRY_ENV] = '1000';
    let first: RunningVerdict;
    try {
      first = await startVerdictProcessor(config);
    } finally {
      if (before === undefined) delete process.env[REGISTRY_FETCH_RETRY_ENV];
      else process.env[REGISTRY_FETCH_RETRY_ENV] = before;
    }
    closers.push(() => first.close());

    await forwarder.down();
    const sessionId = `s-taint-${randomUUID()}`;
    const asked = r.propose({ sessionId: `s-other-${randomUUID()}` });
    await r.sendVariantResult(resultOf(r.propose({ sessionId }), { untrustedSources: ['web:evil.example'] }));
    await r.sendVariantProposal(asked);
    const stopped = await Promise.race([
      first.stopped.then(() => 'stopped cleanly', (error: unknown) => error),
      new Promise((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000)),
    ]);
    // The transport reports the task's throw as its consumer failing, with the registry's error as the cause.
    expect(stopped).toMatchObject({ code: 'ARB_TRANSPORT_CONSUMER_FAILED', cause: { code: 'ARB_SERDE_REGISTRY_UNAVAILABLE' } });
    await first.close().catch(() => undefined);
    expect(first.task.stats.deadLettered).toBe(0);

    await forwarder.up();
    const second = await startVerdictProcessor(config);
    closers.push(() => second.close());
    await waitFor('the result folded after the restart', () => (r.seen.changelogKeys.includes(sessionId) ? true : undefined), 60_000);
    expect(await waitFor('the proposal answered after the restart', () => r.seen.answers(asked.proposalId)[0], 60_000)).toMatchObject({ effect: 'allow' });
    const email = r.propose({ sessionId, tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: 'b' } });
    await sendProposals(r.bus, [email]);
    expect(await waitFor('the email decided', () => r.seen.answers(email.proposalId)[0])).toMatchObject({ effect: 'deny', ruleIds: ['email-tainted'] });
    expect(r.seen.answers(asked.proposalId)).toHaveLength(1);
    expect(r.seen.dead).toEqual([]);
  });
});
