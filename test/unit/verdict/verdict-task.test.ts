// VerdictTask.process over batches, without a broker: the schema registry is an in-memory twin of the
// SchemaRegistryClient interface (ids per distinct schema), the Kafka side is just records in and out.
import { describe, expect, it } from 'vitest';
import { checkLink, genesisHead } from '../../../processors/core/chain.ts';
import type { DecisionRecord } from '../../../processors/core/types.ts';
import type { SchemaRegistryClient } from '../../../processors/runtime/serde/registry.ts';
import { proposalToWire, resultToWire, verdictModifiedArgs } from '../../../processors/runtime/serde/records.ts';
import type { SessionStateSnapshot } from '../../../schemas/generated/SessionStateSnapshot.ts';
import type { Verdict } from '../../../schemas/generated/Verdict.ts';
import { destinationKey, valueKey } from '../../../processors/trajectory/hash.ts';
import { VALUE_UNTRUSTED, VALUE_USER } from '../../../processors/trajectory/state.ts';
import { TopicSerde } from '../../../processors/runtime/serde/topic-serde.ts';
import { defineTopics } from '../../../processors/runtime/topics.ts';
import type { InRecord, KafkaTransport, OutRecord, TransportProducer } from '../../../processors/runtime/transport/transport.ts';
import { BundleSlot } from '../../../processors/verdict/bundle-slot.ts';
import { correlationHeaders } from '../../../processors/verdict/correlation.ts';
import { createPolicyEngine } from '../../../processors/verdict/policy-engine.ts';
import type { PolicyEngine } from '../../../processors/verdict/policy-port.ts';
import { CHAIN_HEAD_KEY, SessionRestore, slotFromSnapshot, verdictSlotKey } from '../../../processors/verdict/session-store.ts';
import { VerdictTask } from '../../../processors/verdict/verdict-task.ts';
import { proposal, result, testBundle } from './fixtures.ts';

function memoryRegistry(): SchemaRegistryClient {
  const ids = new Map<string, number>();
  const byId = new Map<number, string>();
  return {
    async register(_subject, schema) {
      const text = JSON.stringify(schema);
      let id = ids.get(text);
      if (id === undefined) {
        id = ids.size + 1;
        ids.set(text, id);
        byId.set(id, text);
      }
      return id;
    },
    async isCompatible() { return true; },
    async schemaById(id) { return byId.get(id); },
  };
}

async function setup(engineOverride?: PolicyEngine, sessionPartitions?: number) {
  const topics = defineTopics({ prefix: 't', partitions: 2, replicationFactor: 1 });
  const registry = memoryRegistry();
  const serde = new TopicSerde(registry, topics, { maxValueBytes: 4096 });
  await serde.registerAll();
  const reader = new TopicSerde(registry, topics, { maxValueBytes: 1 << 20 }); // reads outputs, dead letters included
  await reader.registerAll();
  const engine = engineOverride ?? createPolicyEngine({ requireSignature: false, trustedKeys: {} });
  const slot = new BundleSlot({ ...engine, load: async () => testBundle() }, 'verdict-test');
  await slot.offer({ bundleName: 'verdict-test', revision: 'r', bundle: Buffer.alloc(0), signature: '', keyId: '', activatedBy: '', activatedAtMs: 0 });
  const task = new VerdictTask({
    topics, serde, engine, slot, transport: {} as KafkaTransport, barrierProducer: {} as TransportProducer, groupId: 'g',
    replyTopics: new Map(), restoreTimeoutMs: 1000, clock: () => 1_500_000, ...(sessionPartitions === undefined ? {} : { sessionPartitions }),
  });
  let offset = 0;
  const rec = (value: Buffer | null, headers: InRecord['headers'] = {}, key = 's-1'): InRecord => ({
    topic: topics.proposals.topic, partition: 1, offset: String(offset++), key: Buffer.from(key), value, headers, timestampMs: 0,
  });
  const encoded = (over: Parameters<typeof proposal>[0] = {}) => serde.encode(topics.proposals, proposalToWire(proposal(over)));
  const run = async (...records: InRecord[]): Promise<OutRecord[]> => {
    const out = [...await task.process({ topic: topics.proposals.topic, partition: 1, records }), ...task.beforeCommit()];
    task.committed();
    return out;
  };
  const on = (out: OutRecord[], topic: string) => out.filter((r) => r.topic === topic);
  const decode = <T>(topic: { topic: string }, r: OutRecord) =>
    reader.decode(topic as never, { ...rec(r.value as Buffer), topic: topic.topic }) as Promise<T>;
  return { topics, serde, task, rec, encoded, run, on, decode };
}

describe('VerdictTask folding results into the session', () => {
  it('given a result that brought untrusted content, when the agent then proposes an email, then the taint rule denies it', async () => {
    const { topics, serde, task, rec, encoded, run, on, decode } = await setup();
    const tainting = { ...rec(serde.encode(topics.results, resultToWire(result({ untrustedSources: ['email:inbox'] })))), topic: topics.results.topic };
    const folded = [...await task.process({ topic: topics.results.topic, partition: 1, records: [tainting] }), ...task.beforeCommit()];
    task.committed();
    expect(on([...folded], topics.sessionState.topic).map((r) => String(r.key))).toEqual(['s-1']);
    const out = await run(rec(encoded({ tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: 'b' } })));
    const verdict = await decode<{ effect: string; ruleIds: string[] }>(topics.verdicts, on(out, topics.verdicts.topic)[0] as OutRecord);
    expect(verdict).toMatchObject({ effect: 'deny', ruleIds: ['email-tainted'] });
    expect(task.stats.folded).toBe(1);
  });
});

describe('VerdictTask.process', () => {
  it('answers on the reply partition, records a chained decision on the input partition and writes the changelog', async () => {
    const { topics, run, rec, encoded, on, decode } = await setup();
    const out = await run(rec(encoded()));
    const [reply] = on(out, topics.verdicts.topic);
    expect(reply?.partition).toBe(0);
    expect(await decode(topics.verdicts, reply as OutRecord)).toMatchObject({ proposalId: 'p-1', effect: 'allow', errorCode: '' });
    const [decision] = on(out, topics.decisions.topic);
    expect(decision?.partition).toBe(1);
    const record = await decode<DecisionRecord>(topics.decisions, decision as OutRecord);
    expect(checkLink(genesisHead(1), record)).toEqual([]);
    const changelog = on(out, topics.sessionState.topic);
    // The verdict once in its slot, carrying the session's state (one record, not a slot and a state record), then
    // the chain head.
    expect(changelog.map((r) => String(r.key))).toEqual([verdictSlotKey('s-1', 0), CHAIN_HEAD_KEY]);
    expect(changelog.every((r) => r.partition === 1)).toBe(true);
    const slot = slotFromSnapshot(await decode<SessionStateSnapshot>(topics.sessionState, changelog[0] as OutRecord));
    expect(slot.verdict).toEqual({ proposalId: 'p-1', verdict: reply?.value, seq: 0 });
    expect(slot.state?.steps).toBe(1);
  });

  it('writes each verdict of a commit once, the state on the last one only, and restores the same from the log, compacted or not', async () => {
    const { topics, serde, task, run, rec, encoded, on, decode } = await setup();
    const log: OutRecord[] = [];
    const changelog = (out: OutRecord[]) => {
      const records = on(out, topics.sessionState.topic).filter((r) => String(r.key) !== CHAIN_HEAD_KEY);
      log.push(...records);
      return records;
    };
    const first = changelog(await run(rec(encoded({ proposalId: 'a' })), rec(encoded({ proposalId: 'b' }))));
    expect(first.map((r) => String(r.key))).toEqual([verdictSlotKey('s-1', 0), verdictSlotKey('s-1', 1)]);
    const slots = await Promise.all(first.map(async (r) => slotFromSnapshot(await decode<SessionStateSnapshot>(topics.sessionState, r))));
    expect(slots.map((x) => [x.verdict.proposalId, x.state?.steps])).toEqual([['a', undefined], ['b', 2]]);
    // A result folded with no new verdict: the latest verdict's slot again, with the new state.
    const tainting = { ...rec(serde.encode(topics.results, resultToWire(result({ untrustedSources: ['email:inbox'] })))), topic: topics.results.topic };
    const folded = changelog([...await task.process({ topic: topics.results.topic, partition: 1, records: [tainting] }), ...task.beforeCommit()]);
    task.committed();
    expect(folded.map((r) => String(r.key))).toEqual([verdictSlotKey('s-1', 1)]);
    const refolded = slotFromSnapshot(await decode<SessionStateSnapshot>(topics.sessionState, folded[0] as OutRecord));
    expect(refolded.verdict.proposalId).toBe('b');
    expect(refolded.state?.taintSources.length).toBeGreaterThan(0);
    // Pipelined: a sealed generation's verdicts are not written again by the next commit.
    await task.process({ topic: topics.proposals.topic, partition: 1, records: [rec(encoded({ proposalId: 'c' }))] });
    changelog([...task.beforeCommit()]);
    task.sealed();
    await task.process({ topic: topics.proposals.topic, partition: 1, records: [rec(encoded({ proposalId: 'd' }))] });
    const next = changelog([...task.beforeCommit()]);
    task.committed();
    task.sealed();
    task.committed();
    expect(next.map((r) => String(r.key))).toEqual([verdictSlotKey('s-1', 3)]);
    const restoreFrom = async (records: OutRecord[]) => {
      const restore = new SessionRestore();
      for (const r of records) restore.record(String(r.key), await decode<SessionStateSnapshot>(topics.sessionState, r));
      return new Map(restore.entries());
    };
    const whole = (await restoreFrom(log)).get('s-1');
    expect(whole?.recent.map((r) => r.proposalId)).toEqual(['a', 'b', 'c', 'd']);
    expect(whole?.nextSeq).toBe(4);
    expect(whole?.state.steps).toBe(4);
    expect(whole?.state.taintSources.length).toBeGreaterThan(0);
    // Compaction keeps the latest record per key, in log order.
    const latest = log.filter((r, i) => !log.slice(i + 1).some((later) => String(later.key) === String(r.key)));
    expect(latest.length).toBeLessThan(log.length);
    expect((await restoreFrom(latest)).get('s-1')).toEqual(whole);
  });

  it('gives a duplicate proposal the same verdict bytes and no second decision, in one batch and across batches', async () => {
    const { topics, run, rec, encoded, on } = await setup();
    const first = await run(rec(encoded()), rec(encoded()));
    const replies = on(first, topics.verdicts.topic);
    expect(replies).toHaveLength(2);
    expect(replies[1]?.value).toEqual(replies[0]?.value);
    expect(on(first, topics.decisions.topic)).toHaveLength(1);
    const again = await run(rec(encoded()));
    expect(on(again, topics.verdicts.topic)[0]?.value).toEqual(replies[0]?.value);
    expect(on(again, topics.decisions.topic)).toHaveLength(0);
  });

  it('chains consecutive decisions of a partition', async () => {
    const { topics, run, rec, encoded, on, decode } = await setup();
    const out = await run(rec(encoded({ proposalId: 'a' })), rec(encoded({ proposalId: 'b', sessionId: 's-2' }), {}, 's-2'));
    const [a, b] = await Promise.all(on(out, topics.decisions.topic).map((r) => decode<DecisionRecord>(topics.decisions, r)));
    expect(b?.chainSeq).toBe(1);
    expect(b?.prevHash).toBe(a?.hash);
  });

  it('dead-letters poison (bad magic, oversized) with the source offset and denies via correlation headers; the batch goes on', async () => {
    const { topics, task, run, rec, encoded, on, decode } = await setup();
    const headers = correlationHeaders('p-bad', { topic: topics.verdicts.topic, partition: 1 });
    const out = await run(rec(Buffer.from('{"json":true}'), headers), rec(Buffer.alloc(5000, 0)), rec(encoded({ proposalId: 'ok' })));
    const dlq = await Promise.all(on(out, topics.dlqProposals.topic).map((r) => decode<{ errorCode: string; sourceOffset: string }>(topics.dlqProposals, r)));
    expect(dlq.map((d) => d.errorCode)).toEqual(['ARB_SERDE_BAD_MAGIC', 'ARB_SERDE_OVERSIZED']);
    expect(dlq[0]?.sourceOffset).toBe('0');
    const replies = await Promise.all(on(out, topics.verdicts.topic).map((r) => decode<{ proposalId: string; effect: string; errorCode: string }>(topics.verdicts, r)));
    expect(replies.map((r) => [r.proposalId, r.effect, r.errorCode])).toEqual([
      ['p-bad', 'deny', 'ARB_VERDICT_UNDECODABLE'], ['ok', 'allow', ''],
    ]);
    expect(task.metrics.deadLetters.get({ topic: topics.proposals.topic, code: 'ARB_SERDE_OVERSIZED' })).toBe(1);
    expect(task.metrics.decisions.get({ effect: 'allow', error_code: '' })).toBe(1);
  });

  it('dead-letters a proposal not keyed by its session id (it would break co-partitioning) and denies it', async () => {
    const { topics, run, rec, encoded, on, decode } = await setup();
    const headers = correlationHeaders('p-1', { topic: topics.verdicts.topic, partition: 0 });
    const out = await run(rec(encoded(), headers, 's-2')); // on its key's partition (partitionFor('s-2', 2) = 1): only the key is wrong
    const [letter] = await Promise.all(on(out, topics.dlqProposals.topic).map((r) => decode<{ errorCode: string }>(topics.dlqProposals, r)));
    expect(letter?.errorCode).toBe('ARB_VERDICT_KEY_MISMATCH');
    expect(on(out, topics.decisions.topic)).toHaveLength(0);
    expect(on(out, topics.verdicts.topic)).toHaveLength(1);
  });

  it('dead-letters a proposal on another partition than its key maps to and denies it with ARB_VERDICT_WRONG_PARTITION', async () => {
    const { topics, task, run, rec, encoded, on, decode } = await setup();
    const headers = correlationHeaders('p-3', { topic: topics.verdicts.topic, partition: 0 });
    // partitionFor('s-3', 2) = 0; the record came on partition 1, where s-3's state is not kept.
    const out = await run(rec(encoded({ proposalId: 'p-3', sessionId: 's-3' }), headers, 's-3'), rec(encoded({ proposalId: 'ok' })));
    const [letter] = await Promise.all(on(out, topics.dlqProposals.topic).map((r) => decode<{ errorCode: string; message: string }>(topics.dlqProposals, r)));
    expect(letter?.errorCode).toBe('ARB_VERDICT_WRONG_PARTITION');
    expect(letter?.message).toContain('"s-3" came on partition 1 but belongs on partition 0 of 2');
    const replies = await Promise.all(on(out, topics.verdicts.topic).map((r) => decode<{ proposalId: string; effect: string; errorCode: string }>(topics.verdicts, r)));
    expect(replies.map((r) => [r.proposalId, r.effect, r.errorCode])).toEqual([['p-3', 'deny', 'ARB_VERDICT_WRONG_PARTITION'], ['ok', 'allow', '']]);
    expect((await Promise.all(on(out, topics.decisions.topic).map((r) => decode<DecisionRecord>(topics.decisions, r)))).map((d) => d.sessionId)).toEqual(['s-1']);
    expect(task.metrics.deadLetters.get({ topic: topics.proposals.topic, code: 'ARB_VERDICT_WRONG_PARTITION' })).toBe(1);
  });

  it('dead-letters a result or an approval resolution on another partition than its key maps to, folding nothing', async () => {
    const { topics, serde, task, rec, on, decode } = await setup();
    const misplacedResult = { ...rec(serde.encode(topics.results, resultToWire(result({ sessionId: 's-3' }), 0)), {}, 's-3'), topic: topics.results.topic };
    const resolution = serde.encode(topics.approvals, { event: { 'arbiter.v1.ApprovalResolved': {
      approvalId: 'a', proposalId: 'p-1', sessionId: 's-3', argsHash: 'h', resolution: 'approved', resolvedBy: 'lead', reason: '', resolvedAtMs: 1, onTimeout: 'deny' } } });
    const misplacedResolution = { ...rec(resolution, {}, 's-3'), topic: topics.approvals.topic };
    const out = [
      ...await task.process({ topic: topics.results.topic, partition: 1, records: [misplacedResult] }),
      ...await task.process({ topic: topics.approvals.topic, partition: 1, records: [misplacedResolution] }),
      ...task.beforeCommit(),
    ];
    task.committed();
    const letters = await Promise.all([...on(out, topics.dlqResults.topic), ...on(out, topics.dlqApprovals.topic)]
      .map((r) => decode<{ errorCode: string; sourceTopic: string }>(topics.dlqResults, r)));
    expect(letters.map((l) => [l.sourceTopic, l.errorCode])).toEqual([
      [topics.results.topic, 'ARB_VERDICT_WRONG_PARTITION'], [topics.approvals.topic, 'ARB_VERDICT_WRONG_PARTITION'],
    ]);
    expect(on(out, topics.sessionState.topic)).toEqual([]);
    expect(task.metrics.folded.total()).toBe(0);
  });

  it('checks against the broker\'s partition count when given (sessionPartitions), not the configured one', async () => {
    // The topics are defined with 2 partitions; the broker has 4: partitionFor('s-1', 4) = 3, so partition 1 is wrong.
    const { topics, run, rec, encoded, on, decode } = await setup(undefined, 4);
    const out = await run(rec(encoded()));
    const [letter] = await Promise.all(on(out, topics.dlqProposals.topic).map((r) => decode<{ errorCode: string; message: string }>(topics.dlqProposals, r)));
    expect(letter).toMatchObject({ errorCode: 'ARB_VERDICT_WRONG_PARTITION' });
    expect(letter?.message).toContain('belongs on partition 3 of 4');
  });

  it('dead-letters a proposal whose reply address is not answerable, without a decision', async () => {
    const { topics, run, rec, encoded, on } = await setup();
    const out = await run(rec(encoded({ replyTopic: 'elsewhere' })), rec(encoded({ proposalId: 'p-2', replyPartition: 9 })));
    expect(on(out, topics.dlqProposals.topic)).toHaveLength(2);
    expect(on(out, topics.decisions.topic)).toHaveLength(0);
  });

  it('sends a modify verdict with the modified arguments and records the modification, not the raw value', async () => {
    const { topics, run, rec, encoded, on, decode } = await setup();
    const body = 'my ssn is 123-45-6789';
    const out = await run(rec(encoded({ tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body } })));
    const verdict = await decode<Verdict>(topics.verdicts, on(out, topics.verdicts.topic)[0] as OutRecord);
    expect(verdict.effect).toBe('modify');
    expect(verdict.modifications.map((m) => [m.kind, m.path])).toEqual([['redact', 'body']]);
    const modified = verdictModifiedArgs(verdict);
    expect(typeof modified?.['body']).toBe('string');
    expect(modified?.['body']).not.toContain('123-45-6789');
    const record = await decode<DecisionRecord>(topics.decisions, on(out, topics.decisions.topic)[0] as OutRecord);
    expect(record.argsMinimised['body']).toBe('[redacted:ssn]');
  });

  it('emits an ApprovalRequested on the input partition for an escalation', async () => {
    const { topics, run, rec, encoded, on, decode } = await setup();
    const out = await run(rec(encoded({ tool: 'wire_transfer', args: { amount: 5000 } })));
    const [approval] = on(out, topics.approvals.topic);
    expect(approval?.partition).toBe(1);
    const event = await decode<{ event: Record<string, { approvers: string[]; argsHash: string }> }>(topics.approvals, approval as OutRecord);
    expect(event.event['arbiter.v1.ApprovalRequested']).toMatchObject({ approvers: ['finance'] });
  });

  it('after abort() the state of the failed batch is forgotten: the same proposal is decided again', async () => {
    const { topics, task, rec, encoded, on, run } = await setup();
    await task.process({ topic: topics.proposals.topic, partition: 1, records: [rec(encoded())] });
    task.aborted();
    expect(on(await run(rec(encoded())), topics.decisions.topic)).toHaveLength(1);
  });
});

describe('VerdictTask folding what a proposal carries (results, trusted context) and approval timeouts', () => {
  /** The session's state as restore reads it from these changelog records. */
  const stateOf = async (ctx: Awaited<ReturnType<typeof setup>>, out: OutRecord[]) => {
    const restore = new SessionRestore();
    for (const r of ctx.on(out, ctx.topics.sessionState.topic).filter((x) => String(x.key) !== CHAIN_HEAD_KEY)) {
      restore.record(String(r.key), await ctx.decode<SessionStateSnapshot>(ctx.topics.sessionState, r));
    }
    const entry = new Map(restore.entries()).get('s-1');
    if (entry === undefined) throw new Error('no changelog record of s-1');
    return entry.state;
  };
  const resultsRecord = (ctx: Awaited<ReturnType<typeof setup>>, value: Buffer) => ({ ...ctx.rec(value), topic: ctx.topics.results.topic });
  const fromResults = async (ctx: Awaited<ReturnType<typeof setup>>, value: Buffer) => {
    const out = [...await ctx.task.process({ topic: ctx.topics.results.topic, partition: 1, records: [resultsRecord(ctx, value)] }), ...ctx.task.beforeCommit()];
    ctx.task.committed();
    return out;
  };
  const email = { tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: 'b' } };

  it('a tainting result embedded in the next proposal is folded before deciding; its results-topic copy is then a no-op', async () => {
    const ctx = await setup();
    const tainting = ctx.serde.encode(ctx.topics.results, resultToWire(result({ untrustedSources: ['web:page'], recordsRead: { pii: 3 } }), 0, { stream: 'h', seq: 1 }));
    const out = await ctx.run(ctx.rec(ctx.serde.encode(ctx.topics.proposals, proposalToWire(proposal(email), { pendingResults: [tainting], trustedContext: [], pendingResolutions: [] }))));
    expect(await ctx.decode(ctx.topics.verdicts, ctx.on(out, ctx.topics.verdicts.topic)[0] as OutRecord)).toMatchObject({ effect: 'deny', ruleIds: ['email-tainted'] });
    expect((await stateOf(ctx, out)).reads).toEqual([3, 0]);
    const copy = await fromResults(ctx, tainting);
    expect((await stateOf(ctx, copy)).reads).toEqual([3, 0]);
  });

  it('a result folded from the results topic first is not folded again from the proposal', async () => {
    const ctx = await setup();
    const reading = ctx.serde.encode(ctx.topics.results, resultToWire(result({ recordsRead: { pii: 3 } }), 0, { stream: 'h', seq: 1 }));
    await fromResults(ctx, reading);
    const out = await ctx.run(ctx.rec(ctx.serde.encode(ctx.topics.proposals, proposalToWire(proposal(), { pendingResults: [reading], trustedContext: [], pendingResolutions: [] }))));
    expect((await stateOf(ctx, out)).reads).toEqual([3, 0]);
  });

  it('an embedded result of another session makes the proposal poison (DLQ + deny), nothing folded', async () => {
    const ctx = await setup();
    const foreign = ctx.serde.encode(ctx.topics.results, resultToWire(result({ sessionId: 's-other' }), 0, { stream: 'h', seq: 1 }));
    const out = await ctx.run(ctx.rec(ctx.serde.encode(ctx.topics.proposals, proposalToWire(proposal(), { pendingResults: [foreign], trustedContext: [], pendingResolutions: [] })),
      correlationHeaders('p-1', { topic: ctx.topics.verdicts.topic, partition: 0 })));
    expect(ctx.on(out, ctx.topics.dlqProposals.topic)).toHaveLength(1);
    expect(await ctx.decode(ctx.topics.verdicts, ctx.on(out, ctx.topics.verdicts.topic)[0] as OutRecord)).toMatchObject({ effect: 'deny' });
  });

  it('declared trusted context makes its destinations trusted before a later untrusted sighting', async () => {
    const ctx = await setup();
    const out = await ctx.run(ctx.rec(ctx.serde.encode(ctx.topics.proposals, proposalToWire(proposal(),
      { pendingResults: [], trustedContext: [{ destinations: ['Bob@Example.com'], values: [], declaredAtMs: 999_000 }], pendingResolutions: [] }))));
    const key = destinationKey('bob@example.com');
    expect((await stateOf(ctx, out)).destinations).toEqual([key]);
    const later = await fromResults(ctx, ctx.serde.encode(ctx.topics.results, resultToWire(result({ untrustedSources: ['web:x'], destinationsSeen: ['bob@example.com'] }))));
    expect((await stateOf(ctx, later)).destinations).toEqual([key]); // low bit clear: first seen trusted
  });

  it('declared trusted values and values a result saw on the wire are folded with their origin (user first, untrusted after)', async () => {
    const ctx = await setup();
    const out = await ctx.run(ctx.rec(ctx.serde.encode(ctx.topics.proposals, proposalToWire(proposal(),
      { pendingResults: [], trustedContext: [{ destinations: [], values: ['riverside view hotel'], declaredAtMs: 999_000 }], pendingResolutions: [] }))));
    expect((await stateOf(ctx, out)).values).toEqual([valueKey('riverside view hotel') | VALUE_USER]);
    const later = await fromResults(ctx, ctx.serde.encode(ctx.topics.results,
      resultToWire(result({ untrustedSources: ['web:x'], valuesSeen: ['riverside view hotel', 'grand plaza'] }))));
    expect([...(await stateOf(ctx, later)).values].sort((a, b) => a - b)).toEqual(
      [valueKey('riverside view hotel') | VALUE_USER, valueKey('grand plaza') | VALUE_UNTRUSTED].sort((a, b) => a - b));
  });

  it.each([['allow', 0], ['deny', 1]] as const)('an expired approval with on_timeout %s folds as granted=%s denied calls', async (onTimeout, denied) => {
    const ctx = await setup();
    const escalated = await ctx.run(ctx.rec(ctx.encoded({ tool: 'wire_transfer', args: { amount: 5000, to: 'acct' } })));
    expect((await stateOf(ctx, escalated)).pending.length).toBeGreaterThan(0);
    const resolved = ctx.serde.encode(ctx.topics.approvals, { event: { 'arbiter.v1.ApprovalResolved': {
      approvalId: 'a', proposalId: 'p-1', sessionId: 's-1', argsHash: 'h', resolution: 'expired', resolvedBy: 'arbiter:on_timeout',
      reason: '', resolvedAtMs: 1_400_000, onTimeout } } });
    const out = [...await ctx.task.process({ topic: ctx.topics.approvals.topic, partition: 1, records: [{ ...ctx.rec(resolved), topic: ctx.topics.approvals.topic }] }), ...ctx.task.beforeCommit()];
    const state = await stateOf(ctx, out);
    expect(state.pending).toEqual([]);
    expect(state.deniedCalls).toBe(denied);
  });

  const resolutionOf = (ctx: Awaited<ReturnType<typeof setup>>, resolution: 'approved' | 'rejected', sessionId = 's-1') =>
    ctx.serde.encode(ctx.topics.approvals, { event: { 'arbiter.v1.ApprovalResolved': {
      approvalId: 'a', proposalId: 'p-1', sessionId, argsHash: 'h', resolution, resolvedBy: 'lead', reason: '', resolvedAtMs: 1_400_000, onTimeout: 'deny' } } });
  const carrying = (ctx: Awaited<ReturnType<typeof setup>>, resolution: Buffer) => ctx.rec(ctx.serde.encode(ctx.topics.proposals,
    proposalToWire(proposal({ proposalId: 'p-2' }), { pendingResults: [], trustedContext: [], pendingResolutions: [resolution] })),
  correlationHeaders('p-2', { topic: ctx.topics.verdicts.topic, partition: 0 }));

  it('a rejection carried by the next proposal is folded before deciding; its approvals-topic copy is then a no-op', async () => {
    const ctx = await setup();
    await ctx.run(ctx.rec(ctx.encoded({ tool: 'wire_transfer', args: { amount: 5000, to: 'acct' } })));
    const rejection = resolutionOf(ctx, 'rejected');
    const out = await ctx.run(carrying(ctx, rejection));
    const state = await stateOf(ctx, out);
    expect(state.pending).toEqual([]);
    expect(state.deniedCalls).toBe(1);
    const copy = [...await ctx.task.process({ topic: ctx.topics.approvals.topic, partition: 1, records: [{ ...ctx.rec(rejection), topic: ctx.topics.approvals.topic }] }), ...ctx.task.beforeCommit()];
    ctx.task.committed();
    expect((await stateOf(ctx, copy)).deniedCalls).toBe(1);
  });

  it('a grant carried by a proposal is not folded: grants come from the approvals topic only', async () => {
    const ctx = await setup();
    const escalated = await ctx.run(ctx.rec(ctx.encoded({ tool: 'wire_transfer', args: { amount: 5000, to: 'acct' } })));
    const pending = (await stateOf(ctx, escalated)).pending;
    expect(pending.length).toBeGreaterThan(0);
    const out = await ctx.run(carrying(ctx, resolutionOf(ctx, 'approved')));
    expect((await stateOf(ctx, out)).pending).toEqual(pending);
  });

  it('a carried resolution of another session makes the proposal poison (DLQ + deny), nothing folded', async () => {
    const ctx = await setup();
    const out = await ctx.run(carrying(ctx, resolutionOf(ctx, 'rejected', 's-other')));
    expect(ctx.on(out, ctx.topics.dlqProposals.topic)).toHaveLength(1);
    expect(await ctx.decode(ctx.topics.verdicts, ctx.on(out, ctx.topics.verdicts.topic)[0] as OutRecord)).toMatchObject({ effect: 'deny' });
  });
});
