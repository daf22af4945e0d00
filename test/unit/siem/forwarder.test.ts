// The forwarder core against a scripted in-memory sink and DLQ (no I/O, no timers: sleep is recorded, not waited).
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../processors/core/metrics.ts';
import type { Batch } from '../../../processors/runtime/transport/transport.ts';
import { validateSiemConfig } from '../../../processors/sinks/siem/config.ts';
import type { DeadLetter } from '../../../processors/sinks/siem/dlq.ts';
import { SiemForwarder } from '../../../processors/sinks/siem/forwarder.ts';
import type { ItemOutcome, OutItem, SiemSink } from '../../../processors/sinks/siem/sink.ts';
import { alertInput, decisionInput, inRecord, jsonDecode } from './fixtures.ts';

type Script = (items: readonly OutItem[], call: number) => ItemOutcome[] | Error;

function scriptedSink(script: Script) {
  const calls: string[][] = [];
  const sink: SiemSink = {
    async deliver(items) {
      calls.push(items.map((i) => i.id));
      const r = script(items, calls.length);
      if (r instanceof Error) throw r;
      return r;
    },
    async close() {},
  };
  return { sink, calls };
}

const ok = (items: readonly OutItem[]): ItemOutcome[] => items.map(() => ({ ok: true }));
const busy = (items: readonly OutItem[]): ItemOutcome[] => items.map(() => ({ ok: false, retryable: true, code: 'ARB_SIEM_PEER_BUSY', detail: 'HTTP 503' }));

function setup(script: Script, over: Record<string, unknown> = {}, dlqFails = 0) {
  const config = validateSiemConfig({
    format: 'ecs', peer: { url: 'http://127.0.0.1:9' },
    delivery: { maxAttempts: 3, baseBackoffMs: 10, maxBackoffMs: 1000, batchSize: 4, queueCapacity: 8 }, ...over,
  });
  const { sink, calls } = scriptedSink(script);
  const letters: DeadLetter[] = [];
  let failuresLeft = dlqFails;
  const sleeps: number[] = [];
  const metrics = new MetricsRegistry();
  const fwd = new SiemForwarder({
    config, decode: jsonDecode, sink, metrics,
    dlq: { async write(ls) { if (failuresLeft-- > 0) throw new Error('broker down'); letters.push(...ls); } },
    sleep: async (ms) => { sleeps.push(ms); },
    random: () => 0.5,
  });
  return { fwd, calls, letters, sleeps, metrics };
}

function batchOf(n: number, firstOffset = 100): Batch {
  return {
    topic: 'arbiter.decisions', partition: 3,
    records: Array.from({ length: n }, (_, i) => inRecord(decisionInput({ decisionId: `d-${i}` }), firstOffset + i, 'arbiter.decisions', 3)),
  };
}

function count(metrics: MetricsRegistry, name: string): number {
  let s = 0;
  for (const line of metrics.render().split('\n')) if (line.startsWith(name)) s += Number(line.split(' ').pop());
  return s;
}

describe('SiemForwarder', () => {
  it('delivers a batch and returns last offset + 1 for commit', async () => {
    const { fwd, calls } = setup(ok);
    expect(await fwd.processBatch(batchOf(6))).toEqual({ topic: 'arbiter.decisions', partition: 3, offset: '106' });
    expect(calls.flat()).toEqual(['d-0', 'd-1', 'd-2', 'd-3', 'd-4', 'd-5']);
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(4);
    await fwd.close();
  });

  it('retries retryable failures with growing backoff, then delivers', async () => {
    const { fwd, calls, sleeps, metrics } = setup((items, call) => (call <= 2 ? busy(items) : ok(items)));
    await fwd.processBatch(batchOf(2));
    expect(calls).toEqual([['d-0', 'd-1'], ['d-0', 'd-1'], ['d-0', 'd-1']]);
    expect(sleeps).toEqual([8, 15]); // equal jitter with random 0.5: 0.75 * 10, 0.75 * 20
    expect(count(metrics, 'arbiter_siem_retries_total')).toBe(4);
    expect(count(metrics, 'arbiter_siem_delivered_total')).toBe(2);
    await fwd.close();
  });

  it('sends an event to the DLQ after maxAttempts, with the last error and its source position', async () => {
    const { fwd, calls, letters, metrics } = setup(busy);
    expect(await fwd.processBatch(batchOf(1, 7))).toEqual({ topic: 'arbiter.decisions', partition: 3, offset: '8' });
    expect(calls).toHaveLength(3);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ errorCode: 'ARB_SIEM_RETRIES_EXHAUSTED', sourceTopic: 'arbiter.decisions', sourcePartition: 3, sourceOffset: '7' });
    expect(letters[0]?.message).toContain('3 attempts; last ARB_SIEM_PEER_BUSY: HTTP 503');
    expect(JSON.parse(letters[0]?.value?.toString() ?? '')).toMatchObject({ kind: 'decision' });
    expect(metrics.render()).toContain('arbiter_siem_dlq_total{format="ecs",code="ARB_SIEM_RETRIES_EXHAUSTED"} 1');
    await fwd.close();
  });

  it('dead-letters a permanently rejected event at once and delivers its neighbours', async () => {
    const { fwd, calls, letters } = setup((items) => items.map((i) => (i.id === 'd-1'
      ? { ok: false, retryable: false, code: 'ARB_SIEM_PEER_REJECTED', detail: 'HTTP 400: mapper_parsing_exception' }
      : { ok: true })));
    await fwd.processBatch(batchOf(3));
    expect(calls).toHaveLength(1);
    expect(letters.map((l) => [l.errorCode, l.sourceOffset])).toEqual([['ARB_SIEM_PEER_REJECTED', '101']]);
    await fwd.close();
  });

  it('treats a throwing sink as all-retryable', async () => {
    const { fwd, calls } = setup((items, call) => (call === 1 ? new Error('ECONNREFUSED') : ok(items)));
    await fwd.processBatch(batchOf(2));
    expect(calls).toHaveLength(2);
    await fwd.close();
  });

  it('dead-letters records that cannot be decoded, and filters by config with a counted reason', async () => {
    const { fwd, calls, letters, metrics } = setup(ok, { filter: { effects: ['deny'] } });
    const b: Batch = {
      topic: 'arbiter.decisions', partition: 0,
      records: [
        inRecord(decisionInput({ decisionId: 'keep' }), 0),
        { ...inRecord(decisionInput(), 1), value: Buffer.from('{not json') },
        inRecord(decisionInput({ decisionId: 'allowed', effect: 'allow' }), 2),
      ],
    };
    expect((await fwd.processBatch(b))?.offset).toBe('3');
    expect(calls.flat()).toEqual(['keep']);
    expect(letters.map((l) => [l.errorCode, l.sourceOffset])).toEqual([['ARB_SIEM_DECODE_FAILED', '1']]);
    expect(metrics.render()).toContain('arbiter_siem_filtered_total{format="ecs",reason="effect"} 1');
    await fwd.close();
  });

  it('dead-letters an event failing the OCSF check when validation is on', async () => {
    const { fwd, letters, calls } = setup(ok, { format: 'ocsf', validateOcsf: true, peer: { url: 'http://127.0.0.1:9/ingest' } });
    const b: Batch = { topic: 'arbiter.alerts', partition: 0, records: [inRecord(alertInput({ alertId: '' }), 0, 'arbiter.alerts'), inRecord(alertInput(), 1, 'arbiter.alerts')] };
    await fwd.processBatch(b);
    expect(calls.flat()).toEqual(['al-1']);
    expect(letters[0]?.errorCode).toBe('ARB_SIEM_FORMAT_INVALID');
    expect(letters[0]?.message).toContain('finding_info.uid: required but missing');
    await fwd.close();
  });

  it('does not commit when the DLQ cannot be written (the batch is redelivered)', async () => {
    const { fwd } = setup(busy, {}, 3);
    await expect(fwd.processBatch(batchOf(1))).rejects.toThrow(/ARB_SIEM_DLQ_FAILED/);
    await fwd.close();
  });

  it('survives one failed DLQ write by retrying it', async () => {
    const { fwd, letters, metrics } = setup(busy, {}, 1);
    expect((await fwd.processBatch(batchOf(1)))?.offset).toBe('101');
    expect(letters).toHaveLength(1);
    expect(count(metrics, 'arbiter_siem_dlq_failures_total')).toBe(1);
    await fwd.close();
  });

  it('fails the batch (no commit) instead of hanging when the forwarder itself throws, and keeps working', async () => {
    const config = validateSiemConfig({ format: 'ecs', peer: { url: 'http://h' }, delivery: { maxAttempts: 5 } });
    let calls = 0;
    const fwd = new SiemForwarder({
      config, decode: jsonDecode, metrics: new MetricsRegistry(), dlq: { async write() {} },
      sink: { async deliver(items) { calls += 1; return calls === 1 ? busy(items) : ok(items); }, async close() {} },
      sleep: async () => { if (calls === 1) throw new Error('timer broke'); },
    });
    await expect(fwd.processBatch(batchOf(2))).rejects.toThrow('timer broke');
    expect(await fwd.processBatch(batchOf(2, 200))).toMatchObject({ offset: '202' });
    await fwd.close();
  });

  it('offer() never waits: a full queue drops and counts queue_full', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const config = validateSiemConfig({ format: 'ecs', peer: { url: 'http://h' }, delivery: { batchSize: 1, queueCapacity: 2 } });
    const metrics = new MetricsRegistry();
    const fwd = new SiemForwarder({
      config, decode: jsonDecode, metrics, dlq: { async write() {} },
      sink: { async deliver(items) { await gate; return ok(items); }, async close() {} },
    });
    const results = Array.from({ length: 5 }, (_, i) => fwd.offer(decisionInput({ decisionId: `o-${i}` })));
    await Promise.resolve();
    // one taken by the worker (blocked on the sink), two queued, the rest dropped
    expect(results.filter((r) => !r).length).toBeGreaterThanOrEqual(2);
    release();
    await fwd.close();
    const dropped = metrics.counter('arbiter_siem_dropped_total', '', ['format', 'reason']).get({ format: 'ecs', reason: 'queue_full' });
    const delivered = metrics.counter('arbiter_siem_delivered_total', '', ['format']).get({ format: 'ecs' });
    expect(dropped).toBe(results.filter((r) => !r).length);
    expect(delivered + dropped).toBe(5);
  });

  it('keeps received = delivered + filtered + dlq + dropped across a mixed run', async () => {
    const { fwd, metrics } = setup((items, call) => (call % 2 === 1 ? busy(items) : items.map((i) => (i.id.endsWith('3')
      ? { ok: false, retryable: false, code: 'ARB_SIEM_PEER_REJECTED', detail: '400' } : { ok: true }))), { filter: { effects: ['deny', 'escalate'] } });
    const records = Array.from({ length: 20 }, (_, i) => inRecord(decisionInput({ decisionId: `d-${i}`, effect: i % 5 === 0 ? 'allow' : 'deny' }), i));
    await Promise.all([
      fwd.processBatch({ topic: 'arbiter.decisions', partition: 0, records: records.slice(0, 10) }),
      fwd.processBatch({ topic: 'arbiter.decisions', partition: 1, records: records.slice(10) }),
    ]);
    await fwd.close();
    const received = count(metrics, 'arbiter_siem_received_total');
    const settled = ['delivered', 'filtered', 'dlq', 'dropped'].reduce((s, n) => s + count(metrics, `arbiter_siem_${n}_total`), 0);
    expect(received).toBe(20);
    expect(settled).toBe(20);
    expect(count(metrics, 'arbiter_siem_filtered_total')).toBe(4);
    expect(count(metrics, 'arbiter_siem_dlq_total')).toBe(2);
  });
});
